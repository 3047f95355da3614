import { it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import { startControllers, eventually } from '../testing.js';
import { nodeLifecycleController } from './index.js';

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
      ((await env.client.get(resources.nodes, '', 'n1'))['spec'] as { taints?: unknown[] }).taints,
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
