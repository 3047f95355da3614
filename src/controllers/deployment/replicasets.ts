// Arithmetic over a Deployment's ReplicaSets: which is new, which are old, how many pods
// they hold, how large the new one may grow, and each one's share of a proportional scale.

import { maxReplicasAnnotation, desiredReplicasAnnotation, revisionOf } from './annotations.js';
import { equalIgnoreHash } from './hash.js';
import { maxSurge } from './intstr.js';
import {
  availableReplicas,
  readyReplicas,
  specReplicas,
  statusReplicas,
  type Deployment,
  type ReplicaSet,
} from './types.js';

const created = (rs: ReplicaSet): number => {
  const t = rs.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
};

/** Oldest first; ties (timestamps have whole seconds) broken by name. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  const an = a.metadata.name ?? '';
  const bn = b.metadata.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** Largest first; among equals, the oldest first. */
export const bySizeOlder = (a: ReplicaSet, b: ReplicaSet): number =>
  specReplicas(b) - specReplicas(a) || byCreation(a, b);

/** Largest first; among equals, the newest first. */
export const bySizeNewer = (a: ReplicaSet, b: ReplicaSet): number =>
  specReplicas(b) - specReplicas(a) || byCreation(b, a);

/** Lowest revision first; unparseable or equal revisions by creation. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

export const filterActive = (rss: (ReplicaSet | undefined)[]): ReplicaSet[] =>
  rss.filter((rs): rs is ReplicaSet => !!rs && specReplicas(rs) > 0);

const sum = (rss: (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number): number =>
  rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);

/** Pods the ReplicaSets are asked for (spec.replicas). */
export const replicaCount = (rss: (ReplicaSet | undefined)[]): number => sum(rss, specReplicas);
/** Pods the ReplicaSets have (status.replicas). */
export const actualReplicaCount = (rss: (ReplicaSet | undefined)[]): number =>
  sum(rss, statusReplicas);
export const readyReplicaCount = (rss: (ReplicaSet | undefined)[]): number =>
  sum(rss, readyReplicas);
export const availableReplicaCount = (rss: (ReplicaSet | undefined)[]): number =>
  sum(rss, availableReplicas);

/** The oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  return [...rss]
    .sort(byCreation)
    .find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(d: Deployment, rss: ReplicaSet[]): ReplicaSet[] {
  const newRS = findNewReplicaSet(d, rss);
  return rss.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
}

/**
 * The one active ReplicaSet, or the newest when none is active; undefined when several
 * are active (they scale proportionally).
 */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = filterActive([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** Whether the new ReplicaSet runs the Deployment's full count, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const want = specReplicas(d);
  return specReplicas(rs) === want && desired === want && availableReplicas(rs) === want;
}

/** How large the new ReplicaSet may be now: up to the surge limit for rolling updates. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const want = specReplicas(d);
  if (d.spec?.strategy?.type === 'Recreate') return want;
  const maxTotal = want + maxSurge(d);
  const current = replicaCount(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, want - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/** A ReplicaSet's share of a scale by `toAdd` (negative to shrink), of which `added` is spent. */
export function proportion(d: Deployment, rs: ReplicaSet, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(d, rs);
  const allowed = toAdd - added;
  // Never past what may still be added (or removed).
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The change that keeps this ReplicaSet's share of the Deployment's maximum size. */
function replicaSetFraction(d: Deployment, rs: ReplicaSet): number {
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const maxNow = specReplicas(d) + maxSurge(d);
  let maxBefore = maxReplicasAnnotation(rs);
  if (!maxBefore) {
    // Without the annotation, fall back to the Deployment's current size.
    maxBefore = d.status?.replicas ?? 0;
    if (maxBefore === 0) return 0;
  }
  const size = (specReplicas(rs) * maxNow) / maxBefore;
  return roundHalfAway(size) - specReplicas(rs);
}

/** math.Round: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));
