// manageJob's plan for one sync: which pods to delete and which to start, from the active
// pods, the successes so far and the Job's parallelism, completions and completion mode.

import type { Pod } from '../replicaset/types.js';
import { completionIndex, isIndexed, onlyReplaceFailed, removalOrder } from './pods.js';
import type { Job } from './types.js';

/**
 * manageJob's plan: how many pods to want (parallelism, capped by the completions left; for
 * a work queue, no new pods once one succeeded), which to delete (the extra ones; for an
 * Indexed job also pods of a completed, duplicated or out-of-range index) and which indexes
 * to start (the lowest missing ones).
 */
export function planPods(
  job: Job,
  active: Pod[],
  terminating: number,
  succeeded: number,
  succeededIndexes: Set<number>,
  parallelism: number,
): { create: (number | undefined)[]; remove: Pod[] } {
  const completions = job.spec?.completions;
  const remove: Pod[] = [];
  let running = active;
  if (isIndexed(job)) {
    const seen = new Set<number>();
    running = [];
    for (const p of [...active].sort((a, b) => removalOrder(b, a))) {
      const idx = completionIndex(p);
      if (
        idx === undefined ||
        idx >= (completions ?? 0) ||
        succeededIndexes.has(idx) ||
        seen.has(idx)
      )
        remove.push(p);
      else {
        seen.add(idx);
        running.push(p);
      }
    }
  }
  let want: number;
  if (completions === undefined) want = succeeded > 0 ? running.length : parallelism;
  else want = Math.max(0, Math.min(parallelism, completions - succeeded));
  // With podReplacementPolicy Failed, a terminating pod still holds its place.
  const occupied = running.length + (onlyReplaceFailed(job) ? terminating : 0);
  if (running.length > want)
    remove.push(...[...running].sort(removalOrder).slice(0, running.length - want));
  const missing = Math.max(0, want - occupied);
  if (!missing) return { create: [], remove };
  if (!isIndexed(job)) return { create: Array.from({ length: missing }, () => undefined), remove };
  const taken = new Set(running.map((p) => completionIndex(p)));
  const create: number[] = [];
  for (let i = 0; i < (completions ?? 0) && create.length < missing; i++)
    if (!succeededIndexes.has(i) && !taken.has(i)) create.push(i);
  return { create, remove };
}
