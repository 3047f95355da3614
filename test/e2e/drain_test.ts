// End-to-end with the node agent: PodDisruptionBudgets, the eviction subresource and the
// disruption controller, through the real kubectl's `get pdb`, `cordon`, `drain` and
// `uncordon` on a single-node cluster that runs a two-replica deployment.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

describe('kubectl drain with a PodDisruptionBudget', { skip }, () => {
  let c: TestCluster;
  let node: string;
  const kubectl = (args: string[], minor: number = KUBECTL) => c.kubectl(minor, args);

  const pdbRow = async (): Promise<Record<string, string> | undefined> =>
    parseTable(ok(await kubectl(['get', 'pdb', 'web'])))[0];
  const allowed = (n: number) =>
    until(`ALLOWED DISRUPTIONS ${n}`, async () =>
      (await pdbRow())?.['ALLOWED DISRUPTIONS'] === String(n) ? true : undefined,
    );
  const webPods = async (): Promise<Record<string, string>[]> =>
    parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'wide'])));
  const nodeStatus = async (): Promise<string> =>
    parseTable(ok(await kubectl(['get', 'nodes'])))[0]?.['STATUS'] ?? '';
  const taints = async (): Promise<string> =>
    ok(
      await kubectl([
        'get',
        'node',
        node,
        '-o',
        'jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}',
      ]),
    );
  const setMinAvailable = async (n: number): Promise<void> => {
    ok(
      await kubectl([
        'patch',
        'pdb',
        'web',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { minAvailable: n } }),
      ]),
    );
    await allowed(Math.max(0, 2 - n));
  };

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
    node = c.nodeName ?? '';
    ok(
      await kubectl([
        'create',
        'deployment',
        'web',
        `--image=${IMAGES.busybox}`,
        '--replicas=2',
        '--',
        'sleep',
        '3600',
      ]),
    );
    await until('two web pods Running', async () => {
      const pods = await webPods();
      return pods.length === 2 &&
        pods.every((p) => p['STATUS'] === 'Running' && p['READY'] === '1/1')
        ? true
        : undefined;
    });
  });

  after(() => c?.stop());

  test('get pdb: the budget the disruption controller computed', async () => {
    assert.equal(
      ok(await kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=1'])),
      'poddisruptionbudget.policy/web created\n',
    );
    await allowed(1);
    const out = ok(await kubectl(['get', 'pdb']));
    assert.match(
      out,
      /^NAME +MIN AVAILABLE +MAX UNAVAILABLE +ALLOWED DISRUPTIONS +AGE\nweb +1 +N\/A +1 +\d+s\n$/,
    );
    const described = ok(await kubectl(['describe', 'pdb', 'web']));
    assert.match(described, /^Min available: +1\nSelector: +app=web\nStatus:\n/m);
    assert.match(
      described,
      /^ +Allowed disruptions: +1\n +Current: +2\n +Desired: +1\n +Total: +2\n/m,
    );
    const status = JSON.parse(
      ok(await kubectl(['get', 'pdb', 'web', '-o', 'jsonpath={.status}'])),
    ) as Record<string, unknown>;
    assert.equal(status['currentHealthy'], 2);
    assert.equal(status['desiredHealthy'], 1);
    assert.equal(status['expectedPods'], 2);
    assert.equal(status['observedGeneration'], 1);
    const cond = (status['conditions'] as Record<string, unknown>[])[0];
    assert.deepEqual(
      [cond?.['type'], cond?.['status'], cond?.['reason']],
      ['DisruptionAllowed', 'True', 'SufficientPods'],
    );
  });

  test('cordon and uncordon: SchedulingDisabled in get nodes, the unschedulable taint', async () => {
    assert.equal(ok(await kubectl(['cordon', node])), `node/${node} cordoned\n`);
    assert.equal(await nodeStatus(), 'Ready,SchedulingDisabled');
    await until('the unschedulable taint', async () =>
      (await taints()).includes('node.kubernetes.io/unschedulable:NoSchedule') ? true : undefined,
    );
    assert.equal(ok(await kubectl(['uncordon', node])), `node/${node} uncordoned\n`);
    assert.equal(await nodeStatus(), 'Ready');
    await until('no unschedulable taint', async () =>
      (await taints()).includes('node.kubernetes.io/unschedulable') ? undefined : true,
    );
  });

  test('drain: refused by the budget with kube 429s, then evicts once the budget allows', async () => {
    await setMinAvailable(2);
    const refused = await kubectl([
      'drain',
      node,
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--grace-period=1',
      '--timeout=12s',
    ]);
    assert.notEqual(refused.code, 0);
    const out = refused.stdout + refused.stderr;
    assert.match(out, new RegExp(`node/${node} cordoned`));
    assert.match(
      out,
      /error when evicting pods\/"web-[a-z0-9]+-[a-z0-9]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    assert.ok(out.includes(VIOLATION));
    assert.equal(await nodeStatus(), 'Ready,SchedulingDisabled');
    // Nothing was evicted: both pods still run.
    assert.equal((await webPods()).filter((p) => p['STATUS'] === 'Running').length, 2);

    // The raw 429 as the eviction subresource words it.
    const pod = (await webPods())[0]?.['NAME'] ?? '';
    const raw = await kubectl([
      'create',
      '--raw',
      `/api/v1/namespaces/default/pods/${pod}/eviction`,
      '-f',
      c.file(
        'eviction.json',
        JSON.stringify({
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: pod, namespace: 'default' },
        }),
      ),
    ]);
    assert.notEqual(raw.code, 0);
    assert.match(raw.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);

    await setMinAvailable(0);
    const drained = await kubectl([
      'drain',
      node,
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--grace-period=1',
      '--timeout=90s',
    ]);
    const text = ok(drained);
    assert.match(text, /evicting pod default\/web-/);
    assert.equal(text.match(/pod\/web-[a-z0-9-]+ evicted/g)?.length, 2, text);
    assert.match(text, new RegExp(`node/${node} drained`));
    // The deployment's new pods wait: the only node is cordoned.
    await until('two Pending replacements', async () => {
      const pods = await webPods();
      return pods.length === 2 && pods.every((p) => p['STATUS'] === 'Pending') ? true : undefined;
    });

    assert.equal(ok(await kubectl(['uncordon', node])), `node/${node} uncordoned\n`);
    await until('the replacements Running', async () => {
      const pods = await webPods();
      return pods.length === 2 && pods.every((p) => p['STATUS'] === 'Running') ? true : undefined;
    });
    assert.equal(await nodeStatus(), 'Ready');
  });

  test('kubectl 1.27 drain hears the same refusal', { skip: !hasKubectl(27) }, async () => {
    await setMinAvailable(2);
    const refused = await kubectl(
      ['drain', node, '--ignore-daemonsets', '--grace-period=1', '--timeout=7s'],
      27,
    );
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stdout + refused.stderr,
      /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./,
    );
    ok(await kubectl(['uncordon', node]));
  });
});
