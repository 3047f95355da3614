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

  it('holds a pod whose claim is missing or unbound, then places it where its volume is', async () => {
    const claims = { group: '', version: 'v1', plural: 'persistentvolumeclaims', namespaced: true };
    const volumes = { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false };
    const scheduledMessage = (name: string) =>
      eventually(async () => {
        const p = await env.client.get(resources.pods, 'default', name);
        const conds = (
          p['status'] as { conditions?: { type: string; status: string; message?: string }[] }
        ).conditions;
        return conds?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
      }, `${name} unschedulable`);
    const withClaim = (name: string, claim: string) =>
      pod(name, { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] });
    await env.client.create(resources.pods, 'default', withClaim('no-claim', 'absent'));
    assert.equal(
      await scheduledMessage('no-claim'),
      '0/2 nodes are available: persistentvolumeclaim "absent" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    // No binder runs here: the claim stays unbound until this test binds it by hand.
    await env.client.create(claims, 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: '',
      },
    });
    await env.client.create(resources.pods, 'default', withClaim('waits', 'data'));
    assert.equal(
      await scheduledMessage('waits'),
      '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    await env.client.create(volumes, '', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'on-n2' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '1Gi' },
        hostPath: { path: '/tmp/on-n2' },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] },
                ],
              },
            ],
          },
        },
      },
    });
    const c = await env.client.get(claims, 'default', 'data');
    await env.client.update(claims, {
      ...c,
      spec: { ...(c['spec'] as object), volumeName: 'on-n2' },
    });
    // n2 is tainted: with the volume there and no toleration, no node fits.
    assert.equal(
      await eventually(async () => {
        const m = await scheduledMessage('waits');
        return m.includes('volume node affinity') ? m : undefined;
      }, 'volume node affinity conflict'),
      '0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    await env.client.create(resources.pods, 'default', {
      ...withClaim('tolerant', 'data'),
      spec: {
        ...(withClaim('tolerant', 'data')['spec'] as object),
        tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      },
    });
    assert.equal(await nodeOf('tolerant'), 'n2');
  });

  it('selects the node for a claim of a WaitForFirstConsumer class before binding its pod', async () => {
    const claims = { group: '', version: 'v1', plural: 'persistentvolumeclaims', namespaced: true };
    const volumes = { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false };
    const classes = {
      group: 'storage.k8s.io',
      version: 'v1',
      plural: 'storageclasses',
      namespaced: false,
    };
    await env.client.create(classes, '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'first-consumer' },
      provisioner: 'example.com/later',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    await env.client.create(claims, 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'deferred' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: 'first-consumer',
      },
    });
    await env.client.create(
      resources.pods,
      'default',
      pod('consumer', {
        nodeSelector: { disk: 'ssd' },
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'deferred' } }],
      }),
    );
    const selected = await eventually(
      async () =>
        (await env.client.get(claims, 'default', 'deferred')).metadata.annotations?.[
          'volume.kubernetes.io/selected-node'
        ],
      'selected node on the claim',
    );
    assert.equal(selected, 'n1');
    const unbound = await env.client.get(resources.pods, 'default', 'consumer');
    assert.equal((unbound['spec'] as { nodeName?: string }).nodeName, undefined);
    // What the provisioner would do: a volume on that node, bound to the claim.
    await env.client.create(volumes, '', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'made-on-n1' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        capacity: { storage: '1Gi' },
        hostPath: { path: '/tmp/made-on-n1' },
        storageClassName: 'first-consumer',
      },
    });
    const c = await env.client.get(claims, 'default', 'deferred');
    await env.client.update(claims, {
      ...c,
      spec: { ...(c['spec'] as object), volumeName: 'made-on-n1' },
    });
    assert.equal(await nodeOf('consumer'), 'n1');
  });

  it('words the no-node case as kube-scheduler does', () => {
    assert.equal(unschedulableMessage(0, new Map()), 'no nodes available to schedule pods');
  });

  it('takes the waiting pod of higher priority first', async () => {
    const classes = {
      group: 'scheduling.k8s.io',
      version: 'v1',
      plural: 'priorityclasses',
      namespaced: false,
    };
    await env.client.create(classes, '', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
    });
    // Both wait for a node of their pool; the low one is older and first by name.
    const waiting = (name: string, extra: Record<string, unknown> = {}): KubeObject =>
      pod(name, {
        nodeSelector: { pool: 'small' },
        tolerations: [{ key: 'pool', operator: 'Exists' }],
        ...extra,
      });
    const message = (name: string, includes: string) =>
      eventually(async () => {
        const p = await env.client.get(resources.pods, 'default', name);
        const conds = (
          p['status'] as { conditions?: { type: string; status: string; message?: string }[] }
        ).conditions;
        const m = conds?.find((c) => c.type === 'PodScheduled' && c.status === 'False')?.message;
        return m?.includes(includes) ? m : undefined;
      }, `${name} unschedulable: ${includes}`);
    await env.client.create(resources.pods, 'default', waiting('a-low'));
    await env.client.create(
      resources.pods,
      'default',
      waiting('b-high', { priorityClassName: 'high' }),
    );
    await message('a-low', 'node affinity/selector');
    await message('b-high', 'node affinity/selector');
    // A node with room for one pod: the one of higher priority gets it.
    const small = node(
      'small',
      { pool: 'small' },
      {
        taints: [{ key: 'pool', value: 'small', effect: 'NoSchedule' }],
      },
    );
    (small['status'] as { allocatable: Record<string, string> }).allocatable['pods'] = '1';
    await env.client.create(resources.nodes, '', small);
    assert.equal(await nodeOf('b-high'), 'small');
    await message('a-low', 'Too many pods');
    const low = await env.client.get(resources.pods, 'default', 'a-low');
    assert.equal((low['spec'] as { nodeName?: string }).nodeName, undefined);
  });
});
