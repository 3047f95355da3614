// The delay before a failed Job pod is replaced (kube's backoffRecord): 10 s doubled with
// each failure since the last success, at most 10 minutes, counted from the last failure.

export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/** The record after a sync saw these newly finished pods (finish times in ms). */
export function nextRecord(
  prev: BackoffRecord,
  newSucceeded: number[],
  newFailed: number[],
): BackoffRecord {
  if (!newSucceeded.length && !newFailed.length) return prev;
  const lastSuccess = newSucceeded.length ? Math.max(...newSucceeded) : undefined;
  // Failures after the latest success count; a success resets the count.
  const failures = lastSuccess === undefined ? newFailed : newFailed.filter((t) => t > lastSuccess);
  const base = lastSuccess === undefined ? prev.failuresAfterLastSuccess : 0;
  if (!failures.length) return lastSuccess === undefined ? prev : { failuresAfterLastSuccess: 0 };
  const latest = Math.max(...failures, prev.lastFailureTime ?? 0);
  return { failuresAfterLastSuccess: base + failures.length, lastFailureTime: latest };
}

/** Milliseconds until a replacement may start (0: now). */
export function remainingBackoff(r: BackoffRecord, now: number): number {
  if (r.failuresAfterLastSuccess === 0 || r.lastFailureTime === undefined) return 0;
  const delay = Math.min(
    POD_FAILURE_BACKOFF_MS * 2 ** (r.failuresAfterLastSuccess - 1),
    MAX_POD_FAILURE_BACKOFF_MS,
  );
  return Math.max(0, r.lastFailureTime + delay - now);
}
