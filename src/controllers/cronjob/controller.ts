// The CronJob controller (kube-controller-manager's cronjob_controllerv2): CronJob and Job
// events → CronJob keys in a queue → sync(key) that reconciles status.active with the Jobs
// it owns, deletes finished Jobs beyond the history limits, and, when an activation is due
// (within startingDeadlineSeconds, not suspended, as concurrencyPolicy allows), creates that
// activation's Job; then it wakes itself for the next activation.

import { batch } from '../../api/kinds/index.js';
import type { KubeObject } from '../../api/types.js';
import { formatTime } from '../../api/time.js';
import {
  createWorkQueue,
  isAlreadyExists,
  isNotFound,
  keyOf,
  splitKey,
  type EventRecorder,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { controllerOf } from '../replicaset/claim.js';
import { isNamespaceTerminating } from '../replicaset/podcontrol.js';
import { JOBS, type Job } from '../job/index.js';
import { byStartTime, finishedAs, jobFromTemplate, jobName, jobReference } from './jobs.js';
import {
  mostRecentScheduleTime,
  nextScheduleDelay,
  scheduleOf,
  type Schedule,
} from './schedule.js';
import { CRON_JOBS, type CronJob } from './types.js';

export const COMPONENT = 'cronjob-controller';
const WORKERS = 2;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface CronJobControllerOptions {
  /**
   * The longest a CronJob waits before it is looked at again (default: until its next
   * activation). Tests running on a fake clock set it short, so moving the clock is noticed.
   */
  maxRequeueMs?: number;
}

export function createCronJobController(o: CronJobControllerOptions = {}): Controller {
  return { name: COMPONENT, start: (ctx) => start(ctx, o) };
}

export const cronJobController: Controller = createCronJobController();

/** formatSchedule: the schedule as the cron parser reads it, with the time zone in front. */
function parsedSchedule(cj: CronJob, recorder: EventRecorder): Schedule | undefined {
  const text = cj.spec?.schedule ?? '';
  if (text.includes('TZ'))
    recorder.event(
      cj,
      'Warning',
      'UnsupportedSchedule',
      `CRON_TZ or TZ used in schedule "${text}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    );
  try {
    const parsed = batch.parseCron(text, batch.knownTimeZone);
    // Without a time zone, activations follow this process's local time, as kube's do.
    return scheduleOf(parsed, cj.spec?.timeZone);
  } catch (e) {
    recorder.event(
      cj,
      'Warning',
      'UnparseableSchedule',
      `unparseable schedule: "${text}" : ${errorText(e)}`,
    );
    return undefined;
  }
}

function start(ctx: ControllerContext, o: CronJobControllerOptions): void {
  const cronJobs = ctx.informers.for<CronJob>(CRON_JOBS);
  const jobs = ctx.informers.for<Job>(JOBS);
  const recorder = ctx.recorder(COMPONENT);
  const queue = createWorkQueue();
  const typed = (c: KubeObject): CronJob => ({ ...c, apiVersion: 'batch/v1', kind: 'CronJob' });
  const enqueue = (c: KubeObject): void => queue.add(keyOf(c));
  const requeue = (key: string, ms: number): void =>
    queue.addAfter(key, Math.max(0, Math.min(ms, o.maxRequeueMs ?? Infinity)));

  /** The CronJob controlling a Job, if it is one of ours and still the same. */
  const ownerOf = (job: Job): CronJob | undefined => {
    const ref = controllerOf(job);
    if (ref?.kind !== 'CronJob') return undefined;
    const cj = cronJobs.get(job.metadata.namespace ?? '', ref.name);
    return cj && cj.metadata.uid === ref.uid ? cj : undefined;
  };
  const jobChanged = (job: Job): void => {
    const cj = ownerOf(job);
    if (cj) enqueue(cj);
  };
  /** The last CronJob each sync wrote: a cache older than it is not acted on. */
  const written = new Map<string, CronJob>();
  cronJobs.on({ add: enqueue, update: (_old, cur) => enqueue(cur), delete: enqueue });
  jobs.on({
    add: jobChanged,
    update: (old, cur) => {
      jobChanged(cur);
      if (controllerOf(old)?.uid !== controllerOf(cur)?.uid) jobChanged(old);
    },
    delete: jobChanged,
  });

  async function deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await ctx.client.delete(JOBS, job.metadata.namespace ?? '', job.metadata.name ?? '', {
        propagationPolicy: 'Background',
      });
    } catch (e) {
      if (!isNotFound(e)) {
        recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorText(e)}`);
        return false;
      }
    }
    removeActive(cj, job.metadata.uid);
    recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name ?? ''}`);
    return true;
  }

  const removeActive = (cj: CronJob, uid: string | undefined): void => {
    const status = (cj.status ??= {});
    status.active = (status.active ?? []).filter((r) => r.uid !== uid);
    if (!status.active.length) delete status.active;
  };
  const inActive = (cj: CronJob, uid: string | undefined): boolean =>
    (cj.status?.active ?? []).some((r) => r.uid === uid);

  /** cleanupFinishedJobs: the oldest finished Jobs beyond each history limit go. */
  async function cleanupFinished(cj: CronJob, owned: Job[]): Promise<boolean> {
    let changed = false;
    for (const [as, limit] of [
      ['Complete', cj.spec?.successfulJobsHistoryLimit],
      ['Failed', cj.spec?.failedJobsHistoryLimit],
    ] as const) {
      if (typeof limit !== 'number') continue;
      const finished = owned.filter((j) => finishedAs(j) === as).sort(byStartTime);
      for (const j of finished.slice(0, Math.max(0, finished.length - limit)))
        if (await deleteJob(cj, j)) changed = true;
    }
    return changed;
  }

  /** syncCronJob: returns whether status changed and when to look again (ms). */
  async function syncCronJob(
    cj: CronJob,
    owned: Job[],
  ): Promise<{ changed: boolean; after?: number }> {
    const now = ctx.clock.now();
    let changed = false;
    const children = new Set(owned.map((j) => j.metadata.uid));
    for (const j of owned) {
      const found = inActive(cj, j.metadata.uid);
      const finished = finishedAs(j);
      if (!found && !finished) {
        const fresh = cronJobs.get(cj.metadata.namespace ?? '', cj.metadata.name ?? '');
        if (fresh && inActive(fresh as CronJob, j.metadata.uid)) continue;
        recorder.event(
          cj,
          'Warning',
          'UnexpectedJob',
          `Saw a job that the controller did not create or forgot: ${j.metadata.name ?? ''}`,
        );
      } else if (found && finished) {
        removeActive(cj, j.metadata.uid);
        recorder.event(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${j.metadata.name ?? ''}, condition: ${finished}`,
        );
        changed = true;
      }
      if (finished === 'Complete' && j.status?.completionTime) {
        const last = cj.status?.lastSuccessfulTime;
        if (!last || Date.parse(j.status.completionTime) > Date.parse(last)) {
          (cj.status ??= {}).lastSuccessfulTime = j.status.completionTime;
          changed = true;
        }
      }
    }
    // Active Jobs that are gone (asked of the API, the cache may be behind).
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid)) continue;
      try {
        await ctx.client.get(JOBS, ref.namespace ?? cj.metadata.namespace ?? '', ref.name ?? '');
      } catch (e) {
        if (!isNotFound(e)) throw e;
        recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name ?? ''}`);
        removeActive(cj, ref.uid);
        changed = true;
      }
    }
    if (cj.metadata.deletionTimestamp) return { changed };
    const zone = cj.spec?.timeZone;
    if (zone !== undefined && !batch.knownTimeZone(zone)) {
      recorder.event(
        cj,
        'Warning',
        'UnknownTimeZone',
        `invalid timeZone: "${zone}": unknown time zone ${zone}`,
      );
      return { changed };
    }
    if (cj.spec?.suspend === true) return { changed };
    const schedule = parsedSchedule(cj, recorder);
    if (!schedule) return { changed };
    const due = mostRecentScheduleTime(cj, now, schedule, true);
    const nextDelay = (): number | undefined => nextScheduleDelay(cj, now, schedule);
    if (due.invalid) {
      recorder.event(
        cj,
        'Warning',
        'InvalidSchedule',
        `invalid schedule: ${cj.spec?.schedule ?? ''} : ${due.invalid}`,
      );
      return { changed };
    }
    const scheduled = due.mostRecent;
    if (!scheduled || scheduled > now) return { changed, ...after(nextDelay()) };
    if (due.missed === 'many')
      recorder.event(
        cj,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (typeof deadline === 'number' && scheduled.getTime() + deadline * 1000 < now.getTime()) {
      recorder.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`,
      );
      return { changed, ...after(nextDelay()) };
    }
    const name = jobName(cj, scheduled);
    const lastScheduled = cj.status?.lastScheduleTime;
    if (
      (cj.status?.active ?? []).some((r) => r.name === name) ||
      (lastScheduled && Date.parse(lastScheduled) === scheduled.getTime())
    )
      return { changed, ...after(nextDelay()) };
    if (cj.spec?.concurrencyPolicy === 'Forbid' && (cj.status?.active ?? []).length > 0) {
      recorder.event(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return { changed, ...after(nextDelay()) };
    }
    if (cj.spec?.concurrencyPolicy === 'Replace')
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await ctx.client.get<Job>(JOBS, ref.namespace ?? '', ref.name ?? '');
        } catch (e) {
          recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${errorText(e)}`);
          throw e;
        }
        if (!(await deleteJob(cj, job)))
          throw new Error(
            `could not replace job ${job.metadata.namespace ?? ''}/${job.metadata.name ?? ''}`,
          );
        changed = true;
      }

    const request = jobFromTemplate(cj, scheduled);
    let created: Job;
    try {
      created = await ctx.client.create<Job>(JOBS, cj.metadata.namespace ?? '', request);
      recorder.event(
        cj,
        'Normal',
        'SuccessfulCreate',
        `Created job ${created.metadata.name ?? ''}`,
      );
    } catch (e) {
      if (isNamespaceTerminating(e)) throw e;
      if (!isAlreadyExists(e)) {
        recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${errorText(e)}`);
        throw e;
      }
      // Made by someone else (or by us before a crash): adopt its place only if it is ours.
      created = await ctx.client.get<Job>(JOBS, cj.metadata.namespace ?? '', name);
      if (controllerOf(created)?.uid !== cj.metadata.uid || inActive(cj, created.metadata.uid))
        return { changed };
    }
    const status = (cj.status ??= {});
    status.active = [...(status.active ?? []), jobReference(created)];
    status.lastScheduleTime = formatTime(scheduled);
    return { changed: true, ...after(nextDelay()) };
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = cronJobs.get(ns, name);
    if (!cached) {
      written.delete(key);
      return;
    }
    // Our own last status write is newer than the cache: work from it.
    const last = written.get(key);
    const base =
      last && last.metadata.uid === cached.metadata.uid && revisionOf(last) > revisionOf(cached)
        ? last
        : cached;
    const cj = structuredClone(typed(base));
    // Jobs whose controller reference names this CronJob (kube matches by name).
    const owned = jobs.list(ns).filter((j) => {
      const ref = controllerOf(j);
      return ref?.kind === 'CronJob' && ref.name === name;
    });
    const cleaned = await cleanupFinished(cj, owned);
    let result: { changed: boolean; after?: number } = { changed: false };
    let syncError: unknown;
    try {
      result = await syncCronJob(cj, owned);
    } catch (e) {
      syncError = e;
    }
    if (cleaned || result.changed)
      written.set(
        key,
        await ctx.client.update<CronJob>(CRON_JOBS, { ...cj, status: cj.status ?? {} }, 'status'),
      );
    if (result.after !== undefined) {
      requeue(key, result.after);
      return;
    }
    if (syncError !== undefined) throw syncError;
  }

  void (async () => {
    await Promise.all([cronJobs.synced(), jobs.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(WORKERS, sync, ctx.signal, (key, err) =>
      ctx.logger.info('sync failed', { key, err: errorText(err) }),
    );
  })();
}

const revisionOf = (o: KubeObject): bigint => {
  const rv = o.metadata.resourceVersion ?? '';
  return /^\d+$/.test(rv) ? BigInt(rv) : 0n;
};

const after = (ms: number | undefined): { after?: number } =>
  ms === undefined ? {} : { after: ms };

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function rfc1123z(t: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[t.getUTCDay()]}, ${p(t.getUTCDate())} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} +0000`;
}
