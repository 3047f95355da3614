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
} from '../../../test/support/controllers-deployment.js';
import type { Deployment, ReplicaSet } from './types.js';

interface Case {
  replicas: number;
  maxSurge: number | string;
  maxUnavailable: number | string;
  /** The resolved limits. */
  surge: number;
  unavailable: number;
  /** The first scaling events of the update, in order. */
  firstEvents: (oldName: string, newName: string) => string[];
}

const cases: Record<string, Case> = {
  'percentages (30% surge, 20% unavailable of 10)': {
    replicas: 10,
    maxSurge: '30%',
    maxUnavailable: '20%',
    surge: 3,
    unavailable: 2,
    firstEvents: (o, n) => [
      `Scaled up replica set ${n} from 0 to 3`,
      `Scaled down replica set ${o} from 10 to 8`,
    ],
  },
  'no surge, one unavailable': {
    replicas: 3,
    maxSurge: 0,
    maxUnavailable: 1,
    surge: 0,
    unavailable: 1,
    firstEvents: (o, n) => [
      `Scaled down replica set ${o} from 3 to 2`,
      `Scaled up replica set ${n} from 0 to 1`,
    ],
  },
  'default 25% of 4': {
    replicas: 4,
    maxSurge: '25%',
    maxUnavailable: '25%',
    surge: 1,
    unavailable: 1,
    firstEvents: (o, n) => [
      `Scaled up replica set ${n} from 0 to 1`,
      `Scaled down replica set ${o} from 4 to 3`,
    ],
  },
};

void describe('rolling update', () => {
  for (const [title, c] of Object.entries(cases)) {
    void it(`keeps within maxSurge and maxUnavailable at every step: ${title}`, async () => {
      const h = await startHarness();
      try {
        const watch: { d?: Deployment } = {};
        const violations: string[] = [];
        let steps = 0;
        fakeReplicaSets(h, {
          observe(all: ReplicaSet[]) {
            const watching = watch.d;
            if (!watching) return;
            const mine = all.filter((rs) =>
              rs.metadata.ownerReferences?.some((r) => r.uid === watching.metadata.uid),
            );
            const sum = (f: (rs: ReplicaSet) => number): number =>
              mine.reduce((n, rs) => n + f(rs), 0);
            const wanted = sum((rs) => rs.spec?.replicas ?? 0);
            const pods = sum((rs) => rs.status?.replicas ?? 0);
            const available = sum((rs) => rs.status?.availableReplicas ?? 0);
            steps++;
            if (wanted > c.replicas + c.surge) violations.push(`asked for ${wanted} pods`);
            if (pods > c.replicas + c.surge) violations.push(`ran ${pods} pods`);
            if (available < c.replicas - c.unavailable)
              violations.push(`only ${available} available`);
          },
        });
        const d0 = deploymentObject('web', {
          replicas: c.replicas,
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: c.maxSurge, maxUnavailable: c.maxUnavailable },
          },
        });
        const created = await h.client.create<Deployment>(resources.deployments, NS, d0);
        await eventually(async () => rolloutStatus(await getDeployment(h, 'web')).done, 'v1');
        const [oldRS] = await replicaSetsOf(h, created);
        watch.d = created;

        await setImage(h, 'web', 'nginx:2');
        const done = await eventually(async () => {
          const d = await getDeployment(h, 'web');
          return (
            d.status?.observedGeneration === d.metadata.generation && rolloutStatus(d).done && d
          );
        }, 'the rollout to nginx:2');

        assert.deepEqual(violations, []);
        assert.ok(steps > 4, `only ${steps} steps observed`);
        const rss = await replicaSetsOf(h, created);
        assert.equal(rss.length, 2);
        const [old, cur] = rss as [ReplicaSet, ReplicaSet];
        assert.equal(old.metadata.uid, oldRS?.metadata.uid);
        assert.equal(old.spec?.replicas, 0);
        assert.equal(cur.spec?.replicas, c.replicas);
        assert.equal(cur.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
        assert.equal(
          (cur.spec?.template?.spec as { containers: { image: string }[] }).containers[0]?.image,
          'nginx:2',
        );
        assert.equal(done.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
        assert.equal(done.status?.updatedReplicas, c.replicas);
        assert.equal(done.status?.availableReplicas, c.replicas);

        const scaling = (await eventsFor(h, 'web'))
          .filter((e) => e.reason === 'ScalingReplicaSet')
          .map((e) => e.message);
        const oldName = old.metadata.name ?? '';
        const newName = cur.metadata.name ?? '';
        const update = scaling.slice(1);
        assert.deepEqual(update.slice(0, 2), c.firstEvents(oldName, newName));
        assert.ok(
          update.includes(`Scaled down replica set ${oldName} from 1 to 0`) ||
            update.some(
              (m) => m.startsWith(`Scaled down replica set ${oldName}`) && m.endsWith(' to 0'),
            ),
        );
        const progressing = done.status?.conditions?.find((x) => x.type === 'Progressing');
        assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
        assert.equal(progressing?.message, `ReplicaSet "${newName}" has successfully progressed.`);
      } finally {
        await h.stop();
      }
    });
  }

  void it('rollout restart and set image each make a new ReplicaSet', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h);
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('web'),
      );
      await eventually(async () => rolloutStatus(await getDeployment(h, 'web')).done, 'v1');
      // What `kubectl rollout restart` sends.
      await h.client.patch(resources.deployments, NS, 'web', 'strategic', {
        spec: {
          template: {
            metadata: {
              annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' },
            },
          },
        },
      });
      await eventually(async () => {
        const d = await getDeployment(h, 'web');
        return (
          d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' &&
          rolloutStatus(d).done
        );
      }, 'the restart');
      const rss = await replicaSetsOf(h, created);
      assert.equal(rss.length, 2);
      assert.equal(
        rss[1]?.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
        '2025-01-01T00:00:00Z',
      );
      assert.notEqual(rss[0]?.metadata.name, rss[1]?.metadata.name);
    } finally {
      await h.stop();
    }
  });
});
