// The DisruptionAllowed condition (component-helpers/apps/poddisruptionbudget), written by
// the disruption controller and by the eviction subresource when it spends the last allowed
// disruption: True/SufficientPods while disruptions are allowed, False/InsufficientPods
// otherwise; False/SyncFailed when the controller cannot compute the status.

import { formatTime } from '../../time.js';

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** A metav1.Condition as JSON. */
export interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** The status fields the condition helpers read. */
export interface PdbStatus {
  disruptionsAllowed?: number;
  observedGeneration?: number;
  conditions?: Condition[];
  [field: string]: unknown;
}

/**
 * meta.SetStatusCondition: a new condition is added with the time now; an existing one keeps
 * its transition time unless its status changes; reason, message and generation are replaced.
 */
export function setStatusCondition(
  conditions: Condition[],
  want: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const out = conditions.map((c) => ({ ...c }));
  const at = out.findIndex((c) => c.type === want.type);
  const made: Condition = {
    type: want.type,
    status: want.status,
    ...(want.observedGeneration ? { observedGeneration: want.observedGeneration } : {}),
    lastTransitionTime: formatTime(now),
    reason: want.reason,
    message: want.message,
  };
  if (at < 0) return [...out, made];
  const old = out[at] as Condition;
  out[at] = {
    ...made,
    lastTransitionTime:
      old.status === want.status ? old.lastTransitionTime : made.lastTransitionTime,
  };
  return out;
}

/** UpdateDisruptionAllowedCondition, in place. */
export function updateDisruptionAllowedCondition(status: PdbStatus, now: Date): void {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  status.conditions = setStatusCondition(
    status.conditions ?? [],
    {
      type: DISRUPTION_ALLOWED,
      status: allowed ? 'True' : 'False',
      ...(status.observedGeneration ? { observedGeneration: status.observedGeneration } : {}),
      reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
      message: '',
    },
    now,
  );
}

/** ConditionsAreUpToDate. */
export function conditionsAreUpToDate(status: PdbStatus, generation: number): boolean {
  const c = (status.conditions ?? []).find((x) => x.type === DISRUPTION_ALLOWED);
  if (!c || (status.observedGeneration ?? 0) !== generation) return false;
  return (status.disruptionsAllowed ?? 0) > 0
    ? c.status === 'True' && c.reason === SUFFICIENT_PODS
    : c.status === 'False' && c.reason === INSUFFICIENT_PODS;
}
