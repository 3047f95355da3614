// Pod predicates as kube's pod utilities define them: active, ready, available.

import type { Pod, PodCondition } from './types.js';

/** Neither finished (Succeeded/Failed) nor being deleted: the pods a replica count counts. */
export const isPodActive = (p: Pod): boolean =>
  p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;

export const readyCondition = (p: Pod): PodCondition | undefined =>
  p.status?.conditions?.find((c) => c.type === 'Ready');

export const isPodReady = (p: Pod): boolean => readyCondition(p)?.status === 'True';

/** When the pod became ready (ms since the epoch), or undefined if it is not ready or unknown. */
export function readySince(p: Pod): number | undefined {
  const c = readyCondition(p);
  if (c?.status !== 'True' || !c.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Milliseconds until a ready pod counts as available (0 = available now), or undefined if
 * it is not ready. Available means ready for longer than minReadySeconds.
 */
export function msUntilAvailable(p: Pod, minReadySeconds: number, now: Date): number | undefined {
  if (!isPodReady(p)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = readySince(p);
  // Ready with no transition time recorded: never becomes available (as kube's IsPodAvailable).
  if (since === undefined) return Infinity;
  const at = since + minReadySeconds * 1000;
  return at < now.getTime() ? 0 : at - now.getTime() + 1;
}

export const isPodAvailable = (p: Pod, minReadySeconds: number, now: Date): boolean =>
  msUntilAvailable(p, minReadySeconds, now) === 0;

export const podKey = (p: Pod): string => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;
