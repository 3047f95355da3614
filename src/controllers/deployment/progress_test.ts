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
import type { Deployment } from './types.js';

void describe('progress deadline', () => {
  void it('marks a rollout without progress as ProgressDeadlineExceeded', async () => {
    const h = await startHarness();
    try {
      fakeReplicaSets(h, { healthy: () => false });
      const created = await h.client.create<Deployment>(
        resources.deployments,
        NS,
        deploymentObject('pd', { progressDeadlineSeconds: 1 }),
      );
      // Nothing changes after the pods are created: only the requeue at the deadline can
      // notice the timeout.
      const d = await eventually(
        async () => {
          const d = await getDeployment(h, 'pd');
          const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
          return c?.reason === 'ProgressDeadlineExceeded' && d;
        },
        'the deadline to pass',
        15_000,
      );
      const [rs] = await replicaSetsOf(h, created);
      const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
      assert.equal(c?.status, 'False');
      assert.equal(c?.message, `ReplicaSet "${rs?.metadata.name}" has timed out progressing.`);
      const available = d.status?.conditions?.find((x) => x.type === 'Available');
      assert.equal(available?.status, 'False');
      assert.deepEqual(rolloutStatus(d), {
        done: false,
        message: 'deployment "pd" exceeded its progress deadline',
      });
    } finally {
      await h.stop();
    }
  });
});
