// When a CronJob's next job is due, as cronjob_controllerv2's mostRecentScheduleTime,
// nextScheduleTime and nextScheduleTimeDuration compute it: the latest missed activation
// since the last schedule (or creation, or the starting deadline), how many were missed, and
// how long to wait for the next one.

import { batch } from '../../api/kinds/index.js';
import type { CronJob } from './types.js';

/** A schedule the controller can ask for activations (robfig's cron.Schedule). */
export interface Schedule {
  next(after: Date): Date | undefined;
}

export function scheduleOf(s: batch.CronSchedule, zone: string | undefined): Schedule {
  return { next: (after) => batch.nextAfter(s, after, zone) };
}

/** Woken this long after an activation, so the sync sees it as due (kube's nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  earliest: Date;
  mostRecent?: Date;
  missed: Missed;
  /** The schedule's two next activations coincide (e.g. 30 February): no sensible schedule. */
  invalid?: string;
}

export function mostRecentScheduleTime(
  cj: CronJob,
  now: Date,
  schedule: Schedule,
  includeStartingDeadline: boolean,
): MostRecent {
  let earliest = new Date(
    cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString(),
  );
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && typeof deadline === 'number') {
    const floor = new Date(now.getTime() - deadline * 1000);
    if (floor > earliest) earliest = floor;
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 && schedule.next(t1);
  if (!t1 || now < t1) return { earliest, missed: 'none' };
  if (!t2 || now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2.getTime() - t1.getTime()) / 1000);
  if (between < 1)
    return {
      earliest,
      missed: 'none',
      invalid: 'time difference between two schedules is less than 1 second',
    };
  // A rough count of the activations missed since t1, as kube makes it.
  const elapsed = Math.floor((now.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.floor(elapsed / between) + 1;
  let mostRecent: Date | undefined;
  const potentialEarliest = new Date(t1.getTime() + (missedCount - 2) * between * 1000);
  for (let t = schedule.next(potentialEarliest); t && t <= now; t = schedule.next(t))
    mostRecent = t;
  const missed: Missed = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent ? { earliest, mostRecent, missed } : { earliest, missed };
}

/** How long until the next activation, from the last one due (or now when some were missed). */
export function nextScheduleDelay(cj: CronJob, now: Date, schedule: Schedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let from: Date;
  if (r.invalid) from = now;
  else if (r.mostRecent) from = r.mostRecent;
  else from = r.missed === 'none' ? r.earliest : now;
  const next = schedule.next(from);
  return next ? next.getTime() + NEXT_SCHEDULE_DELTA_MS - now.getTime() : undefined;
}
