// The annotations a Deployment keeps on its ReplicaSets: revision numbers (and the history
// of numbers a reused ReplicaSet served under), the replica counts it was sized for, and
// the Deployment's own annotations copied over (what `kubectl rollout history` shows).

import type { KubeObject } from '../../api/types.js';
import type { Deployment, ReplicaSet } from './types.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
/** extensions/v1beta1's rollback request, still honoured when present. */
export const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The longest revision-history annotation kept (about 100 revisions). */
export const MAX_REV_HISTORY_CHARS = 2000;

const SKIP = new Set([
  LAST_APPLIED,
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  ROLLBACK_TO,
]);

/** Annotations that stay with their object and are never copied between Deployment and RS. */
export const skipCopyAnnotation = (key: string): boolean => SKIP.has(key);

/** strconv.ParseInt: an optional sign and decimal digits, nothing else. */
function parseIntStrict(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** The revision number of an object: 0 when unannotated, undefined when unparseable. */
export function revisionOf(o: KubeObject): number | undefined {
  const v = o.metadata.annotations?.[REVISION];
  if (v === undefined) return 0;
  return parseIntStrict(v);
}

/** The highest revision among the ReplicaSets (those with unparseable revisions skipped). */
export function maxRevision(rss: ReplicaSet[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** The second-highest revision: what `rollback to revision 0` means. */
export function lastRevision(rss: ReplicaSet[]): number {
  let max = 0;
  let second = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) second = v;
  }
  return second;
}

function annotationsOf(o: KubeObject): Record<string, string> {
  return (o.metadata.annotations ??= {});
}

export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  const a = annotationsOf(d);
  if (a[REVISION] === revision) return false;
  a[REVISION] = revision;
  return true;
}

function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    // The RS's own revision is the reliable one: the Deployment's may lag behind it.
    if (skipCopyAnnotation(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  return changed;
}

export function replicasAnnotationsNeedUpdate(
  rs: ReplicaSet,
  desired: number,
  max: number,
): boolean {
  const a = rs.metadata.annotations;
  if (!a) return true;
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = annotationsOf(rs);
  let changed = false;
  if (a[DESIRED_REPLICAS] !== String(desired)) {
    a[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS] !== String(max)) {
    a[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

function int32Annotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined) return undefined;
  const n = parseIntStrict(v);
  return n !== undefined && n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined =>
  int32Annotation(rs, DESIRED_REPLICAS);
export const maxReplicasAnnotation = (rs: ReplicaSet): number | undefined =>
  int32Annotation(rs, MAX_REPLICAS);

/**
 * Brings the new ReplicaSet's annotations up to date: the Deployment's annotations, the
 * revision raised to `newRevision` when it is lower (the old number goes to the
 * revision-history: this is how a rollback shows), and on creation the replica counts.
 * Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
  desired: number,
  max: number,
): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = annotationsOf(rs);
  const had = Object.prototype.hasOwnProperty.call(a, REVISION);
  const oldRevision = a[REVISION] ?? '';
  let oldRevisionNum = 0;
  if (oldRevision !== '') {
    const n = parseIntStrict(oldRevision);
    if (n === undefined) return false;
    oldRevisionNum = n;
  }
  if (oldRevisionNum < newRevision) {
    a[REVISION] = String(newRevision);
    changed = true;
    if (had) appendRevisionHistory(a, oldRevision);
  }
  if (!exists && setReplicasAnnotations(rs, desired, max)) changed = true;
  return changed;
}

/** Adds a revision to the history, dropping the oldest entries past the length limit. */
function appendRevisionHistory(a: Record<string, string>, oldRevision: string): void {
  const history = a[REVISION_HISTORY] ?? '';
  if (history === '') {
    a[REVISION_HISTORY] = oldRevision;
    return;
  }
  const entries = history.split(',');
  let total = history.length + oldRevision.length + 1;
  let start = 0;
  while (total > MAX_REV_HISTORY_CHARS && start < entries.length) {
    total -= (entries[start] ?? '').length + 1;
    start++;
  }
  if (total <= MAX_REV_HISTORY_CHARS)
    a[REVISION_HISTORY] = [...entries.slice(start), oldRevision].join(',');
}

/** The revision an extensions/v1beta1 rollback asked for (0: the previous one), if any. */
export function rollbackTo(d: Deployment): number | undefined {
  const v = d.metadata.annotations?.[ROLLBACK_TO];
  if (!v) return undefined;
  return parseIntStrict(v);
}
