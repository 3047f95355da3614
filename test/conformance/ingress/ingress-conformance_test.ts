// The ingress-controller-conformance features (kubernetes-sigs; ./features, unchanged) run
// with cucumber against a real node: host rules (exact, wildcard, TLS by SNI), path rules
// (Exact, Prefix, precedence, trailing slashes), the default backend, ingress classes and
// load balancing over ten pods. Step definitions: ./steps.ts. Any failed, undefined,
// pending, ambiguous or skipped step fails the test; the per-scenario report is also written
// to test-artifacts/ingress-conformance.txt.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfiguration, runCucumber } from '@cucumber/cucumber/api';
import type { Envelope } from '@cucumber/messages';
import { ensureTestImages, IMAGES } from '../../images/index.js';
import {
  hasKubectl,
  nodeSkipReason,
  ok,
  ROOT,
  startNodeCluster,
  type TestCluster,
} from '../../e2e/harness.js';
import { clientMachine, type ClientMachine } from '../../e2e/ingress-client.js';
import { setEnvironment } from './environment.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const KUBECTL = 33;
/** Scenarios in the five feature files (a scenario outline counts once per example). */
const SCENARIOS = 30;
const skip = !hasKubectl(KUBECTL)
  ? 'kubectl 1.33 is not installed'
  : (nodeSkipReason() ??
    (spawnSync('sh', ['-c', 'command -v nginx']).status !== 0 ? 'nginx is not installed' : false));

/** Each scenario's name and its worst step status, from cucumber's messages. */
function scenarioResults() {
  const pickles = new Map<string, string>();
  const testCases = new Map<string, string>();
  const started = new Map<string, string>();
  const worst = new Map<string, string>();
  const rank = ['PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED', 'UNKNOWN'];
  const messages: string[] = [];
  return {
    onMessage(m: Envelope): void {
      if (m.pickle)
        pickles.set(m.pickle.id, `${m.pickle.uri.replace(/^.*\//, '')}: ${m.pickle.name}`);
      if (m.testCase) testCases.set(m.testCase.id, m.testCase.pickleId);
      if (m.testCaseStarted) {
        started.set(m.testCaseStarted.id, m.testCaseStarted.testCaseId);
        worst.set(m.testCaseStarted.id, 'PASSED');
      }
      if (m.testStepFinished) {
        const { testCaseStartedId, testStepResult } = m.testStepFinished;
        const status = String(testStepResult.status);
        if (rank.indexOf(status) > rank.indexOf(worst.get(testCaseStartedId) ?? 'PASSED'))
          worst.set(testCaseStartedId, status);
        if (testStepResult.message) messages.push(testStepResult.message);
      }
    },
    lines(): { status: string; name: string }[] {
      return [...worst].map(([id, status]) => ({
        status,
        name: pickles.get(testCases.get(started.get(id) ?? '') ?? '') ?? id,
      }));
    },
    messages,
  };
}

describe(
  'ingress-controller-conformance features with cucumber',
  { skip, timeout: 1_200_000 },
  () => {
    let c: TestCluster;
    let client: ClientMachine;

    before(async () => {
      const images = await ensureTestImages({ images: [IMAGES.echo] });
      c = startNodeCluster({ images: [images.archives[IMAGES.echo]!] });
      client = clientMachine(c, 'skiff-conf-out');
      setEnvironment({
        kubectl: async (args, input) =>
          ok(
            await c.kubectl(KUBECTL, args, input === undefined ? {} : { input, timeoutMs: 60_000 }),
          ),
        dataDir: c.dataDir,
        client,
      });
    });

    after(() => {
      setEnvironment(undefined);
      client?.remove();
      c?.stop();
    });

    test(`all ${SCENARIOS} scenarios pass`, async (t) => {
      const { runConfiguration } = await loadConfiguration(
        {
          file: false,
          provided: {
            paths: [join(HERE, 'features', '*.feature')],
            import: [join(HERE, 'steps.ts')],
            format: ['progress'],
            strict: true,
          },
        },
        { cwd: HERE },
      );
      let output = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          output += chunk.toString();
          done();
        },
      });
      const results = scenarioResults();
      const { success } = await runCucumber(
        runConfiguration,
        { cwd: HERE, stdout: sink, stderr: sink },
        (m) => results.onMessage(m),
      );
      const lines = results.lines();
      const report = lines.map((l) => `${l.status.padEnd(9)} ${l.name}`).join('\n');
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      writeFileSync(
        join(ROOT, 'test-artifacts', 'ingress-conformance.txt'),
        `${report}\n\n${output}`,
      );
      for (const l of lines) if (l.status !== 'PASSED') t.diagnostic(`${l.status}: ${l.name}`);
      assert.equal(
        lines.filter((l) => l.status === 'PASSED').length,
        SCENARIOS,
        `${report}\n\n${results.messages.join('\n\n')}\n\n${output}`,
      );
      assert.ok(success, output);
    });
  },
);
