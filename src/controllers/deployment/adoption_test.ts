import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import {
  deploymentObject,
  eventually,
  fakeReplicaSets,
  getDeployment,
  NS,
  replicaSetsOf,
  rolloutStatus,
  startHarness,
} from '../../../test/support/controllers-deployment.js';
import type { Deployment, ReplicaSet } from './types.js';

void describe('adoption and release', () => {
  void it('adopts a matching orphan, and releases a ReplicaSet whose labels stop matching', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const body = deploymentObject('ad');
      const labels = { app: 'ad', 'pod-template-hash': 'handmade' };
      await h.client.create(resources.replicaSets, NS, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'ad-handmade', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { ...body.spec?.template, metadata: { labels } },
        },
      });
      const created = await h.client.create<Deployment>(resources.deployments, NS, body);

      // Same template (but for the hash label): it becomes the Deployment's new ReplicaSet.
      await eventually(async () => rolloutStatus(await getDeployment(h, 'ad')).done, 'rollout');
      const [rs] = (await replicaSetsOf(h, created)) as [ReplicaSet];
      assert.equal(rs.metadata.name, 'ad-handmade');
      assert.deepEqual(
        rs.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
        [['Deployment', 'ad', true]],
      );
      assert.equal(rs.spec?.replicas, 3);
      assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

      // Relabelled out of the selector: released, and a ReplicaSet of its own is made.
      await h.client.patch(resources.replicaSets, NS, 'ad-handmade', 'merge', {
        metadata: { labels: { app: 'elsewhere', 'pod-template-hash': 'handmade' } },
      });
      const released = await eventually(async () => {
        const r = await h.client.get<ReplicaSet>(resources.replicaSets, NS, 'ad-handmade');
        return !r.metadata.ownerReferences?.length && r;
      }, 'the release');
      assert.equal(released.metadata.labels?.['app'], 'elsewhere');
      const mine = await eventually(async () => {
        const l = await replicaSetsOf(h, created);
        return l.length === 1 && l[0]?.metadata.name !== 'ad-handmade' && l;
      }, 'a new ReplicaSet');
      assert.match(mine[0]?.metadata.name ?? '', /^ad-[bcdfghjklmnpqrstvwxz2456789]+$/);
    } finally {
      await h.stop();
    }
  });

  void it('leaves ReplicaSets controlled by something else alone', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const labels = { app: 'own' };
      await h.client.create(resources.replicaSets, NS, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: 'owned-elsewhere',
          labels,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'x',
              uid: 'not-a-deployment',
              controller: true,
            },
          ],
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
          },
        },
      });
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('own'),
      );
      await eventually(async () => rolloutStatus(await getDeployment(h, 'own')).done, 'rollout');
      const mine = await replicaSetsOf(h, created);
      assert.equal(mine.length, 1);
      assert.notEqual(mine[0]?.metadata.name, 'owned-elsewhere');
      const other = await h.client.get<ReplicaSet>(resources.replicaSets, NS, 'owned-elsewhere');
      assert.equal(other.metadata.ownerReferences?.[0]?.uid, 'not-a-deployment');
      assert.equal(other.spec?.replicas, 1);
    } finally {
      await h.stop();
    }
  });
});
