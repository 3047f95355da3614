import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import { computeHash } from './hash.js';
import {
  deploymentObject,
  eventsFor,
  eventually,
  fakeReplicaSets,
  getDeployment,
  NS,
  replicaSetsOf,
  rolloutStatus,
  startHarness,
  type Harness,
} from '../../../test/support/controllers-deployment.js';
import type { Deployment } from './types.js';

void describe('a new Deployment', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    fakeReplicaSets(h);
  });
  after(() => h.stop());

  void it('gets a ReplicaSet named after its template hash, labelled, annotated and owned', async () => {
    const created = await h.client.create<Deployment>(
      resources.deployments,
      NS,
      deploymentObject('web'),
    );
    const [rs] = await eventually(async () => {
      const l = await replicaSetsOf(h, created);
      return l.length === 1 && l;
    }, 'the ReplicaSet');
    assert.ok(rs);
    const hash = computeHash(created.spec?.template);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec?.selector?.matchLabels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec?.template?.metadata?.labels, {
      app: 'web',
      'pod-template-hash': hash,
    });
    assert.equal(rs.spec?.replicas, 3);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    // 25% of 3 rounds up to one surge pod.
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.deepEqual(rs.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const events = await eventually(async () => {
      const e = await eventsFor(h, 'web');
      return e.length > 0 && e;
    }, 'the scaling event');
    assert.deepEqual(events[0], {
      reason: 'ScalingReplicaSet',
      message: `Scaled up replica set web-${hash} from 0 to 3`,
      type: 'Normal',
      source: 'deployment-controller',
    });
  });

  void it('reports status until kubectl rollout status is satisfied', async () => {
    const d = await eventually(async () => {
      const d = await getDeployment(h, 'web');
      return rolloutStatus(d).done && d;
    }, 'the rollout to finish');
    const rs = (await replicaSetsOf(h, d))[0];
    const s = d.status ?? {};
    assert.equal(s.observedGeneration, d.metadata.generation);
    assert.equal(s.replicas, 3);
    assert.equal(s.updatedReplicas, 3);
    assert.equal(s.readyReplicas, 3);
    assert.equal(s.availableReplicas, 3);
    assert.equal(s.unavailableReplicas, undefined);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const byType = Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType['Available']?.status, 'True');
    assert.equal(byType['Available']?.reason, 'MinimumReplicasAvailable');
    assert.equal(byType['Available']?.message, 'Deployment has minimum availability.');
    assert.equal(byType['Progressing']?.status, 'True');
    assert.equal(byType['Progressing']?.reason, 'NewReplicaSetAvailable');
    assert.equal(
      byType['Progressing']?.message,
      `ReplicaSet "${rs?.metadata.name}" has successfully progressed.`,
    );
    assert.match(byType['Progressing']?.lastUpdateTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  void it('reports unavailability while pods are missing', async () => {
    const h2 = await startHarness();
    try {
      fakeReplicaSets(h2, { healthy: () => false });
      await h2.client.create(resources.deployments, NS, deploymentObject('slow'));
      const d = await eventually(async () => {
        const d = await getDeployment(h2, 'slow');
        return d.status?.replicas === 3 && d;
      }, 'pods to be counted');
      const s = d.status ?? {};
      assert.equal(s.availableReplicas, undefined);
      assert.equal(s.unavailableReplicas, 3);
      const available = s.conditions?.find((c) => c.type === 'Available');
      assert.equal(available?.status, 'False');
      assert.equal(available?.reason, 'MinimumReplicasUnavailable');
      assert.equal(available?.message, 'Deployment does not have minimum availability.');
      const progressing = s.conditions?.find((c) => c.type === 'Progressing');
      assert.equal(progressing?.reason, 'ReplicaSetUpdated');
      assert.match(progressing?.message ?? '', /^ReplicaSet "slow-[a-z0-9]+" is progressing\.$/);
      assert.equal(rolloutStatus(d).done, false);
      assert.equal(
        rolloutStatus(d).message,
        'Waiting for deployment "slow" rollout to finish: 0 of 3 updated replicas are available...',
      );
    } finally {
      await h2.stop();
    }
  });
});
