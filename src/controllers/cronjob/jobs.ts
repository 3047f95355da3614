// The Jobs a CronJob makes (getJobFromTemplate2): named `<cronjob>-<scheduled minutes since
// the epoch>` so one activation makes one Job, with the template's labels and annotations,
// the scheduled time in the CronJob's zone as an annotation, and the CronJob as controller.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import { batch } from '../../api/kinds/index.js';
import type { Job } from '../job/index.js';
import type { CronJob, JobReference } from './types.js';
import { newControllerRef } from '../../api/owners.js';

export const jobName = (cj: CronJob, scheduled: Date): string =>
  `${cj.metadata.name ?? ''}-${Math.floor(scheduled.getTime() / 60_000)}`;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** time.Time.In(zone).Format(time.RFC3339): `Z` for a zero offset, else `±hh:mm`. */
export function rfc3339In(t: Date, zone: string | undefined): string {
  const seconds = Math.floor(t.getTime() / 1000) * 1000;
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone && zone !== 'Local' ? zone : 'UTC',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(seconds)) p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  const offsetMin = Math.round((wall - seconds) / 60_000);
  const date = `${pad(p.year ?? 0, 4)}-${pad(p.month ?? 0)}-${pad(p.day ?? 0)}T${pad(p.hour ?? 0)}:${pad(p.minute ?? 0)}:${pad(p.second ?? 0)}`;
  if (offsetMin === 0) return `${date}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${date}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export const cronJobControllerRef = (cj: CronJob): OwnerReference =>
  newControllerRef(cj, 'batch/v1', 'CronJob');

export function jobFromTemplate(cj: CronJob, scheduled: Date): Job {
  const template = cj.spec?.jobTemplate ?? {};
  // time.LoadLocation("") is UTC: without a timeZone the annotation is in UTC.
  const annotations = {
    ...(template.metadata?.annotations ?? {}),
    [batch.CRONJOB_SCHEDULED_TIMESTAMP]: rfc3339In(scheduled, cj.spec?.timeZone ?? 'UTC'),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduled),
      ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      annotations,
      ownerReferences: [cronJobControllerRef(cj)],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

/** getRef: the ObjectReference kept in status.active. */
export function jobReference(job: KubeObject): JobReference {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace ?? '',
    name: job.metadata.name ?? '',
    uid: job.metadata.uid ?? '',
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion ?? '',
  };
}

/** Finished (Complete or Failed True) and which, as getFinishedStatus. */
export function finishedAs(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? [])
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

/** byJobStartTime: started ones first, by start time, then by name. */
export function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime;
  const sb = b.status?.startTime;
  if (!sa && sb) return 1;
  if (sa && !sb) return -1;
  if (sa && sb && sa !== sb) return Date.parse(sa) - Date.parse(sb);
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}
