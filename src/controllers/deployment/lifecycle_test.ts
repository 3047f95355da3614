import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import {
  deploymentObject,
  eventsFor,
  eventually,
  fakeReplicaSets,
  getDeployment,
  NS,
  replicaSetsOf,
  rolloutStatus,
  setImage,
  startHarness,
  type Harness,
} from '../../../test/support/controllers-deployment.js';
import type { Deployment, ReplicaSet } from './types.js';

const REV = 'deployment.kubernetes.io/revision';

async function rolledOut(h: Harness, name: string, revision: string): Promise<Deployment> {
  return eventually(async () => {
    const d = await getDeployment(h, name);
    return (
      d.metadata.annotations?.[REV] === revision &&
      d.status?.observedGeneration === d.metadata.generation &&
      rolloutStatus(d).done &&
      d
    );
  }, `${name} at revision ${revision}`);
}

const scalingMessages = async (h: Harness, name: string): Promise<string[]> =>
  (await eventsFor(h, name)).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);

void describe('Recreate', () => {
  void it('scales the old ReplicaSet to zero and waits for its pods to be gone', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('rc', { replicas: 2, strategy: { type: 'Recreate' } }),
      );
      await rolledOut(h, 'rc', '1');
      const [rs1] = await replicaSetsOf(h, created);
      assert.ok(rs1);
      // The old ReplicaSet's pods, as its controller would have made them.
      const podNames = ['rc-old-a', 'rc-old-b'];
      for (const name of podNames) {
        await h.client.create(resources.pods, NS, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name,
            labels: { ...(rs1.spec?.template?.metadata?.labels ?? {}) },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: rs1.metadata.name ?? '',
                uid: rs1.metadata.uid ?? '',
                controller: true,
              },
            ],
          },
          spec: { containers: [{ name: 'app', image: 'nginx:1' }] },
        });
        const pod = await h.client.get(resources.pods, NS, name);
        await h.client.update(resources.pods, { ...pod, status: { phase: 'Running' } }, 'status');
      }

      await setImage(h, 'rc', 'nginx:2');
      // The old ReplicaSet is scaled down and reports no pods, but its pods still run.
      await eventually(async () => {
        const d = await getDeployment(h, 'rc');
        return (
          d.status?.observedGeneration === d.metadata.generation &&
          d.status?.replicas === undefined &&
          d.status?.updatedReplicas === undefined
        );
      }, 'the old ReplicaSet to be scaled down');
      assert.equal((await replicaSetsOf(h, created)).length, 1);
      assert.deepEqual(await scalingMessages(h, 'rc'), [
        `Scaled up replica set ${rs1.metadata.name} from 0 to 2`,
        `Scaled down replica set ${rs1.metadata.name} from 2 to 0`,
      ]);

      // One pod finishes, the other is deleted: only then does the new ReplicaSet come.
      const a = await h.client.get(resources.pods, NS, 'rc-old-a');
      await h.client.update(resources.pods, { ...a, status: { phase: 'Succeeded' } }, 'status');
      assert.equal((await replicaSetsOf(h, created)).length, 1);
      await h.client.delete(resources.pods, NS, 'rc-old-b', { gracePeriodSeconds: 0 });

      const d = await rolledOut(h, 'rc', '2');
      const rss = await replicaSetsOf(h, created);
      assert.equal(rss.length, 2);
      const rs2 = rss[1] as ReplicaSet;
      assert.equal(rs2.spec?.replicas, 2);
      assert.equal(rs2.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '2');
      assert.deepEqual((await scalingMessages(h, 'rc')).slice(2), [
        `Scaled up replica set ${rs2.metadata.name} from 0 to 2`,
      ]);
      assert.equal(d.status?.availableReplicas, 2);
    } finally {
      await h.stop();
    }
  });
});

void describe('rollback', () => {
  void it('reuses the ReplicaSet of the earlier template under a new revision', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('rb'),
      );
      await rolledOut(h, 'rb', '1');
      await h.client.patch(resources.deployments, NS, 'rb', 'strategic', {
        metadata: { annotations: { 'kubernetes.io/change-cause': 'to nginx:2' } },
        spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } },
      });
      await rolledOut(h, 'rb', '2');
      const [rs1, rs2] = (await replicaSetsOf(h, created)) as [ReplicaSet, ReplicaSet];
      assert.equal(rs2.metadata.annotations?.['kubernetes.io/change-cause'], 'to nginx:2');

      // `kubectl rollout undo`: the target's template (without the hash label) and its
      // annotations (without the controller's) replace the Deployment's.
      const template = structuredClone(rs1.spec?.template ?? {});
      delete template.metadata?.labels?.['pod-template-hash'];
      const annotations = Object.fromEntries(
        Object.entries(rs1.metadata.annotations ?? {}).filter(
          ([k]) => !k.startsWith('deployment.kubernetes.io/'),
        ),
      );
      await h.client.patch(resources.deployments, NS, 'rb', 'json', [
        { op: 'replace', path: '/spec/template', value: template },
        { op: 'replace', path: '/metadata/annotations', value: annotations },
      ]);

      await rolledOut(h, 'rb', '3');
      const after = await replicaSetsOf(h, created);
      assert.equal(after.length, 2, 'no new ReplicaSet');
      const back = after.find((rs) => rs.metadata.uid === rs1.metadata.uid) as ReplicaSet;
      assert.equal(back.metadata.name, rs1.metadata.name);
      assert.equal(back.metadata.annotations?.[REV], '3');
      assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
      assert.equal(back.spec?.replicas, 3);
      const other = after.find((rs) => rs.metadata.uid === rs2.metadata.uid) as ReplicaSet;
      assert.equal(other.spec?.replicas, 0);
      assert.equal(other.metadata.annotations?.[REV], '2');

      // And forward again to nginx:2: the second ReplicaSet comes back as revision 4.
      await setImage(h, 'rb', 'nginx:2');
      await rolledOut(h, 'rb', '4');
      const again = await replicaSetsOf(h, created);
      assert.equal(again.length, 2);
      const rs2Again = again.find((rs) => rs.metadata.uid === rs2.metadata.uid) as ReplicaSet;
      assert.equal(rs2Again.metadata.annotations?.[REV], '4');
      assert.equal(
        rs2Again.metadata.annotations?.['deployment.kubernetes.io/revision-history'],
        '2',
      );
    } finally {
      await h.stop();
    }
  });

  void it('honours the deprecated rollback annotation', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('old'),
      );
      await rolledOut(h, 'old', '1');
      await setImage(h, 'old', 'nginx:2');
      await rolledOut(h, 'old', '2');
      await h.client.patch(resources.deployments, NS, 'old', 'merge', {
        metadata: { annotations: { 'deprecated.deployment.rollback.to': '0' } },
      });
      const d = await rolledOut(h, 'old', '3');
      assert.equal(d.metadata.annotations?.['deprecated.deployment.rollback.to'], undefined);
      const image = (d.spec?.template?.spec as { containers: { image: string }[] }).containers[0]
        ?.image;
      assert.equal(image, 'nginx:1');
      assert.equal((await replicaSetsOf(h, created)).length, 2);
      const events = await eventsFor(h, 'old');
      assert.ok(
        events.some(
          (e) =>
            e.reason === 'DeploymentRollback' &&
            e.message === 'Rolled back deployment "old" to revision 1',
        ),
      );
    } finally {
      await h.stop();
    }
  });
});

void describe('revision history', () => {
  void it('deletes old ReplicaSets past revisionHistoryLimit', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('hist', { revisionHistoryLimit: 1 }),
      );
      await rolledOut(h, 'hist', '1');
      const [first] = await replicaSetsOf(h, created);
      await setImage(h, 'hist', 'nginx:2');
      await rolledOut(h, 'hist', '2');
      await setImage(h, 'hist', 'nginx:3');
      await rolledOut(h, 'hist', '3');
      const rss = await eventually(async () => {
        const l = await replicaSetsOf(h, created);
        return l.length === 2 && l;
      }, 'the oldest ReplicaSet to be deleted');
      assert.ok(!rss.some((rs) => rs.metadata.uid === first?.metadata.uid));
      assert.deepEqual(
        rss.map((rs) => [rs.metadata.annotations?.[REV], rs.spec?.replicas]),
        [
          ['2', 0],
          ['3', 3],
        ],
      );
    } finally {
      await h.stop();
    }
  });
});
