// The Job controller (kube-controller-manager's pkg/controller/job): Job and pod events →
// Job keys in a queue → sync(key) that claims the Job's pods, counts the finished ones
// through status.uncountedTerminatedPods and the tracking finalizer, decides success or
// failure (completions, backoffLimit, activeDeadlineSeconds), creates or deletes pods to
// reach the wanted parallelism (with exponential back-off after failures), honours suspend,
// and writes status. Finished pods whose Job is gone or finished lose their finalizer.

import { fromLabelSelectorObject } from '../../api/labels.js';
import { batch } from '../../api/kinds/index.js';
import type { KubeObject } from '../../api/types.js';
import { formatTime } from '../../api/time.js';
import { jsonEqual } from '../../api/json.js';
import {
  createWorkQueue,
  isNotFound,
  keyOf,
  resources,
  splitKey,
  type Client,
  type EventRecorder,
  type Informer,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { claimPods, controllerOf } from '../replicaset/claim.js';
import { createExpectations } from '../replicaset/expectations.js';
import type { OwnerKind } from '../replicaset/kinds.js';
import { createPodControl, isNamespaceTerminating } from '../replicaset/podcontrol.js';
import { podKey } from '../replicaset/podutil.js';
import { routeEvents } from '../replicaset/routing.js';
import { SLOW_START_INITIAL_BATCH, slowStartBatch } from '../replicaset/slowstart.js';
import type { Pod, ReplicaOwner } from '../replicaset/types.js';
import { nextRecord, remainingBackoff, type BackoffRecord } from './backoff.js';
import {
  BACKOFF_LIMIT_EXCEEDED,
  COMPLETIONS_REACHED,
  DEADLINE_EXCEEDED,
  isFinished,
  isTrue,
  recordedVerdict,
  setCondition,
  type Verdict,
} from './conditions.js';
import { matchPodFailurePolicy } from './failure-policy.js';
import { formatIndexes, parseIndexes } from './indexes.js';
import { planPods } from './plan.js';
import {
  completionIndex,
  finishTime,
  hasTrackingFinalizer,
  isIndexed,
  isPodActive,
  isPodFailed,
  isPodReady,
  isPodSucceeded,
  isPodTerminating,
  jobPod,
  restarts,
} from './pods.js';
import { JOBS, JOB_CONTROLLER_NAME, type Job, type JobStatus } from './types.js';

export const COMPONENT = 'job-controller';
const WORKERS = 2;
/** At most this many pods are created or deleted in one sync (kube's MaxPodCreateDeletePerSync). */
const MAX_POD_WRITES_PER_SYNC = 500;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const jobKind: OwnerKind = {
  name: COMPONENT,
  component: COMPONENT,
  resource: JOBS,
  apiVersion: 'batch/v1',
  kind: 'Job',
  selector(job) {
    const sel = job.spec?.selector;
    if (sel === undefined || sel === null) return null;
    return fromLabelSelectorObject(sel) ?? null;
  },
};

export const jobController: Controller = { name: COMPONENT, start: (ctx) => start(ctx) };

const REMOVE_FINALIZER_PATCH = {
  metadata: { [`$deleteFromPrimitiveList/finalizers`]: [batch.JOB_TRACKING_FINALIZER] },
};

/** Removes the tracking finalizer from a pod; a pod already gone is fine. */
async function removeFinalizer(client: Client, p: Pod): Promise<void> {
  try {
    await client.patch(
      resources.pods,
      p.metadata.namespace ?? '',
      p.metadata.name ?? '',
      'strategic',
      REMOVE_FINALIZER_PATCH,
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

const revisionOf = (o: KubeObject): bigint => {
  const rv = o.metadata.resourceVersion ?? '';
  return /^\d+$/.test(rv) ? BigInt(rv) : 0n;
};

/** Whether a job is ours to reconcile (no spec.managedBy, or the built-in controller's). */
const managedHere = (job: Job): boolean =>
  job.spec?.managedBy === undefined || job.spec.managedBy === JOB_CONTROLLER_NAME;

function start(ctx: ControllerContext): void {
  const jobs = ctx.informers.for<Job>(JOBS);
  const pods = ctx.informers.for<Pod>(resources.pods);
  const recorder: EventRecorder = ctx.recorder(COMPONENT);
  const podControl = createPodControl(ctx.client, jobKind, recorder);
  const expectations = createExpectations(ctx.clock);
  const queue = createWorkQueue();
  const orphans = createWorkQueue();
  /** Pods whose finalizer this controller removed and the cache may not show yet, by uid. */
  const removing = new Set<string>();
  const backoffs = new Map<string, BackoffRecord>();
  /** The last Job each sync wrote: a cache older than it is not acted on. */
  const written = new Map<string, Job>();

  const typed = (o: KubeObject): Job => ({ ...o, apiVersion: 'batch/v1', kind: 'Job' });
  const enqueue = (o: KubeObject): void => queue.add(keyOf(o));
  routeEvents({
    kind: jobKind,
    owners: jobs as unknown as Informer<ReplicaOwner>,
    pods,
    expectations,
    enqueue,
  });

  /** A pod holding the finalizer whose Job is gone, replaced or finished: let it go. */
  const checkOrphan = (p: Pod): void => {
    if (!hasTrackingFinalizer(p) || removing.has(p.metadata.uid ?? '')) return;
    const ref = controllerOf(p);
    const job = ref?.kind === 'Job' ? jobs.get(p.metadata.namespace ?? '', ref.name) : undefined;
    if (job && job.metadata.uid === ref?.uid && !isFinished(job) && managedHere(job)) return;
    if (job && job.metadata.uid === ref?.uid && !managedHere(job)) return;
    orphans.add(podKey(p));
  };
  pods.on({
    add: checkOrphan,
    update: (_old, cur) => {
      if (!hasTrackingFinalizer(cur)) removing.delete(cur.metadata.uid ?? '');
      checkOrphan(cur);
    },
    delete: (p) => removing.delete(p.metadata.uid ?? ''),
  });
  jobs.on({
    update: (_old, cur) => {
      if (isFinished(cur))
        for (const p of pods.list(cur.metadata.namespace))
          if (controllerOf(p)?.uid === cur.metadata.uid) checkOrphan(p);
    },
    delete: (job) => {
      written.delete(keyOf(job));
      backoffs.delete(keyOf(job));
      for (const p of pods.list(job.metadata.namespace))
        if (controllerOf(p)?.uid === job.metadata.uid) checkOrphan(p);
    },
  });

  async function syncOrphan(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const p = pods.get(ns, name);
    if (!p || !hasTrackingFinalizer(p)) return;
    const ref = controllerOf(p);
    const job = ref?.kind === 'Job' ? jobs.get(ns, ref.name) : undefined;
    // Adopted, or still counted by a running Job: not an orphan.
    if (job && job.metadata.uid === ref?.uid && (!isFinished(job) || !managedHere(job))) return;
    removing.add(p.metadata.uid ?? '');
    await removeFinalizer(ctx.client, p);
  }

  async function writeStatus(job: Job, status: JobStatus): Promise<Job> {
    const updated = await ctx.client.update<Job>(JOBS, { ...typed(job), status }, 'status');
    written.set(keyOf(job), updated);
    return updated;
  }

  async function createPods(
    key: string,
    job: Job,
    indexes: (number | undefined)[],
  ): Promise<number> {
    const n = indexes.length;
    if (!n) return 0;
    let next = 0;
    const { successes, error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, async () => {
      const pod = jobPod(job, indexes[next++]);
      try {
        const created = await ctx.client.create(resources.pods, job.metadata.namespace ?? '', pod);
        recorder.event(
          job,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${created.metadata.name ?? ''}`,
        );
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorText(e)}`);
        throw e;
      }
    });
    // Creates never attempted or failed will not be observed: stop waiting for them.
    for (let i = successes; i < n; i++) expectations.creationObserved(key);
    if (error !== undefined) throw error;
    return successes;
  }

  /** Deletes pods; returns the keys of those it deleted. */
  async function deletePods(key: string, job: Job, victims: Pod[]): Promise<Set<string>> {
    const deleted = new Set<string>();
    if (!victims.length) return deleted;
    const results = await Promise.allSettled(
      victims.map(async (p) => {
        try {
          await podControl.delete(job as ReplicaOwner, p);
          deleted.add(podKey(p));
        } catch (e) {
          expectations.deletionObserved(key, podKey(p));
          if (!isNotFound(e)) throw e;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return deleted;
  }

  /** Pods of a job that is gone or being deleted keep no finalizer. */
  async function releaseAll(claimed: Pod[]): Promise<void> {
    await Promise.all(
      claimed
        .filter((p) => hasTrackingFinalizer(p) && !removing.has(p.metadata.uid ?? ''))
        .map(async (p) => {
          removing.add(p.metadata.uid ?? '');
          await removeFinalizer(ctx.client, p);
        }),
    );
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = jobs.get(ns, name);
    if (!cached) {
      expectations.delete(key);
      backoffs.delete(key);
      written.delete(key);
      return;
    }
    const last = written.get(key);
    // Our own last write is newer than the cache: work from it.
    const job = typed(
      last && last.metadata.uid === cached.metadata.uid && revisionOf(last) > revisionOf(cached)
        ? last
        : cached,
    );
    if (!managedHere(job)) return;
    const owned = pods.list(ns).filter((p) => controllerOf(p)?.uid === job.metadata.uid);
    if (job.metadata.deletionTimestamp || isFinished(job)) {
      await releaseAll(owned);
      return;
    }
    if (!expectations.satisfied(key)) return;
    const claimed = await claimPods(
      {
        kind: jobKind,
        owner: job as ReplicaOwner,
        selector: jobKind.selector(job as ReplicaOwner),
        pods: podControl,
        getFresh: () => ctx.client.get<ReplicaOwner>(JOBS, ns, name),
      },
      pods.list(ns),
    );
    await reconcile(key, job, claimed);
  }

  async function reconcile(key: string, job: Job, claimed: Pod[]): Promise<void> {
    const now = ctx.clock.now();
    const nowText = formatTime(now);
    const spec = job.spec ?? {};
    const indexed = isIndexed(job);
    const completions = spec.completions;
    const parallelism = spec.parallelism ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;
    const suspended = spec.suspend === true;
    let status: JobStatus = structuredClone(job.status ?? {});
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods?.succeeded ?? []),
      failed: new Set(status.uncountedTerminatedPods?.failed ?? []),
    };
    const isUncounted = (uid: string): boolean =>
      uncounted.succeeded.has(uid) || uncounted.failed.has(uid);

    // Finished pods still holding the finalizer and not yet recorded as uncounted.
    const newSucceeded: Pod[] = [];
    const newFailed: Pod[] = [];
    const notCountable: Pod[] = [];
    for (const p of claimed) {
      const uid = p.metadata.uid ?? '';
      if (!hasTrackingFinalizer(p) || removing.has(uid) || isUncounted(uid)) continue;
      if (isPodSucceeded(p)) {
        const idx = completionIndex(p);
        if (indexed && (idx === undefined || idx >= (completions ?? 0))) notCountable.push(p);
        else newSucceeded.push(p);
      } else if (isPodFailed(p, job)) {
        // A failure the podFailurePolicy ignores is let go without being counted.
        if (matchPodFailurePolicy(job, p)?.action === 'Ignore') notCountable.push(p);
        else newFailed.push(p);
      }
    }
    // Pods a suspension stopped are no failures to back off from once the Job resumes.
    let record = nextRecord(
      backoffs.get(key) ?? { failuresAfterLastSuccess: 0 },
      newSucceeded.map((p) => finishTime(p, now)),
      newFailed.map((p) => finishTime(p, now)),
    );
    backoffs.set(key, record);

    const active = claimed.filter(isPodActive);
    let terminating = claimed.filter(isPodTerminating).length;
    const failed = (status.failed ?? 0) + uncounted.failed.size + newFailed.length;
    const indexOfUid = new Map<string, number>();
    for (const p of claimed) {
      const idx = completionIndex(p);
      if (idx !== undefined) indexOfUid.set(p.metadata.uid ?? '', idx);
    }
    const succeededIndexes = indexed
      ? parseIndexes(status.completedIndexes, completions ?? 0)
      : new Set<number>();
    if (indexed)
      for (const p of [
        ...newSucceeded,
        ...claimed.filter((q) => uncounted.succeeded.has(q.metadata.uid ?? '')),
      ]) {
        const idx = completionIndex(p);
        if (idx !== undefined && idx < (completions ?? 0)) succeededIndexes.add(idx);
      }
    const succeeded = indexed
      ? succeededIndexes.size
      : (status.succeeded ?? 0) + uncounted.succeeded.size + newSucceeded.length;

    // Resuming (or starting unsuspended) starts the deadline's clock.
    let conditions = status.conditions ?? [];
    if (suspended) {
      const next = setCondition(
        conditions,
        'Suspended',
        'True',
        'JobSuspended',
        'Job suspended',
        nowText,
      );
      if (next !== conditions) recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      conditions = next;
    } else if (isTrue(job, 'Suspended')) {
      conditions = setCondition(
        conditions,
        'Suspended',
        'False',
        'JobResumed',
        'Job resumed',
        nowText,
      );
      recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      record = { failuresAfterLastSuccess: 0 };
      backoffs.set(key, record);
      status.startTime = nowText;
    }
    if (!suspended && !status.startTime) status.startTime = nowText;

    let verdict: Verdict | undefined = recordedVerdict(job);
    if (!verdict) {
      const restartedTooOften =
        spec.template?.spec?.['restartPolicy'] === 'OnFailure' &&
        (() => {
          const n = active
            .filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending')
            .reduce((sum, p) => sum + restarts(p), 0);
          return backoffLimit === 0 ? n > 0 : n >= backoffLimit;
        })();
      const deadline = spec.activeDeadlineSeconds;
      const started = Date.parse(status.startTime ?? '');
      const pastDeadline =
        !suspended &&
        deadline !== undefined &&
        !Number.isNaN(started) &&
        now.getTime() - started >= deadline * 1000;
      const failJob = claimed
        .filter((p) => p.status?.phase === 'Failed')
        .map((p) => matchPodFailurePolicy(job, p))
        .find((m) => m?.action === 'FailJob');
      if (failJob)
        verdict = {
          type: 'FailureTarget',
          reason: 'PodFailurePolicy',
          message: failJob.message ?? '',
        };
      else if ((newFailed.length > 0 && failed > backoffLimit) || restartedTooOften)
        verdict = BACKOFF_LIMIT_EXCEEDED;
      else if (pastDeadline) verdict = DEADLINE_EXCEEDED;
      else if (
        indexed
          ? succeededIndexes.size >= (completions ?? 0)
          : completions === undefined
            ? succeeded > 0 && active.length === 0
            : succeeded >= completions
      )
        verdict = COMPLETIONS_REACHED;
      if (verdict) {
        conditions = setCondition(
          conditions,
          verdict.type,
          'True',
          verdict.reason,
          verdict.message,
          nowText,
        );
        if (verdict.type === 'FailureTarget')
          recorder.event(job, 'Warning', verdict.reason, verdict.message);
      }
    }

    // Pods: none once decided or suspended; else as many as parallelism and completions want.
    let toDelete = active;
    let toCreate: (number | undefined)[] = [];
    let waitMs: number | undefined;
    if (!verdict && !suspended) {
      const plan = planPods(job, active, terminating, succeeded, succeededIndexes, parallelism);
      toDelete = plan.remove;
      const wait = plan.create.length ? remainingBackoff(record, now.getTime()) : 0;
      if (wait > 0) waitMs = wait;
      else toCreate = plan.create;
    }
    toDelete = toDelete.slice(0, MAX_POD_WRITES_PER_SYNC);
    toCreate = toCreate.slice(0, MAX_POD_WRITES_PER_SYNC);
    // Expected at once, so the next sync waits for the cache to show both.
    if (toDelete.length || toCreate.length)
      expectations.expect(key, toCreate.length, toDelete.map(podKey));
    let created = 0;
    let deleted = new Set<string>();
    let manageError: unknown;
    const outcome = await Promise.allSettled([
      deletePods(key, job, toDelete),
      createPods(key, job, toCreate),
    ]);
    if (outcome[0].status === 'fulfilled') deleted = outcome[0].value;
    else manageError = outcome[0].reason;
    if (outcome[1].status === 'fulfilled') created = outcome[1].value;
    else manageError ??= outcome[1].reason;
    terminating += deleted.size;
    const activeNow = active.length - deleted.size + created;
    const readyNow = active.filter((p) => isPodReady(p) && !deleted.has(podKey(p))).length;
    if (suspended && activeNow === 0) delete status.startTime;

    // Count finished pods: record them as uncounted, drop their finalizers, then count them.
    const toRecord = [...newSucceeded, ...newFailed];
    let current = job;
    if (toRecord.length) {
      for (const p of newSucceeded) uncounted.succeeded.add(p.metadata.uid ?? '');
      for (const p of newFailed) uncounted.failed.add(p.metadata.uid ?? '');
      status.conditions = conditions;
      status.uncountedTerminatedPods = uncountedOf(uncounted);
      current = await writeStatus(current, status);
      status = structuredClone(current.status ?? {});
    }
    const byUid = new Map(claimed.map((p) => [p.metadata.uid ?? '', p]));
    const releasing = [...uncounted.succeeded, ...uncounted.failed]
      .map((uid) => byUid.get(uid))
      .filter(
        (p): p is Pod => !!p && hasTrackingFinalizer(p) && !removing.has(p.metadata.uid ?? ''),
      );
    const released = new Set<string>();
    const results = await Promise.allSettled(
      [...releasing, ...notCountable].map(async (p) => {
        const uid = p.metadata.uid ?? '';
        removing.add(uid);
        try {
          await removeFinalizer(ctx.client, p);
          released.add(uid);
        } catch (e) {
          removing.delete(uid);
          throw e;
        }
      }),
    );
    const releaseError = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Uncounted pods whose finalizer is gone (or who are gone) are counted now.
    const countable = (uid: string): boolean => {
      const p = byUid.get(uid);
      return !p || !hasTrackingFinalizer(p) || released.has(uid) || removing.has(uid);
    };
    let countedSucceeded = status.succeeded ?? 0;
    let countedFailed = status.failed ?? 0;
    const completed = indexed
      ? parseIndexes(status.completedIndexes, completions ?? 0)
      : new Set<number>();
    for (const uid of [...uncounted.succeeded])
      if (countable(uid)) {
        uncounted.succeeded.delete(uid);
        const idx = indexOfUid.get(uid);
        if (indexed) {
          if (idx !== undefined && idx < (completions ?? 0)) completed.add(idx);
        } else countedSucceeded++;
      }
    for (const uid of [...uncounted.failed])
      if (countable(uid)) {
        uncounted.failed.delete(uid);
        countedFailed++;
      }
    if (indexed) countedSucceeded = completed.size;

    const allCounted = uncounted.succeeded.size === 0 && uncounted.failed.size === 0;
    const settled = allCounted && activeNow === 0 && terminating === 0;
    if (verdict && settled) {
      if (verdict.type === 'FailureTarget') {
        conditions = setCondition(
          conditions,
          'Failed',
          'True',
          verdict.reason,
          verdict.message,
          nowText,
        );
      } else {
        conditions = setCondition(
          conditions,
          'Complete',
          'True',
          verdict.reason,
          verdict.message,
          nowText,
        );
        status.completionTime ??= nowText;
        recorder.event(job, 'Normal', 'Completed', 'Job completed');
      }
    }
    const final: JobStatus = {
      ...status,
      conditions,
      active: activeNow,
      ready: readyNow,
      terminating,
      succeeded: countedSucceeded,
      failed: countedFailed,
      uncountedTerminatedPods: uncountedOf(uncounted),
      ...(status.startTime ? { startTime: status.startTime } : {}),
    };
    if (!final.conditions?.length) delete final.conditions;
    if (!final.startTime) delete final.startTime;
    if (indexed) {
      const text = formatIndexes(completed);
      if (text) final.completedIndexes = text;
      else delete final.completedIndexes;
    }
    if (!jsonEqual(final, current.status ?? {})) await writeStatus(current, final);

    if (waitMs !== undefined) queue.addAfter(key, waitMs);
    const deadline = spec.activeDeadlineSeconds;
    const started = Date.parse(final.startTime ?? '');
    if (!verdict && deadline !== undefined && !Number.isNaN(started))
      queue.addAfter(key, Math.max(0, started + deadline * 1000 - now.getTime()) + 1);
    if (manageError !== undefined) throw manageError;
    if (releaseError) throw releaseError.reason;
  }

  void (async () => {
    await Promise.all([jobs.synced(), pods.synced()]);
    if (ctx.signal.aborted) return;
    const log = (key: string, err: unknown): void =>
      ctx.logger.info('sync failed', { key, err: errorText(err) });
    await Promise.all([
      queue.run(WORKERS, sync, ctx.signal, log),
      orphans.run(1, syncOrphan, ctx.signal, log),
    ]);
  })();
}

function uncountedOf(u: { succeeded: Set<string>; failed: Set<string> }): {
  succeeded?: string[];
  failed?: string[];
} {
  return {
    ...(u.succeeded.size ? { succeeded: [...u.succeeded] } : {}),
    ...(u.failed.size ? { failed: [...u.failed] } : {}),
  };
}
