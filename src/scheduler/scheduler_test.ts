import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { resources } from '../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../test/support/controllers.js';
import { scheduler, unschedulableMessage } from './index.js';

const node = (
  name: string,
  labels: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: extra,
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
});

const pod = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

describe('scheduler', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([scheduler]);
    await env.client.create(resources.nodes, '', node('n1', { disk: 'ssd' }));
    await env.client.create(
      resources.nodes,
      '',
      node('n2', {}, { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
    );
  });
  after(async () => env.stop());

  const nodeOf = (name: string) =>
    eventually(
      async () =>
        ((await env.client.get(resources.pods, 'default', name))['spec'] as { nodeName?: string })
          .nodeName,
      `${name} bound`,
    );

  it('binds a pod to a node that fits and records Scheduled', async () => {
    await env.client.create(
      resources.pods,
      'default',
      pod('p1', { nodeSelector: { disk: 'ssd' } }),
    );
    assert.equal(await nodeOf('p1'), 'n1');
    const p = await env.client.get(resources.pods, 'default', 'p1');
    const cond = (
      (p['status'] as { conditions?: { type: string; status: string }[] }).conditions ?? []
    ).find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
    const events = await eventually(async () => {
      const l = await env.client.list(resources.events, 'default', {
        fieldSelector: 'involvedObject.name=p1',
      });
      return l.items.length ? l.items : undefined;
    }, 'Scheduled event');
    assert.equal(events[0]?.['message'], 'Successfully assigned default/p1 to n1');
  });

  it('honours tolerations of tainted nodes', async () => {
    await env.client.create(
      resources.pods,
      'default',
      pod('p2', {
        nodeSelector: { 'kubernetes.io/hostname': 'n2' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
      }),
    );
    assert.equal(await nodeOf('p2'), 'n2');
  });

  it('marks a pod that fits nowhere unschedulable, saying why', async () => {
    await env.client.create(
      resources.pods,
      'default',
      pod('big', {
        containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '64' } } }],
      }),
    );
    const cond = await eventually(async () => {
      const p = await env.client.get(resources.pods, 'default', 'big');
      return (
        (
          p['status'] as {
            conditions?: { type: string; status: string; reason?: string; message?: string }[];
          }
        ).conditions ?? []
      ).find((c) => c.type === 'PodScheduled' && c.status === 'False');
    }, 'PodScheduled=False');
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(
      cond.message,
      '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
  });

  it('words the no-node case as kube-scheduler does', () => {
    assert.equal(unschedulableMessage(0, new Map()), 'no nodes available to schedule pods');
  });
});
