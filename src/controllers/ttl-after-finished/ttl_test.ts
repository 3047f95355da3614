import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime } from '../../api/time.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { createNamespace } from '../../../test/support/controllers-replicaset.js';
import { isNotFound } from '../../client/index.js';
import { garbageCollector } from '../garbagecollector/index.js';
import { JOBS, type Job } from '../job/index.js';
import { createTtlAfterFinishedController, msUntilExpiry } from './index.js';

const clock = (() => {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
})();

const job = (name: string, ttl?: number): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

void it('a job expires ttlSecondsAfterFinished after its Complete or Failed condition', () => {
  const done = job('a', 60);
  done.status = {
    conditions: [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-10T12:00:00Z' }],
  };
  assert.equal(msUntilExpiry(done, new Date('2026-01-10T12:00:30Z')), 30_000);
  assert.equal(msUntilExpiry(job('b', 60), new Date()), undefined);
  const noTtl = job('c');
  noTtl.status = done.status;
  assert.equal(msUntilExpiry(noTtl, new Date()), undefined);
});

describe('ttl-after-finished controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers(
      [createTtlAfterFinishedController({ maxRequeueMs: 50 }), garbageCollector],
      clock,
    );
  });
  after(async () => env.stop());

  it('deletes a finished job once its TTL is over, and not before', async () => {
    const ns = await createNamespace(env.client, 'ttl');
    for (const name of ['short', 'unfinished', 'forever']) {
      const created = await env.client.create<Job>(
        JOBS,
        ns,
        job(name, name === 'forever' ? undefined : 100),
      );
      if (name === 'unfinished') continue;
      const t = formatTime(clock.now());
      await env.client.update(
        JOBS,
        {
          ...created,
          status: {
            conditions: [
              { type: 'Complete', status: 'True', lastTransitionTime: t, lastProbeTime: t },
            ],
          },
        },
        'status',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(await env.client.get(JOBS, ns, 'short'));
    clock.advance(101_000);
    await eventually(
      async () =>
        env.client.get(JOBS, ns, 'short').then(
          () => undefined,
          (e: unknown) => isNotFound(e),
        ),
      'the expired job deleted',
    );
    assert.ok(await env.client.get(JOBS, ns, 'unfinished'));
    assert.ok(await env.client.get(JOBS, ns, 'forever'));
  });
});
