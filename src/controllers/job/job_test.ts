import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import { formatTime } from '../../api/time.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { createNamespace, eventsFor } from '../../../test/support/controllers-replicaset.js';
import type { Pod } from '../replicaset/types.js';
import { garbageCollector } from '../garbagecollector/index.js';
import { jobController, JOBS, type Job } from './index.js';
import type { JobStatus } from './types.js';

const FINALIZER = 'batch.kubernetes.io/job-tracking';

const jobBody = (name: string, spec: Record<string, unknown> = {}): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    template: {
      spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] },
    },
    ...spec,
  },
});

describe('job controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([jobController, garbageCollector]);
  });
  after(async () => env.stop());

  const getJob = (ns: string, name: string): Promise<Job> => env.client.get<Job>(JOBS, ns, name);
  /** The job's pods not being deleted, by creation. */
  const podsOf = async (ns: string, name: string, all = false): Promise<Pod[]> =>
    (await env.client.list<Pod>(resources.pods, ns)).items.filter(
      (p) =>
        (all || !p.metadata.deletionTimestamp) &&
        p.metadata.labels?.['batch.kubernetes.io/job-name'] === name,
    );
  const waitPods = (ns: string, name: string, n: number): Promise<Pod[]> =>
    eventually(async () => {
      const ps = await podsOf(ns, name);
      return ps.filter((p) => !p.status?.phase || p.status.phase === 'Pending').length === n
        ? ps.filter((p) => !p.status?.phase || p.status.phase === 'Pending')
        : undefined;
    }, `${n} pending pods of ${name}`);
  /** What the node agent writes when the pod's container exits. */
  const finish = async (
    p: Pod,
    phase: 'Succeeded' | 'Failed',
    at = new Date(),
    exitCode = phase === 'Succeeded' ? 0 : 1,
  ): Promise<void> => {
    await env.client.patch(
      resources.pods,
      p.metadata.namespace ?? '',
      p.metadata.name ?? '',
      'merge',
      {
        status: {
          phase,
          containerStatuses: [
            {
              name: 'work',
              image: 'busybox',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode,
                  finishedAt: formatTime(at),
                },
              },
            },
          ],
        },
      },
      { subresource: 'status' },
    );
  };
  const waitStatus = (
    ns: string,
    name: string,
    ok: (s: JobStatus) => boolean,
    what: string,
  ): Promise<JobStatus> => {
    let seen: JobStatus | undefined;
    return eventually(
      async () => {
        seen = (await getJob(ns, name)).status ?? {};
        return ok(seen) ? seen : undefined;
      },
      () => `${what}: ${JSON.stringify(seen)}`,
      20_000,
    );
  };
  const conditionTypes = (s: JobStatus): string[] =>
    (s.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);

  it('runs pods to completion, counting each through the tracking finalizer', async () => {
    const ns = await createNamespace(env.client, 'job-complete');
    const created = await env.client.create<Job>(JOBS, ns, jobBody('pi', { completions: 2 }));
    const [first] = await waitPods(ns, 'pi', 1);
    assert.ok(first);
    assert.match(first.metadata.name ?? '', /^pi-[a-z0-9]{5}$/);
    assert.deepEqual(first.metadata.finalizers, [FINALIZER]);
    assert.deepEqual(first.metadata.ownerReferences, [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name: 'pi',
        uid: created.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(
      first.metadata.labels?.['batch.kubernetes.io/controller-uid'],
      created.metadata.uid,
    );
    const running = await waitStatus(
      ns,
      'pi',
      (s) => s.active === 1 && !!s.startTime,
      'one active',
    );
    assert.deepEqual(running.uncountedTerminatedPods, {});

    await finish(first, 'Succeeded');
    const [second] = await waitPods(ns, 'pi', 1);
    assert.notEqual(second?.metadata.name, first.metadata.name);
    // The finished pod was counted, then let go.
    const counted = await env.client.get<Pod>(resources.pods, ns, first.metadata.name ?? '');
    assert.deepEqual(counted.metadata.finalizers ?? [], []);
    await waitStatus(ns, 'pi', (s) => s.succeeded === 1 && s.active === 1, 'one succeeded');

    assert.ok(second);
    await finish(second, 'Succeeded');
    const done = await waitStatus(
      ns,
      'pi',
      (s) => conditionTypes(s).includes('Complete'),
      'Complete',
    );
    assert.deepEqual(conditionTypes(done), ['SuccessCriteriaMet', 'Complete']);
    assert.deepEqual(
      done.conditions?.map((c) => [c.type, c.reason, c.message]),
      [
        ['SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
    );
    assert.equal(done.succeeded, 2);
    assert.equal(done.failed, 0);
    assert.equal(done.active, 0);
    assert.ok(done.completionTime);
    assert.deepEqual(done.uncountedTerminatedPods, {});
    const events = await eventually(async () => {
      const es = await eventsFor(env.client, ns, 'pi');
      return es.some((e) => e.reason === 'Completed') ? es : undefined;
    }, 'Completed event');
    assert.ok(
      events.some((e) => e.reason === 'SuccessfulCreate' && e.component === 'job-controller'),
    );
    assert.ok(events.some((e) => e.reason === 'Completed' && e.message === 'Job completed'));
  });

  it('fails a job past its backoffLimit, replacing failed pods in between', async () => {
    const ns = await createNamespace(env.client, 'job-fail');
    await env.client.create(JOBS, ns, jobBody('bad', { backoffLimit: 1 }));
    const [p1] = await waitPods(ns, 'bad', 1);
    assert.ok(p1);
    // Failed long enough ago that the back-off (10 s) is over.
    await finish(p1, 'Failed', new Date(Date.now() - 60_000));
    const [p2] = await waitPods(ns, 'bad', 1);
    assert.ok(p2);
    await waitStatus(ns, 'bad', (s) => s.failed === 1, 'one failure');
    await finish(p2, 'Failed', new Date(Date.now() - 60_000));
    const failed = await waitStatus(
      ns,
      'bad',
      (s) => conditionTypes(s).includes('Failed'),
      'Failed',
    );
    assert.deepEqual(
      failed.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        [
          'FailureTarget',
          'True',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
        ],
        ['Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ],
    );
    assert.equal(failed.failed, 2);
    assert.equal(failed.active, 0);
    assert.equal(failed.completionTime, undefined);
    assert.equal((await podsOf(ns, 'bad')).length, 2);
    const events = await eventsFor(env.client, ns, 'bad');
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'BackoffLimitExceeded'));
  });

  it('podFailurePolicy: an ignored exit code is not a failure; a FailJob one fails the job', async () => {
    const ns = await createNamespace(env.client, 'job-policy');
    await env.client.create(
      JOBS,
      ns,
      jobBody('policy', {
        backoffLimit: 0,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: {
          rules: [
            {
              action: 'FailJob',
              onExitCodes: { containerName: 'work', operator: 'In', values: [42] },
            },
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } },
          ],
        },
      }),
    );
    const [p1] = await waitPods(ns, 'policy', 1);
    await finish(p1 as Pod, 'Failed', new Date(), 1);
    // Ignored: replaced at once, not counted (backoffLimit 0 would have failed the job).
    const [p2] = await waitPods(ns, 'policy', 1);
    assert.notEqual(p2?.metadata.name, p1?.metadata.name);
    await waitStatus(ns, 'policy', (s) => s.active === 1 && (s.failed ?? 0) === 0, 'not counted');
    await finish(p2 as Pod, 'Failed', new Date(), 42);
    const failed = await waitStatus(
      ns,
      'policy',
      (s) => conditionTypes(s).includes('Failed'),
      'Failed',
    );
    assert.deepEqual(
      failed.conditions?.map((c) => [c.type, c.reason, c.message]),
      [
        [
          'FailureTarget',
          'PodFailurePolicy',
          `Container work for pod ${ns}/${p2?.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
        ],
        [
          'Failed',
          'PodFailurePolicy',
          `Container work for pod ${ns}/${p2?.metadata.name} failed with exit code 42 matching FailJob rule at index 0`,
        ],
      ],
    );
    assert.equal(failed.failed, 1);
  });

  it('waits out the back-off before replacing a pod that just failed', async () => {
    const ns = await createNamespace(env.client, 'job-backoff');
    await env.client.create(JOBS, ns, jobBody('slow', { backoffLimit: 3 }));
    const [p1] = await waitPods(ns, 'slow', 1);
    assert.ok(p1);
    await finish(p1, 'Failed');
    await waitStatus(
      ns,
      'slow',
      (s) => s.failed === 1 && s.active === 0,
      'counted, no replacement yet',
    );
    // Nothing for a while (10 s from the failure); then the replacement.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await podsOf(ns, 'slow')).filter((p) => p.status?.phase !== 'Failed').length, 0);
    await eventually(
      async () => ((await podsOf(ns, 'slow')).length === 2 ? true : undefined),
      'replacement after the back-off',
      20_000,
    );
  });

  it('a work queue (parallelism, no completions) stops adding pods after a success', async () => {
    const ns = await createNamespace(env.client, 'job-queue');
    await env.client.create(JOBS, ns, jobBody('queue', { parallelism: 3 }));
    const pods = await waitPods(ns, 'queue', 3);
    await finish(pods[0] as Pod, 'Succeeded');
    await waitStatus(ns, 'queue', (s) => s.succeeded === 1 && s.active === 2, 'one done, two left');
    assert.equal((await podsOf(ns, 'queue')).length, 3);
    await finish(pods[1] as Pod, 'Succeeded');
    await finish(pods[2] as Pod, 'Succeeded');
    const done = await waitStatus(
      ns,
      'queue',
      (s) => conditionTypes(s).includes('Complete'),
      'Complete',
    );
    assert.equal(done.succeeded, 3);
  });

  it('an Indexed job runs one pod per index, with its index in name, labels, env and host name', async () => {
    const ns = await createNamespace(env.client, 'job-indexed');
    await env.client.create(
      JOBS,
      ns,
      jobBody('idx', { completionMode: 'Indexed', completions: 3, parallelism: 2 }),
    );
    const pods = await waitPods(ns, 'idx', 2);
    const byIndex = new Map(
      pods.map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]),
    );
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1']);
    const zero = byIndex.get('0') as Pod;
    assert.match(zero.metadata.name ?? '', /^idx-0-[a-z0-9]{5}$/);
    assert.equal(zero.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '0');
    assert.equal(zero.spec?.['hostname'], 'idx-0');
    assert.deepEqual((zero.spec?.['containers'] as { env?: unknown[] }[])[0]?.env, [
      {
        name: 'JOB_COMPLETION_INDEX',
        valueFrom: {
          fieldRef: {
            apiVersion: 'v1',
            fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']",
          },
        },
      },
    ]);
    await finish(byIndex.get('1') as Pod, 'Succeeded');
    const [two] = (await waitPods(ns, 'idx', 2)).filter(
      (p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === '2',
    );
    assert.ok(two);
    await waitStatus(
      ns,
      'idx',
      (s) => s.completedIndexes === '1' && s.succeeded === 1,
      'index 1 done',
    );
    await finish(zero, 'Succeeded');
    await finish(two, 'Succeeded');
    const done = await waitStatus(
      ns,
      'idx',
      (s) => conditionTypes(s).includes('Complete'),
      'Complete',
    );
    assert.equal(done.completedIndexes, '0-2');
    assert.equal(done.succeeded, 3);
  });

  it('a suspended job runs nothing until resumed; suspending deletes its pods', async () => {
    const ns = await createNamespace(env.client, 'job-suspend');
    await env.client.create(JOBS, ns, jobBody('later', { suspend: true }));
    const suspended = await waitStatus(
      ns,
      'later',
      (s) => conditionTypes(s).includes('Suspended'),
      'Suspended',
    );
    assert.deepEqual(
      suspended.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [['Suspended', 'True', 'JobSuspended', 'Job suspended']],
    );
    assert.equal(suspended.startTime, undefined);
    assert.equal((await podsOf(ns, 'later')).length, 0);
    await env.client.patch(JOBS, ns, 'later', 'merge', { spec: { suspend: false } });
    await waitPods(ns, 'later', 1);
    const resumed = await waitStatus(
      ns,
      'later',
      (s) => !!s.startTime && s.active === 1,
      'resumed',
    );
    assert.deepEqual(
      resumed.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [['Suspended', 'False', 'JobResumed', 'Job resumed']],
    );
    await env.client.patch(JOBS, ns, 'later', 'merge', { spec: { suspend: true } });
    await eventually(
      async () => ((await podsOf(ns, 'later', true)).length === 0 ? true : undefined),
      'pods of the suspended job gone',
    );
    await waitStatus(
      ns,
      'later',
      (s) => conditionTypes(s).includes('Suspended') && s.active === 0,
      'suspended again',
    );
    // The pods the suspension stopped count as failed; resuming waits out no back-off for them.
    await env.client.patch(JOBS, ns, 'later', 'merge', { spec: { suspend: false } });
    await eventually(
      async () => ((await podsOf(ns, 'later')).length === 1 ? true : undefined),
      'a pod at once after resuming',
      5_000,
    );
  });

  it('fails a job that runs past activeDeadlineSeconds and deletes its pods', async () => {
    const ns = await createNamespace(env.client, 'job-deadline');
    await env.client.create(JOBS, ns, jobBody('late', { activeDeadlineSeconds: 1 }));
    await waitPods(ns, 'late', 1);
    const failed = await waitStatus(
      ns,
      'late',
      (s) => conditionTypes(s).includes('Failed'),
      'Failed',
    );
    assert.deepEqual(
      failed.conditions?.filter((c) => c.type === 'Failed').map((c) => [c.reason, c.message]),
      [['DeadlineExceeded', 'Job was active longer than specified deadline']],
    );
    await eventually(
      async () => ((await podsOf(ns, 'late', true)).length === 0 ? true : undefined),
      'the pod gone',
    );
  });

  it('deleting a job lets its pods go: their finalizer is removed and they are deleted', async () => {
    const ns = await createNamespace(env.client, 'job-delete');
    await env.client.create(JOBS, ns, jobBody('gone', { parallelism: 2, completions: 4 }));
    await waitPods(ns, 'gone', 2);
    await env.client.delete(JOBS, ns, 'gone', { propagationPolicy: 'Background' });
    await eventually(
      async () => ((await podsOf(ns, 'gone', true)).length === 0 ? true : undefined),
      'pods of the deleted job gone',
    );
  });
});
