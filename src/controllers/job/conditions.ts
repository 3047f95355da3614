// Job conditions with kube's types, reasons and messages, and the few rules about them.

import type { Job, JobCondition } from './types.js';

export interface Verdict {
  type: 'FailureTarget' | 'SuccessCriteriaMet';
  reason: string;
  message: string;
}

export const BACKOFF_LIMIT_EXCEEDED: Verdict = {
  type: 'FailureTarget',
  reason: 'BackoffLimitExceeded',
  message: 'Job has reached the specified backoff limit',
};
export const DEADLINE_EXCEEDED: Verdict = {
  type: 'FailureTarget',
  reason: 'DeadlineExceeded',
  message: 'Job was active longer than specified deadline',
};
export const COMPLETIONS_REACHED: Verdict = {
  type: 'SuccessCriteriaMet',
  reason: 'CompletionsReached',
  message: 'Reached expected number of succeeded pods',
};

export const conditionOf = (job: Job, type: string): JobCondition | undefined =>
  job.status?.conditions?.find((c) => c.type === type);

export const isTrue = (job: Job, type: string): boolean =>
  conditionOf(job, type)?.status === 'True';

/** IsJobFinished: Complete or Failed is True. */
export const isFinished = (job: Job): boolean => isTrue(job, 'Complete') || isTrue(job, 'Failed');

/** The interim verdict already recorded (the Job waits for its pods before the final one). */
export function recordedVerdict(job: Job): Verdict | undefined {
  for (const type of ['FailureTarget', 'SuccessCriteriaMet'] as const) {
    const c = conditionOf(job, type);
    if (c?.status === 'True') return { type, reason: c.reason ?? '', message: c.message ?? '' };
  }
  return undefined;
}

/** A condition of `type` set to `status` (a new one, or the existing one changed), at `now`. */
export function setCondition(
  conditions: JobCondition[],
  type: string,
  status: JobCondition['status'],
  reason: string,
  message: string,
  now: string,
): JobCondition[] {
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === status && existing.reason === reason && existing.message === message)
      return conditions;
    return conditions.map((c) =>
      c.type === type
        ? {
            ...c,
            status,
            reason,
            message,
            lastProbeTime: now,
            ...(c.status !== status ? { lastTransitionTime: now } : {}),
          }
        : c,
    );
  }
  return [
    ...conditions,
    { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message },
  ];
}
