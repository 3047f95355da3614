// Scaling ReplicaSets: one at a time (with the ScalingReplicaSet event), and all of them
// proportionally when the Deployment itself is scaled in the middle of a rollout.

import { replicasAnnotationsNeedUpdate, setReplicasAnnotations } from './annotations.js';
import { updateReplicaSet, type SyncEnv } from './env.js';
import { maxSurge } from './intstr.js';
import {
  bySizeNewer,
  bySizeOlder,
  filterActive,
  findActiveOrLatest,
  isSaturated,
  proportion,
  replicaCount,
} from './replicasets.js';
import { isRollingUpdate, specReplicas, type Deployment, type ReplicaSet } from './types.js';
import { deepCopy } from '../../api/json.js';

export interface ScaleResult {
  scaled: boolean;
  rs: ReplicaSet;
}

/**
 * Sets the ReplicaSet's size and its desired/max-replicas annotations; records
 * `Scaled up replica set web-7d4b9c from 1 to 3` when the size changed.
 */
export async function scaleReplicaSet(
  env: SyncEnv,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
): Promise<ScaleResult> {
  const desired = specReplicas(d);
  const max = desired + maxSurge(d);
  const oldScale = specReplicas(rs);
  const sizeNeedsUpdate = oldScale !== newScale;
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max))
    return { scaled: false, rs };
  const copy = deepCopy(rs);
  copy.spec = { ...(copy.spec ?? {}), replicas: newScale };
  setReplicasAnnotations(copy, desired, max);
  const updated = await updateReplicaSet(env, copy);
  if (sizeNeedsUpdate) {
    const op = oldScale < newScale ? 'up' : 'down';
    env.recorder.event(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${op} replica set ${updated.metadata.name ?? ''} from ${oldScale} to ${newScale}`,
    );
  }
  return { scaled: sizeNeedsUpdate, rs: updated };
}

/** Like scaleReplicaSet, but leaves a ReplicaSet already at that size untouched. */
export async function scaleReplicaSetAndRecordEvent(
  env: SyncEnv,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
): Promise<ScaleResult> {
  if (specReplicas(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(env, rs, newScale, d);
}

/**
 * Brings the ReplicaSets to the Deployment's size without advancing a rollout: a lone
 * active ReplicaSet takes the whole count; a saturated new one lets the old ones go; during
 * a rolling update every active ReplicaSet grows or shrinks in proportion to its size,
 * leftovers going to the largest.
 */
export async function scale(
  env: SyncEnv,
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): Promise<void> {
  const want = specReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (specReplicas(activeOrLatest) === want) return;
    await scaleReplicaSetAndRecordEvent(env, activeOrLatest, want, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of filterActive(oldRSs)) await scaleReplicaSetAndRecordEvent(env, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;

  const all = filterActive([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);

  let added = 0;
  const sizes = new Map<ReplicaSet, number>();
  for (const rs of all) {
    if (toAdd === 0) {
      sizes.set(rs, specReplicas(rs));
      continue;
    }
    const p = proportion(d, rs, toAdd, added);
    sizes.set(rs, specReplicas(rs) + p);
    added += p;
  }
  for (const [i, rs] of all.entries()) {
    let size = sizes.get(rs) ?? specReplicas(rs);
    if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
    await scaleReplicaSet(env, rs, size, d);
  }
}
