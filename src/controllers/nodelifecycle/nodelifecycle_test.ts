import { it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import { startControllers, eventually } from '../../../test/support/controllers.js';
import { createNodeLifecycleController, nodeLifecycleController } from './index.js';

it('marks a node whose lease is not renewed Unknown, taints it and its pods not ready', async () => {
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  const env = await startControllers([nodeLifecycleController], clock);
  try {
    const now = new Date().toISOString();
    await env.client.create(resources.nodes, '', { metadata: { name: 'n1' } });
    await env.client.patch(
      resources.nodes,
      '',
      'n1',
      'strategic',
      {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
      { subresource: 'status' },
    );
    await env.client.create(resources.leases, 'kube-node-lease', {
      metadata: { name: 'n1' },
      spec: {
        holderIdentity: 'n1',
        leaseDurationSeconds: 40,
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    });
    await env.client.create(resources.pods, 'default', {
      metadata: { name: 'p' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
    });
    await env.client.patch(
      resources.pods,
      'default',
      'p',
      'strategic',
      { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
      { subresource: 'status' },
    );
    // Healthy: no taints.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      (
        (await env.client.get(resources.nodes, '', 'n1'))['spec'] as
          { taints?: unknown[] } | undefined
      )?.taints,
      undefined,
    );
    // A minute of silence.
    offset = 60_000;
    await env.client.patch(resources.nodes, '', 'n1', 'merge', {
      metadata: { labels: { poke: '1' } },
    });
    const node = await eventually(async () => {
      const n = await env.client.get(resources.nodes, '', 'n1');
      const taints = (n['spec'] as { taints?: { key: string; effect: string }[] }).taints ?? [];
      return taints.length === 2 ? n : undefined;
    }, 'unreachable taints');
    const ready = (
      node['status'] as { conditions: { type: string; status: string; reason?: string }[] }
    ).conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(ready?.reason, 'NodeStatusUnknown');
    assert.deepEqual(
      (node['spec'] as { taints: { key: string; effect: string }[] }).taints
        .map((t) => `${t.key}:${t.effect}`)
        .sort(),
      ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule'],
    );
    await eventually(async () => {
      const p = await env.client.get(resources.pods, 'default', 'p');
      return (
        (p['status'] as { conditions: { type: string; status: string }[] }).conditions.find(
          (c) => c.type === 'Ready',
        )?.status === 'False' || undefined
      );
    }, 'pod marked not ready');
  } finally {
    await env.stop();
  }
});

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
}
const nodeConditions = (n: { [k: string]: unknown }): NodeCondition[] =>
  ((n['status'] as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []).slice();
const nodeTaints = (n: { [k: string]: unknown }): string[] =>
  ((n['spec'] as { taints?: { key: string; effect: string }[] } | undefined)?.taints ?? [])
    .map((t) => `${t.key}:${t.effect}`)
    .sort();

it('gives a node that never reports its startup grace period, then marks it NodeStatusNeverUpdated', async () => {
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  const env = await startControllers([nodeLifecycleController], clock);
  try {
    const mute = await env.client.create(resources.nodes, '', { metadata: { name: 'mute' } });
    // A node that reported Ready once and no lease: its shorter monitor grace period shows
    // when the controller has looked at both nodes.
    await env.client.create(resources.nodes, '', { metadata: { name: 'once' } });
    const t0 = new Date().toISOString();
    await env.client.patch(
      resources.nodes,
      '',
      'once',
      'strategic',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: t0 },
          ],
        },
      },
      { subresource: 'status' },
    );
    // 45 s: past the monitor grace period (40 s), within the startup grace period (60 s).
    offset = 45_000;
    for (const name of ['once', 'mute'])
      await env.client.patch(resources.nodes, '', name, 'merge', {
        metadata: { labels: { poke: '1' } },
      });
    await eventually(async () => {
      const n = await env.client.get(resources.nodes, '', 'once');
      return nodeTaints(n).length === 2;
    }, 'the node that reported once is unreachable');
    await eventually(async () => {
      const n = await env.client.get(resources.nodes, '', 'mute');
      return n.metadata.labels?.['poke'] === '1';
    }, 'poke seen');
    // The queue has one worker: re-queue the silent node behind a fresh poke of `once` and
    // wait for that to be handled, so `mute` was looked at in the meantime.
    await env.client.patch(resources.nodes, '', 'mute', 'merge', {
      metadata: { labels: { poke: '2' } },
    });
    await env.client.patch(resources.nodes, '', 'once', 'merge', {
      spec: { taints: null },
    });
    await eventually(async () => {
      const n = await env.client.get(resources.nodes, '', 'once');
      return nodeTaints(n).length === 2;
    }, 'the unreachable taints put back');
    let n = await env.client.get(resources.nodes, '', 'mute');
    assert.deepEqual(nodeConditions(n), [], 'no conditions within the startup grace period');
    assert.deepEqual(nodeTaints(n), [], 'no taints within the startup grace period');

    // Past the startup grace period.
    offset = 61_000;
    await env.client.patch(resources.nodes, '', 'mute', 'merge', {
      metadata: { labels: { poke: '3' } },
    });
    n = await eventually(async () => {
      const got = await env.client.get(resources.nodes, '', 'mute');
      return nodeTaints(got).length === 2 ? got : undefined;
    }, 'the never-reporting node becomes unreachable');
    const conds = nodeConditions(n).sort((a, b) => a.type.localeCompare(b.type));
    assert.deepEqual(
      conds.map((c) => [c.type, c.status, c.reason, c.message, c.lastHeartbeatTime]),
      ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready'].map((type) => [
        type,
        'Unknown',
        'NodeStatusNeverUpdated',
        'Kubelet never posted node status.',
        mute.metadata.creationTimestamp,
      ]),
    );
    assert.deepEqual(nodeTaints(n), [
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    // The node that had reported Ready: its Ready is NodeStatusUnknown, the conditions it
    // never reported are NodeStatusNeverUpdated.
    const once = nodeConditions(await env.client.get(resources.nodes, '', 'once'));
    assert.deepEqual(once.map((c) => [c.type, c.status, c.reason]).sort(), [
      ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated'],
      ['MemoryPressure', 'Unknown', 'NodeStatusNeverUpdated'],
      ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated'],
      ['Ready', 'Unknown', 'NodeStatusUnknown'],
    ]);
  } finally {
    await env.stop();
  }
});

it('takes a shorter startup grace period when configured', async () => {
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  const env = await startControllers(
    [createNodeLifecycleController({ startupGraceSeconds: 5 })],
    clock,
  );
  try {
    await env.client.create(resources.nodes, '', { metadata: { name: 'quiet' } });
    offset = 6_000;
    await env.client.patch(resources.nodes, '', 'quiet', 'merge', {
      metadata: { labels: { poke: '1' } },
    });
    const n = await eventually(async () => {
      const got = await env.client.get(resources.nodes, '', 'quiet');
      return nodeConditions(got).length === 4 ? got : undefined;
    }, 'conditions Unknown after 5 s');
    const ready = nodeConditions(n).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(ready?.reason, 'NodeStatusNeverUpdated');
  } finally {
    await env.stop();
  }
});

it('taints a cordoned node unschedulable, and untaints it when uncordoned', async () => {
  const env = await startControllers([nodeLifecycleController]);
  try {
    const now = new Date().toISOString();
    await env.client.create(resources.nodes, '', { metadata: { name: 'c1' } });
    await env.client.patch(
      resources.nodes,
      '',
      'c1',
      'strategic',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now },
          ],
        },
      },
      { subresource: 'status' },
    );
    await env.client.patch(resources.nodes, '', 'c1', 'merge', {
      spec: { unschedulable: true, taints: [{ key: 'mine', effect: 'NoSchedule' }] },
    });
    const cordoned = await eventually(async () => {
      const n = await env.client.get(resources.nodes, '', 'c1');
      return nodeTaints(n).length === 2 ? n : undefined;
    }, 'the unschedulable taint');
    assert.deepEqual(nodeTaints(cordoned), [
      'mine:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    const added = (
      cordoned['spec'] as { taints: { key: string; timeAdded?: string }[] }
    ).taints.find((t) => t.key === 'node.kubernetes.io/unschedulable');
    assert.ok(added?.timeAdded);
    await env.client.patch(resources.nodes, '', 'c1', 'merge', { spec: { unschedulable: null } });
    await eventually(async () => {
      const n = await env.client.get(resources.nodes, '', 'c1');
      return nodeTaints(n).join() === 'mine:NoSchedule' || undefined;
    }, 'the unschedulable taint gone');
  } finally {
    await env.stop();
  }
});
