// End-to-end: DaemonSets as kubectl 1.27, 1.30 and 1.33 see them on an API-only cluster, and
// `kubectl cluster-info dump` (which lists daemonsets in every namespace it dumps). The test
// registers two Node objects; there is no node agent, so the test writes pod readiness
// itself where a kubelet would.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AGE,
  VERSIONS,
  hasKubectl,
  ok,
  parseTable,
  startCluster,
  until,
  type RunResult,
  type TestCluster,
} from './harness.js';

const NODES = ['ds-node-1', 'ds-node-2'];
/** The newest kubectl present, for the test's own writes (nodes, pod status). */
const TOOL = [...VERSIONS].reverse().find(hasKubectl) ?? 33;

let c: TestCluster;
let dumpDir: string;
before(async () => {
  c = startCluster();
  dumpDir = mkdtempSync(join(tmpdir(), 'skiff-dump-'));
  const nodes = NODES.map((n) =>
    [
      'apiVersion: v1',
      'kind: Node',
      'metadata:',
      `  name: ${n}`,
      '  labels:',
      `    kubernetes.io/hostname: ${n}`,
      '    skiff.test/pool: daemons',
    ].join('\n'),
  ).join('\n---\n');
  ok(await c.kubectl(TOOL, ['create', '-f', '-'], { input: nodes }));
});
after(() => {
  c?.stop();
  if (dumpDir) rmSync(dumpDir, { recursive: true, force: true });
});

const daemonSetYaml = (ns: string, name: string, image: string, pool = 'daemons'): string =>
  [
    'apiVersion: apps/v1',
    'kind: DaemonSet',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    'spec:',
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      nodeSelector:',
    `        skiff.test/pool: ${pool}`,
    '      tolerations:',
    '      - operator: Exists',
    '      containers:',
    '      - name: agent',
    `        image: ${image}`,
  ].join('\n');

/**
 * The node agent's part: a pod whose containers run reports Ready; a pod being deleted goes
 * once its containers have stopped (at once here: nothing runs).
 */
async function actAsNodeAgent(ns: string, app: string): Promise<void> {
  const lines = ok(
    await c.kubectl(TOOL, [
      'get',
      'pods',
      '-n',
      ns,
      '-l',
      `app=${app}`,
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}|{.metadata.deletionTimestamp}|{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]),
  )
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split('|'));
  for (const [name = '', deleting, ready] of lines) {
    if (deleting) {
      await c.kubectl(TOOL, ['delete', 'pod', name, '-n', ns, '--grace-period=0', '--force']);
      continue;
    }
    if (ready === 'True') continue;
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }],
      },
    };
    await c.kubectl(TOOL, [
      'patch',
      'pod',
      name,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
  }
}

/** Waits for `pending` while standing in for the node agent. */
async function whileActingAsNodeAgent(
  ns: string,
  app: string,
  pending: Promise<RunResult>,
): Promise<RunResult> {
  let done = false;
  const result = pending.finally(() => (done = true));
  while (!done) {
    await actAsNodeAgent(ns, app);
    await Promise.race([result, new Promise((r) => setTimeout(r, 300))]);
  }
  return result;
}

describe('daemonsets', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: false }, () => {
      const ns = `ds-v${v}`;
      const k = (...args: string[]): Promise<RunResult> => c.kubectl(v, ['-n', ns, ...args]);
      const apply = (image: string): Promise<RunResult> =>
        c.kubectl(v, ['apply', '-f', '-'], { input: daemonSetYaml(ns, 'agent', image) });

      test('apply, get ds columns and rollout status', async () => {
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
        assert.equal(ok(await apply('agent:1'), 'apply').trim(), 'daemonset.apps/agent created');
        const wait = (): Promise<RunResult> => k('rollout', 'status', 'ds/agent', '--timeout=60s');
        const [row] = await until('desired and current 2', async () => {
          const rows = parseTable(ok(await k('get', 'ds')));
          return rows[0]?.['CURRENT'] === '2' ? rows : undefined;
        });
        assert.deepEqual(Object.keys(row ?? {}), [
          'NAME',
          'DESIRED',
          'CURRENT',
          'READY',
          'UP-TO-DATE',
          'AVAILABLE',
          'NODE SELECTOR',
          'AGE',
        ]);
        assert.equal(row?.['NAME'], 'agent');
        assert.equal(row?.['DESIRED'], '2');
        assert.equal(row?.['READY'], '0');
        assert.equal(row?.['UP-TO-DATE'], '2');
        assert.equal(row?.['AVAILABLE'], '0');
        assert.equal(row?.['NODE SELECTOR'], 'skiff.test/pool=daemons');
        assert.match(row?.['AGE'] ?? '', new RegExp(`^${AGE}$`));

        assert.equal(
          ok(await k('rollout', 'status', 'ds/agent', '--watch=false')),
          'Waiting for daemon set "agent" rollout to finish: 0 of 2 updated pods are available...\n',
        );
        const rolled = await whileActingAsNodeAgent(ns, 'agent', wait());
        assert.match(
          ok(rolled),
          /^(Waiting for daemon set "agent" rollout to finish: [01] of 2 updated pods are available\.\.\.\n)*daemon set "agent" successfully rolled out\n$/,
        );

        const wide = parseTable(ok(await k('get', 'daemonsets', '-o', 'wide')));
        assert.deepEqual(
          Object.entries(wide[0] ?? {}).filter(([key]) => key !== 'AGE'),
          [
            ['NAME', 'agent'],
            ['DESIRED', '2'],
            ['CURRENT', '2'],
            ['READY', '2'],
            ['UP-TO-DATE', '2'],
            ['AVAILABLE', '2'],
            ['NODE SELECTOR', 'skiff.test/pool=daemons'],
            ['CONTAINERS', 'agent'],
            ['IMAGES', 'agent:1'],
            ['SELECTOR', 'app=agent'],
          ],
        );
        // Pods are pinned to their nodes as kube's controller pins them, and the scheduler
        // binds each where its matchFields say.
        const want = NODES.map((n) => `${n}=${n}`).join(',');
        await until(`pods bound as pinned (${want})`, async () => {
          const pinned = ok(
            await k(
              'get',
              'pods',
              '-o',
              'jsonpath={range .items[*]}{.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]}={.spec.nodeName}{"\\n"}{end}',
            ),
          );
          return pinned.trim().split('\n').sort().join(',') === want ? true : undefined;
        });
        assert.equal(ok(await k('get', 'ds/agent', '-o', 'name')).trim(), 'daemonset.apps/agent');
        const described = ok(await k('describe', 'ds', 'agent'));
        for (const line of [
          /^Selector:\s+app=agent$/m,
          /^Node-Selector:\s+skiff\.test\/pool=daemons$/m,
          /^Desired Number of Nodes Scheduled: 2$/m,
          /^Current Number of Nodes Scheduled: 2$/m,
          /^Number of Nodes Scheduled with Up-to-date Pods: 2$/m,
          /^Number of Nodes Scheduled with Available Pods: 2$/m,
          /^Number of Nodes Misscheduled: 0$/m,
          /^Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m,
          /Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: agent-[a-z0-9]{5}/,
        ])
          assert.match(described, line);
        assert.match(
          ok(await k('explain', 'daemonset.spec.updateStrategy.rollingUpdate')),
          /maxSurge\s+<IntOrString>/,
        );
        assert.match(ok(await k('get', 'all')), /daemonset\.apps\/agent\s+2\s+2\s+2\s+2\s+2/);
      });

      test('a changed template rolls out', async () => {
        await until('namespace and daemonset', async () =>
          (await k('get', 'ds', 'agent')).code === 0 ? true : undefined,
        );
        await until('first rollout done', async () =>
          ok(await k('rollout', 'status', 'ds/agent', '--watch=false')).includes('successfully')
            ? true
            : undefined,
        );
        assert.equal(ok(await apply('agent:2'), 'apply').trim(), 'daemonset.apps/agent configured');
        const rolled = await whileActingAsNodeAgent(
          ns,
          'agent',
          k('rollout', 'status', 'ds/agent', '--timeout=60s'),
        );
        assert.match(ok(rolled), /daemon set "agent" successfully rolled out\n$/);
        const images = ok(
          await k('get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}'),
        );
        assert.deepEqual(images.trim().split(' '), ['agent:2', 'agent:2']);
        assert.match(
          ok(await k('get', 'ds', 'agent', '-o', 'jsonpath={.metadata.annotations}')),
          /"deprecated.daemonset.template.generation":"2"/,
        );

        // History as kubectl reads it from the ControllerRevisions.
        assert.equal(
          ok(await k('rollout', 'history', 'ds/agent')),
          'daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n',
        );
        const revs = parseTable(ok(await k('get', 'controllerrevisions')));
        assert.deepEqual(revs.map((r) => [r['CONTROLLER'], r['REVISION']]).sort(), [
          ['daemonset.apps/agent', '1'],
          ['daemonset.apps/agent', '2'],
        ]);
        for (const r of revs) assert.match(r['NAME'] ?? '', /^agent-[a-z0-9]+$/);
        assert.match(
          ok(await k('rollout', 'history', 'ds/agent', '--revision=1')),
          /Image:\s+agent:1/,
        );
        assert.equal(
          ok(await k('rollout', 'undo', 'ds/agent')).trim(),
          'daemonset.apps/agent rolled back',
        );
        const undone = await whileActingAsNodeAgent(
          ns,
          'agent',
          k('rollout', 'status', 'ds/agent', '--timeout=60s'),
        );
        assert.match(ok(undone), /daemon set "agent" successfully rolled out\n$/);
        assert.deepEqual(
          ok(await k('get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}'))
            .trim()
            .split(' '),
          ['agent:1', 'agent:1'],
        );
        assert.match(ok(await k('rollout', 'history', 'ds/agent')), /^2 +<none>\n3 +<none>\n/m);
      });
    });
  }
});

describe('kubectl cluster-info dump', { skip: !hasKubectl(TOOL) }, () => {
  test('completes, with the daemonsets of kube-system and default', async () => {
    ok(
      await c.kubectl(TOOL, ['apply', '-f', '-'], {
        input: daemonSetYaml('kube-system', 'quiet', 'agent:1', 'nowhere'),
      }),
    );
    for (const v of VERSIONS) {
      if (!hasKubectl(v)) continue;
      const out = ok(await c.kubectl(v, ['cluster-info', 'dump']), `1.${v} cluster-info dump`);
      assert.match(out, /"kind": "NodeList"/);
      assert.match(out, /"kind": "DaemonSetList"/);
      assert.match(out, /"name": "quiet"/);
      assert.match(out, /"kind": "PodList"/);
    }
  });

  test('--output-directory --all-namespaces writes a file per kind and namespace', async () => {
    const v = TOOL;
    ok(await c.kubectl(v, ['create', 'namespace', 'dumped']));
    ok(
      await c.kubectl(v, ['apply', '-f', '-'], {
        input: daemonSetYaml('dumped', 'nowhere', 'agent:1', 'nowhere'),
      }),
    );
    const dir = join(dumpDir, 'all');
    const out = ok(
      await c.kubectl(v, ['cluster-info', 'dump', '--output-directory', dir, '--all-namespaces']),
    );
    assert.equal(out.trim(), `Cluster info dumped to ${dir}`);
    const nodes = JSON.parse(readFileSync(join(dir, 'nodes.json'), 'utf8')) as {
      items: { metadata: { name: string } }[];
    };
    for (const n of NODES)
      assert.ok(
        nodes.items.some((i) => i.metadata.name === n),
        n,
      );
    for (const ns of ['default', 'kube-system', 'dumped'])
      for (const f of [
        'events.json',
        'replication-controllers.json',
        'services.json',
        'daemonsets.json',
        'deployments.json',
        'replicasets.json',
        'pods.json',
      ])
        assert.ok(existsSync(join(dir, ns, f)), `${ns}/${f}`);
    const ds = JSON.parse(readFileSync(join(dir, 'dumped', 'daemonsets.json'), 'utf8')) as {
      kind: string;
      items: { metadata: { name: string } }[];
    };
    assert.equal(ds.kind, 'DaemonSetList');
    assert.deepEqual(
      ds.items.map((i) => i.metadata.name),
      ['nowhere'],
    );
  });
});
