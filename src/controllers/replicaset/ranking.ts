// Which surplus pods to delete first, in the order kube's ReplicaSet controller prefers:
//  1. not yet on a node before on a node;
//  2. Pending before Unknown before Running;
//  3. not ready before ready;
//  4. lower controller.kubernetes.io/pod-deletion-cost before higher;
//  5. more sibling pods on the same node before fewer ("doubled up" first);
//  6. ready for a shorter time before longer;
//  7. more container restarts before fewer;
//  8. created more recently before older.
// Times in 6 and 8 compare on a logarithmic scale of their age, ties broken by uid, so
// equally old pods are picked in a pseudo-random order rather than always the newest.

import { isPodActive, isPodReady, readySince } from './podutil.js';
import type { Pod } from './types.js';

export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const phaseOrder = (p: Pod): number => PHASE_ORDER[p.status?.phase ?? ''] ?? 0;

/** The annotation as an int32; anything else counts as 0. */
export function deletionCost(p: Pod): number {
  const v = p.metadata.annotations?.[DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v.trim())) return 0;
  const n = Number(v.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

const maxRestarts = (p: Pod): number =>
  Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));

const parseTime = (t: string | null | undefined): number | undefined => {
  if (!t) return undefined;
  const n = Date.parse(t);
  return Number.isNaN(n) ? undefined : n;
};

/** floor(log2(age in ns)), -1 for no age; as kube compares durations. */
const logRank = (t: number, now: number): number => {
  const ns = (now - t) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
};

/**
 * Negative when `a` should be deleted before `b`. `t*` are times (ms) where a missing
 * time comes first and later comes first.
 */
function compareTimes(
  ta: number | undefined,
  tb: number | undefined,
  a: Pod,
  b: Pod,
  now: number,
): number {
  if (ta === tb) return 0;
  if (ta === undefined) return -1;
  if (tb === undefined) return 1;
  const d = logRank(ta, now) - logRank(tb, now);
  if (d !== 0) return d;
  const ua = a.metadata.uid ?? '';
  const ub = b.metadata.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** The deletion preference between two pods; `rank` counts siblings on each pod's node. */
export function comparePods(a: Pod, b: Pod, rank: (p: Pod) => number, now: Date): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  if (phaseOrder(a) !== phaseOrder(b)) return phaseOrder(a) - phaseOrder(b);
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b);
  if (rank(a) !== rank(b)) return rank(b) - rank(a);
  const t = now.getTime();
  if (ra && rb) {
    const c = compareTimes(readySince(a), readySince(b), a, b, t);
    if (c !== 0) return c;
  }
  if (maxRestarts(a) !== maxRestarts(b)) return maxRestarts(b) - maxRestarts(a);
  return compareTimes(
    parseTime(a.metadata.creationTimestamp),
    parseTime(b.metadata.creationTimestamp),
    a,
    b,
    t,
  );
}

/**
 * The `count` pods of `pods` to delete. `related` are the pods of every ReplicaSet sharing
 * this one's controller (a Deployment's other revisions): a pod whose node holds many of
 * them is deleted first, to spread what remains.
 */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, now: Date): Pod[] {
  if (count >= pods.length) return pods.slice();
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod): number => onNode.get(p.spec?.nodeName ?? '') ?? 0;
  return pods
    .slice()
    .sort((a, b) => comparePods(a, b, rank, now))
    .slice(0, count);
}
