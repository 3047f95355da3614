// End-to-end: HorizontalPodAutoscalers on a real node (pods under runc, usage from their
// cgroups through metrics.k8s.io) as kubectl 1.27, 1.30 and 1.33 drive them: `kubectl
// autoscale` (autoscaling/v1 from 1.27 and 1.30, v2 from 1.33), `get hpa` and its TARGETS,
// `describe hpa`, a busy deployment scaling up and an idle one held at minReplicas. The
// cluster reconciles every 2 s (`--horizontal-pod-autoscaler-sync-period`).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  AGE,
  VERSIONS,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  until,
  type TestCluster,
} from './harness.js';

const MINORS = VERSIONS.filter(hasKubectl);
const TOOL = MINORS[MINORS.length - 1] ?? 33;
const skip = MINORS.length === 0 ? 'no kubectl is installed' : (nodeSkipReason() ?? false);

const deployment = (name: string, command: string, requests: string, limits = ''): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    '      terminationGracePeriodSeconds: 0',
    '      containers:',
    '      - name: main',
    `        image: ${IMAGES.busybox}`,
    `        command: ["sh", "-c", ${JSON.stringify(command)}]`,
    '        resources:',
    '          requests:',
    `            cpu: ${requests}`,
    ...(limits ? ['          limits:', `            cpu: ${limits}`] : []),
  ].join('\n');

describe('horizontal pod autoscaling on a real node', { skip }, () => {
  let c: TestCluster;
  const kubectl = (minor: number, args: string[], input?: string) =>
    c.kubectl(minor, args, { timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
  const events = async (name: string): Promise<string> =>
    ok(
      await kubectl(TOOL, [
        'get',
        'events',
        '--field-selector',
        `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${name}`,
        '-o',
        'jsonpath={range .items[*]}{.type} {.reason} {.source.component}: {.message}{"\\n"}{end}',
      ]),
    );
  const replicas = async (name: string): Promise<string> =>
    ok(await kubectl(TOOL, ['get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}']));

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({
      images: [images.archives[IMAGES.busybox]!],
      upArgs: ['--horizontal-pod-autoscaler-sync-period', '2s'],
    });
  });
  after(() => c?.stop());

  test('kubectl autoscale sends v1 from 1.27 and 1.30, v2 from 1.33; an unknown target is reported', async () => {
    for (const minor of MINORS) {
      const name = `auto-${minor}`;
      ok(
        await kubectl(TOOL, [
          'create',
          'deployment',
          name,
          `--image=${IMAGES.busybox}`,
          '--replicas=0',
        ]),
      );
      const out = await kubectl(minor, [
        'autoscale',
        'deployment',
        name,
        '--cpu-percent=50',
        '--min=1',
        '--max=5',
        '-v=6',
      ]);
      ok(out);
      const version = minor >= 33 ? 'v2' : 'v1';
      assert.match(
        out.stderr,
        new RegExp(
          // 1.27 logs `POST https://…`, 1.33 `verb="POST" url="https://…"`.
          `POST.*https://[^ ]+/apis/autoscaling/${version}/namespaces/default/horizontalpodautoscalers\\?`,
        ),
        out.stderr,
      );
      assert.equal(out.stdout, `horizontalpodautoscaler.autoscaling/${name} autoscaled\n`);
      // Either way it is stored as v2, and reads back in both versions.
      assert.equal(
        ok(
          await kubectl(TOOL, [
            'get',
            'hpa',
            name,
            '-o',
            'jsonpath={.apiVersion} {.spec.metrics[0].resource.target.averageUtilization}',
          ]),
        ),
        'autoscaling/v2 50',
      );
      assert.equal(
        ok(
          await kubectl(TOOL, [
            'get',
            'horizontalpodautoscalers.v1.autoscaling',
            name,
            '-o',
            'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}',
          ]),
        ),
        'autoscaling/v1 50',
      );
    }
    // A target that does not exist: no metric ever, and the controller says why.
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        [
          'apiVersion: autoscaling/v2',
          'kind: HorizontalPodAutoscaler',
          'metadata:',
          '  name: ghost',
          'spec:',
          '  scaleTargetRef:',
          '    apiVersion: apps/v1',
          '    kind: Deployment',
          '    name: ghost',
          '  maxReplicas: 4',
        ].join('\n'),
      ),
    );
    await until(
      'FailedGetScale',
      async () => (await events('ghost')).includes('FailedGetScale') || undefined,
    );
    assert.match(
      await events('ghost'),
      /^Warning FailedGetScale horizontal-pod-autoscaler: deployments\.apps "ghost" not found$/m,
    );
    for (const minor of MINORS) {
      const table = ok(await kubectl(minor, ['get', 'hpa', 'ghost']));
      assert.match(
        table,
        new RegExp(
          `^NAME    REFERENCE          TARGETS              MINPODS   MAXPODS   REPLICAS   AGE\\nghost   Deployment/ghost   cpu: <unknown>/80%   1         4         0          ${AGE}\\n$`,
        ),
        `kubectl 1.${minor}`,
      );
      assert.equal(
        ok(await kubectl(minor, ['get', 'hpa', 'ghost', '-o', 'wide'])).split('\n')[0],
        table.split('\n')[0],
      );
    }
    const described = ok(await kubectl(TOOL, ['describe', 'hpa', 'ghost']));
    assert.match(described, /^Reference:\s+Deployment\/ghost$/m);
    assert.match(
      described,
      /^  resource cpu on pods  \(as a percentage of request\):  <unknown> \/ 80%$/m,
    );
    assert.match(
      described,
      /^  AbleToScale +False +FailedGetScale +the HPA controller was unable to get the target's current scale: deployments\.apps "ghost" not found$/m,
    );
    for (const minor of MINORS) ok(await kubectl(TOOL, ['delete', 'hpa', `auto-${minor}`]));
  });

  test('an idle deployment is held at minReplicas and its utilization shows in TARGETS', async () => {
    ok(await kubectl(TOOL, ['apply', '-f', '-'], deployment('idle', 'sleep 3600', '100m')));
    ok(
      await kubectl(MINORS[0] ?? TOOL, [
        'autoscale',
        'deployment',
        'idle',
        '--cpu-percent=80',
        '--min=2',
        '--max=4',
      ]),
    );
    await until('two replicas', async () => ((await replicas('idle')) === '2' ? true : undefined));
    assert.match(
      await events('idle'),
      /^Normal SuccessfulRescale horizontal-pod-autoscaler: New size: 2; reason: Current number of replicas below Spec\.MinReplicas$/m,
    );
    // Both pods running and measured: 0 % of their requests.
    const rows = await until(
      'utilization in TARGETS',
      async () => {
        const r = parseTable(ok(await kubectl(TOOL, ['get', 'hpa', 'idle'])));
        return r[0]?.['TARGETS'] === 'cpu: 0%/80%' && r[0]['REPLICAS'] === '2' ? r : undefined;
      },
      180_000,
    );
    assert.deepEqual(
      { ...rows[0], AGE: '' },
      {
        NAME: 'idle',
        REFERENCE: 'Deployment/idle',
        TARGETS: 'cpu: 0%/80%',
        MINPODS: '2',
        MAXPODS: '4',
        REPLICAS: '2',
        AGE: '',
      },
    );
    for (const minor of MINORS)
      assert.match(
        ok(await kubectl(minor, ['get', 'hpa', 'idle'])),
        new RegExp(
          `^NAME   REFERENCE         TARGETS       MINPODS   MAXPODS   REPLICAS   AGE\\nidle   Deployment/idle   cpu: 0%/80%   2         4         2          ${AGE}\\n$`,
        ),
        `kubectl 1.${minor}`,
      );
    const described = ok(await kubectl(TOOL, ['describe', 'hpa', 'idle']));
    assert.match(
      described,
      /^  resource cpu on pods  \(as a percentage of request\):  0% \(0\) \/ 80%$/m,
    );
    assert.match(described, /^Deployment pods:\s+2 current \/ 2 desired$/m);
    assert.match(
      described,
      /^  ScalingLimited +True +TooFewReplicas +the desired replica count is less than the minimum replica count$/m,
    );
    assert.match(
      described,
      /^  Normal +SuccessfulRescale +.+ +horizontal-pod-autoscaler +New size: 2; reason: Current number of replicas below Spec\.MinReplicas$/m,
    );
    ok(await kubectl(TOOL, ['delete', 'hpa', 'idle']));
    ok(await kubectl(TOOL, ['delete', 'deployment', 'idle']));
  });

  test('a busy deployment scales up to maxReplicas', async () => {
    // Each pod spins within a 100m limit: about 500 % of its 20m request.
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        deployment('busy', 'while :; do :; done', '20m', '100m'),
      ),
    );
    ok(
      await kubectl(TOOL, [
        'autoscale',
        'deployment',
        'busy',
        '--cpu-percent=50',
        '--min=1',
        '--max=3',
      ]),
    );
    await until(
      'three replicas',
      async () => ((await replicas('busy')) === '3' ? true : undefined),
      180_000,
    );
    assert.match(
      await events('busy'),
      /^Normal SuccessfulRescale horizontal-pod-autoscaler: New size: 3; reason: cpu resource utilization \(percentage of request\) above target$/m,
    );
    const row = await until('the new size in REPLICAS', async () => {
      const r = parseTable(ok(await kubectl(TOOL, ['get', 'hpa', 'busy'])))[0];
      return r?.['REPLICAS'] === '3' ? r : undefined;
    });
    assert.match(row['TARGETS'] ?? '', /^cpu: \d+%\/50%$/);
    assert.ok(Number(/(\d+)%\//.exec(row['TARGETS'] ?? '')?.[1]) > 50, row['TARGETS']);
    assert.deepEqual(
      [row['REFERENCE'], row['MINPODS'], row['MAXPODS']],
      ['Deployment/busy', '1', '3'],
    );
    const described = ok(await kubectl(TOOL, ['describe', 'hpa', 'busy']));
    assert.match(
      described,
      /^  ScalingLimited +True +TooManyReplicas +the desired replica count is more than the maximum replica count$/m,
    );
    ok(await kubectl(TOOL, ['delete', 'hpa', 'busy']));
    ok(await kubectl(TOOL, ['delete', 'deployment', 'busy']));
  });
});
