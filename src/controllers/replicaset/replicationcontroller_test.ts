import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { replicaSetController, replicationControllerController } from './index.js';
import {
  createNamespace,
  eventsFor,
  markReady,
  podsOf,
} from '../../../test/support/controllers-replicaset.js';
import type { Pod, ReplicaOwner } from './types.js';

const RC = resources.replicationControllers;
const PODS = resources.pods;

describe('replicationcontroller controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    // Both run, as in the cluster: each must leave the other kind's pods alone.
    env = await startControllers([replicationControllerController, replicaSetController]);
  });
  after(async () => env.stop());

  const waitPods = (ns: string, name: string, n: number): Promise<Pod[]> =>
    eventually(async () => {
      const pods = await podsOf(env.client, ns, name);
      return pods.length === n ? pods : false;
    }, `${n} pods of ${name}`);

  it('defaults the selector from the template and keeps the replica count', async () => {
    const ns = await createNamespace(env.client, 'rc-basic');
    const rc = await env.client.create<ReplicaOwner>(RC, ns, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy' },
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: 'legacy' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    });
    assert.deepEqual(rc.spec?.selector, { app: 'legacy' });
    const pods = await waitPods(ns, 'legacy', 2);
    for (const p of pods) {
      assert.match(p.metadata.name ?? '', /^legacy-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata.ownerReferences, [
        {
          apiVersion: 'v1',
          kind: 'ReplicationController',
          name: 'legacy',
          uid: rc.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const ev = await eventually(async () => {
      const all = await eventsFor(env.client, ns, 'legacy');
      const created = all.filter((e) => e.reason === 'SuccessfulCreate');
      return created.length === 2 ? created : false;
    }, 'SuccessfulCreate events');
    for (const e of ev) {
      assert.equal(e.component, 'replication-controller');
      assert.equal(e.kind, 'ReplicationController');
    }

    for (const p of pods) await markReady(env.client, p, new Date(Date.now() - 10_000));
    await eventually(async () => {
      const cur = await env.client.get<ReplicaOwner>(RC, ns, 'legacy');
      const s = cur.status ?? {};
      return s.replicas === 2 && s.readyReplicas === 2 && s.availableReplicas === 2;
    }, 'RC status counts');

    await env.client.patch(RC, ns, 'legacy', 'merge', { spec: { replicas: 1 } });
    await waitPods(ns, 'legacy', 1);
    await eventually(async () => {
      const s = (await env.client.get<ReplicaOwner>(RC, ns, 'legacy')).status ?? {};
      return s.replicas === 1 && s.observedGeneration === 2;
    }, 'status after scale down');
  });

  it('adopts orphans matching its map selector', async () => {
    const ns = await createNamespace(env.client, 'rc-adopt');
    await env.client.create(PODS, ns, {
      metadata: { name: 'loose', labels: { app: 'm', extra: 'x' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await env.client.create(RC, ns, {
      metadata: { name: 'm' },
      spec: {
        replicas: 1,
        selector: { app: 'm' },
        template: {
          metadata: { labels: { app: 'm' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    });
    const [p] = await waitPods(ns, 'm', 1);
    assert.equal(p?.metadata.name, 'loose');
    const created = (await eventsFor(env.client, ns, 'm')).filter(
      (e) => e.reason === 'SuccessfulCreate',
    );
    assert.equal(created.length, 0);
  });
});
