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

const image = (rs: ReplicaSet): string | undefined =>
  (rs.spec?.template?.spec as { containers: { image: string }[] } | undefined)?.containers[0]
    ?.image;

const scaleTo = (h: Harness, name: string, replicas: number): Promise<unknown> =>
  h.client.patch(
    resources.deployments,
    NS,
    name,
    'merge',
    { spec: { replicas } },
    {
      subresource: 'scale',
    },
  );

const scalingMessages = async (h: Harness, name: string): Promise<string[]> =>
  (await eventsFor(h, name)).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);

void describe('pause and resume', () => {
  void it('holds the rollout while paused, still scales, and rolls out on resume', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('pz'),
      );
      await eventually(async () => rolloutStatus(await getDeployment(h, 'pz')).done, 'v1');
      const [rs1] = (await replicaSetsOf(h, created)) as [ReplicaSet];

      await h.client.patch(resources.deployments, NS, 'pz', 'merge', { spec: { paused: true } });
      await setImage(h, 'pz', 'nginx:2');
      const paused = await eventually(async () => {
        const d = await getDeployment(h, 'pz');
        const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
        return (
          d.status?.observedGeneration === d.metadata.generation &&
          c?.reason === 'DeploymentPaused' &&
          d
        );
      }, 'the paused condition');
      const cond = paused.status?.conditions?.find((x) => x.type === 'Progressing');
      assert.equal(cond?.status, 'Unknown');
      assert.equal(cond?.message, 'Deployment is paused');
      assert.equal((await replicaSetsOf(h, created)).length, 1, 'no rollout while paused');
      assert.equal(paused.status?.updatedReplicas, undefined);

      await scaleTo(h, 'pz', 5);
      await eventually(async () => {
        const [rs] = await replicaSetsOf(h, created);
        return (
          rs?.spec?.replicas === 5 &&
          rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === '5'
        );
      }, 'scaling while paused');
      assert.equal((await replicaSetsOf(h, created)).length, 1);
      assert.ok(
        (await scalingMessages(h, 'pz')).includes(
          `Scaled up replica set ${rs1.metadata.name} from 3 to 5`,
        ),
      );

      await h.client.patch(resources.deployments, NS, 'pz', 'merge', { spec: { paused: false } });
      const done = await eventually(async () => {
        const d = await getDeployment(h, 'pz');
        return (
          d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' &&
          d.status?.observedGeneration === d.metadata.generation &&
          rolloutStatus(d).done &&
          d
        );
      }, 'the rollout after resume');
      assert.equal(done.status?.updatedReplicas, 5);
      const rss = await replicaSetsOf(h, created);
      assert.equal(image(rss[1] as ReplicaSet), 'nginx:2');
      // 5 replicas with 25% surge: two new pods first.
      assert.ok(
        (await scalingMessages(h, 'pz')).includes(
          `Scaled up replica set ${rss[1]?.metadata.name} from 0 to 2`,
        ),
      );
    } finally {
      await h.stop();
    }
  });
});

void describe('scaling in the middle of a rollout', () => {
  void it('scales every active ReplicaSet in proportion', async () => {
    const h = await startHarness();
    try {
      // Pods of the new template never become ready: the rollout stalls half-way.
      fakeReplicaSets(h, { healthy: (rs) => image(rs) !== 'nginx:bad' });
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('px', {
          replicas: 10,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
        }),
      );
      await eventually(async () => rolloutStatus(await getDeployment(h, 'px')).done, 'v1');
      await setImage(h, 'px', 'nginx:bad');
      // 10 old pods: 3 new ones surge, 2 old ones go, 2 more new ones come; then nothing
      // more may go while the 5 new pods are unavailable.
      const [oldRS, newRS] = await eventually(async () => {
        const l = await replicaSetsOf(h, created);
        const d = await getDeployment(h, 'px');
        return (
          l.length === 2 &&
          l[0]?.spec?.replicas === 8 &&
          l[1]?.spec?.replicas === 5 &&
          d.status?.replicas === 13 &&
          l
        );
      }, 'the stalled rollout');
      assert.ok(oldRS && newRS);

      await scaleTo(h, 'px', 20);
      // The maximum goes from 13 to 23: 8 → round(8·23/13) = 14, 5 → round(5·23/13) = 9.
      const scaled = await eventually(async () => {
        const l = await replicaSetsOf(h, created);
        return l[0]?.spec?.replicas === 14 && l[1]?.spec?.replicas === 9 && l;
      }, 'proportional scale-up');
      for (const rs of scaled) {
        assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
        assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '23');
      }
      const messages = await scalingMessages(h, 'px');
      assert.ok(messages.includes(`Scaled up replica set ${oldRS.metadata.name} from 8 to 14`));
      assert.ok(messages.includes(`Scaled up replica set ${newRS.metadata.name} from 5 to 9`));

      await scaleTo(h, 'px', 5);
      // The maximum goes from 23 to 8: 14 → 5 and 9 → 3.
      await eventually(async () => {
        const m = await scalingMessages(h, 'px');
        return (
          m.includes(`Scaled down replica set ${oldRS.metadata.name} from 14 to 5`) &&
          m.includes(`Scaled down replica set ${newRS.metadata.name} from 9 to 3`)
        );
      }, 'proportional scale-down');
      const d = await eventually(async () => {
        const d = await getDeployment(h, 'px');
        return d.status?.observedGeneration === d.metadata.generation && d;
      }, 'the scale to be observed');
      assert.equal(rolloutStatus(d).done, false);
    } finally {
      await h.stop();
    }
  });

  void it('scales a finished Deployment through its one ReplicaSet', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('one'),
      );
      await eventually(async () => rolloutStatus(await getDeployment(h, 'one')).done, 'v1');
      await scaleTo(h, 'one', 1);
      const d = await eventually(async () => {
        const d = await getDeployment(h, 'one');
        return d.status?.replicas === 1 && rolloutStatus(d).done && d;
      }, 'the scale-down');
      const [rs] = await replicaSetsOf(h, created);
      assert.equal(rs?.spec?.replicas, 1);
      assert.equal(d.status?.availableReplicas, 1);
      assert.ok(
        (await scalingMessages(h, 'one')).includes(
          `Scaled down replica set ${rs?.metadata.name} from 3 to 1`,
        ),
      );
    } finally {
      await h.stop();
    }
  });
});
