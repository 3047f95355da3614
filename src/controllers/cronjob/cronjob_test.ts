import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime } from '../../api/time.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { createNamespace, eventsFor } from '../../../test/support/controllers-replicaset.js';
import { JOBS, type Job } from '../job/index.js';
import { createCronJobController, CRON_JOBS, type CronJob } from './index.js';

const MINUTE = 60_000;

/** The controller's clock: starts now, moved by the test. */
const clock = (() => {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    /** Moves to `seconds` past the start of the minute after next. */
    toNextMinute(seconds = 5): Date {
      const now = this.now().getTime();
      const target = Math.floor(now / MINUTE) * MINUTE + MINUTE + seconds * 1000;
      offset += target - now;
      return new Date(target);
    },
    advance(ms: number): void {
      offset += ms;
    },
    /** Back to the real time: each test's CronJobs are created (by the API's clock) now. */
    reset(): void {
      offset = 0;
    },
  };
})();

const cronJobBody = (name: string, spec: Record<string, unknown> = {}): CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: {
    schedule: '*/1 * * * *',
    jobTemplate: {
      metadata: { labels: { team: 'a' } },
      spec: {
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    },
    ...spec,
  },
});

describe('cronjob controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([createCronJobController({ maxRequeueMs: 50 })], clock);
  });
  after(async () => env.stop());

  const jobsOf = async (ns: string): Promise<Job[]> =>
    (await env.client.list<Job>(JOBS, ns)).items.sort((a, b) =>
      (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1,
    );
  const waitJobs = (ns: string, ok: (js: Job[]) => boolean, what: string): Promise<Job[]> => {
    let seen: Job[] = [];
    return eventually(
      async () => {
        seen = await jobsOf(ns);
        return ok(seen) ? seen : undefined;
      },
      () => `${what}: ${seen.map((j) => j.metadata.name).join(', ')}`,
    );
  };
  const getCronJob = (ns: string, name: string): Promise<CronJob> =>
    env.client.get<CronJob>(CRON_JOBS, ns, name);
  /** What the Job controller writes when a Job is done. */
  const finishJob = async (job: Job, as: 'Complete' | 'Failed'): Promise<void> => {
    const t = formatTime(clock.now());
    await env.client.update(
      JOBS,
      {
        ...job,
        status: {
          startTime: t,
          ...(as === 'Complete' ? { completionTime: t, succeeded: 1 } : { failed: 1 }),
          conditions: [{ type: as, status: 'True', lastTransitionTime: t, lastProbeTime: t }],
        },
      },
      'status',
    );
  };
  const minutes = (t: Date): number => Math.floor(t.getTime() / MINUTE);
  beforeEach(() => clock.reset());

  it('creates one Job per activation, named after the scheduled minute, and tracks it', async () => {
    const ns = await createNamespace(env.client, 'cj-tick');
    const cj = await env.client.create<CronJob>(CRON_JOBS, ns, cronJobBody('tick'));
    // Nothing before the first activation.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await jobsOf(ns)).length, 0);

    const at = clock.toNextMinute();
    const scheduled = new Date(Math.floor(at.getTime() / MINUTE) * MINUTE);
    const [job] = await waitJobs(ns, (js) => js.length === 1, 'the first Job');
    assert.ok(job);
    assert.equal(job.metadata.name, `tick-${minutes(scheduled)}`);
    assert.equal(job.metadata.labels?.['team'], 'a');
    assert.equal(
      job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      formatTime(scheduled),
    );
    assert.deepEqual(job.metadata.ownerReferences, [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'tick',
        uid: cj.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const status = await eventually(async () => {
      const s = (await getCronJob(ns, 'tick')).status;
      return s?.active?.length === 1 ? s : undefined;
    }, 'the Job in status.active');
    assert.deepEqual(
      { ...status.active?.[0], resourceVersion: undefined },
      {
        kind: 'Job',
        namespace: ns,
        name: job.metadata.name,
        uid: job.metadata.uid,
        apiVersion: 'batch/v1',
        resourceVersion: undefined,
      },
    );
    assert.equal(status.lastScheduleTime, formatTime(scheduled));

    await finishJob(job, 'Complete');
    const done = await eventually(async () => {
      const s = (await getCronJob(ns, 'tick')).status;
      return s && !s.active && s.lastSuccessfulTime ? s : undefined;
    }, 'active emptied, lastSuccessfulTime set');
    assert.ok(done.lastSuccessfulTime);

    clock.toNextMinute();
    await waitJobs(ns, (js) => js.length === 2, 'the second Job');
    const events = await eventsFor(env.client, ns, 'tick');
    // Its own Jobs are never reported as unexpected, however the caches lag.
    assert.ok(!events.some((e) => e.reason === 'UnexpectedJob'), JSON.stringify(events));
    assert.ok(
      events.some(
        (e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${job.metadata.name}`,
      ),
    );
    assert.ok(
      events.some(
        (e) =>
          e.reason === 'SawCompletedJob' &&
          e.message === `Saw completed job: ${job.metadata.name}, condition: Complete`,
      ),
    );
  });

  it('Forbid skips an activation while a Job runs; Replace deletes the running one', async () => {
    const ns = await createNamespace(env.client, 'cj-policy');
    await env.client.create(CRON_JOBS, ns, cronJobBody('solo', { concurrencyPolicy: 'Forbid' }));
    await env.client.create(CRON_JOBS, ns, cronJobBody('swap', { concurrencyPolicy: 'Replace' }));
    const first = minutes(clock.toNextMinute());
    await waitJobs(ns, (js) => js.length === 2, 'one Job each');
    const second = minutes(clock.toNextMinute());
    await eventually(async () => {
      const es = await eventsFor(env.client, ns, 'swap');
      return es.some(
        (e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job swap-${first}`,
      )
        ? true
        : undefined;
    }, 'swap replaced its Job');
    await waitJobs(
      ns,
      (js) => js.map((j) => j.metadata.name).join(',') === `solo-${first},swap-${second}`,
      'the Forbid Job kept, the Replace Job replaced',
    );
    await eventually(async () => {
      const es = await eventsFor(env.client, ns, 'solo');
      return es.some(
        (e) =>
          e.reason === 'JobAlreadyActive' &&
          e.message ===
            'Not starting job because prior execution is running and concurrency policy is Forbid',
      )
        ? true
        : undefined;
    }, 'JobAlreadyActive');
  });

  it('keeps successfulJobsHistoryLimit finished Jobs, deleting the oldest', async () => {
    const ns = await createNamespace(env.client, 'cj-history');
    await env.client.create(CRON_JOBS, ns, cronJobBody('hist', { successfulJobsHistoryLimit: 1 }));
    const first = minutes(clock.toNextMinute());
    const [one] = await waitJobs(ns, (js) => js.length === 1, 'the first Job');
    await finishJob(one as Job, 'Complete');
    const second = minutes(clock.toNextMinute());
    const two = await waitJobs(
      ns,
      (js) => js.some((j) => j.metadata.name === `hist-${second}`),
      'the second Job',
    );
    await finishJob(two.find((j) => j.metadata.name === `hist-${second}`) as Job, 'Complete');
    const left = await waitJobs(ns, (js) => js.length === 1, 'one Job kept');
    assert.equal(left[0]?.metadata.name, `hist-${second}`);
    assert.notEqual(first, second);
  });

  it('a suspended CronJob starts nothing; after a long outage it starts once and warns', async () => {
    const ns = await createNamespace(env.client, 'cj-missed');
    await env.client.create(CRON_JOBS, ns, cronJobBody('paused', { suspend: true }));
    await env.client.create(CRON_JOBS, ns, cronJobBody('late'));
    clock.advance(3 * 60 * MINUTE);
    const [job] = await waitJobs(
      ns,
      (js) => js.length === 1,
      'one Job for the most recent activation',
    );
    assert.equal(job?.metadata.name, `late-${minutes(clock.now())}`);
    await eventually(async () => {
      const es = await eventsFor(env.client, ns, 'late');
      return es.some(
        (e) =>
          e.type === 'Warning' &&
          e.reason === 'TooManyMissedTimes' &&
          e.message ===
            'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      )
        ? true
        : undefined;
    }, 'TooManyMissedTimes');
  });

  it('the scheduled timestamp is written in the CronJob time zone', async () => {
    const ns = await createNamespace(env.client, 'cj-zone');
    await env.client.create(CRON_JOBS, ns, cronJobBody('kolkata', { timeZone: 'Asia/Kolkata' }));
    const at = clock.toNextMinute();
    const [job] = await waitJobs(ns, (js) => js.length === 1, 'the Job');
    const scheduled = new Date(Math.floor(at.getTime() / MINUTE) * MINUTE + 330 * MINUTE);
    assert.equal(
      job?.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      `${scheduled.toISOString().slice(0, 19)}+05:30`,
    );
  });
});
