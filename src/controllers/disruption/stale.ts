// Stale DisruptionTarget conditions (kube's stale pod disruption cleanup): the eviction
// subresource marks a pod `DisruptionTarget: True` before deleting it; a pod still not being
// deleted two minutes later gets the condition set back to False.

import type { KubeObject } from '../../api/types.js';

/** stalePodDisruptionTimeout. */
export const STALE_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  lastTransitionTime?: string;
}

export interface StalePod extends KubeObject {
  status?: { phase?: string; conditions?: Condition[] };
}

/**
 * nonTerminatingPodHasStaleDisruptionCondition: whether the pod carries a DisruptionTarget
 * condition to reset, and in how many milliseconds it will be stale (0: now). Conditions the
 * kubelet set, and those of terminal pods or pods being deleted, are never stale.
 */
export function staleDisruption(
  pod: StalePod,
  now: Date,
): { stale: false } | { stale: true; inMs: number } {
  if (pod.metadata.deletionTimestamp) return { stale: false };
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'DisruptionTarget');
  const phase = pod.status?.phase;
  if (
    !cond ||
    cond.status !== 'True' ||
    cond.reason === 'TerminationByKubelet' ||
    phase === 'Succeeded' ||
    phase === 'Failed'
  )
    return { stale: false };
  const since = Date.parse(cond.lastTransitionTime ?? '');
  const left = STALE_DISRUPTION_TIMEOUT_MS - (now.getTime() - (Number.isNaN(since) ? 0 : since));
  return { stale: true, inMs: Math.max(0, left) };
}
