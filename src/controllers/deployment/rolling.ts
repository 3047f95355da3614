// The RollingUpdate strategy: grow the new ReplicaSet while the total stays within
// replicas + maxSurge, shrink old ones while availability stays at replicas - maxUnavailable.
// One kind of step per sync; the next sync comes with the ReplicaSets' status changes.

import type { SyncEnv } from './env.js';
import { maxUnavailable } from './intstr.js';
import { getAllReplicaSetsAndSyncRevision } from './newrs.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import {
  availableReplicaCount,
  byCreation,
  filterActive,
  newRSNewReplicas,
  replicaCount,
} from './replicasets.js';
import { scaleReplicaSetAndRecordEvent } from './scale.js';
import { cleanupDeployment } from './sync.js';
import { availableReplicas, specReplicas, type Deployment, type ReplicaSet } from './types.js';

export async function rolloutRolling(
  env: SyncEnv,
  d: Deployment,
  rsList: ReplicaSet[],
): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, true);
  if (!newRS) throw new Error('new replica set was not created');
  const allRSs = [...oldRSs, newRS];

  if (await reconcileNewReplicaSet(env, allRSs, newRS, d))
    return syncRolloutStatus(env, allRSs, newRS, d);

  if (await reconcileOldReplicaSets(env, allRSs, filterActive(oldRSs), newRS, d))
    return syncRolloutStatus(env, allRSs, newRS, d);

  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(env, oldRSs, d);
  return syncRolloutStatus(env, allRSs, newRS, d);
}

async function reconcileNewReplicaSet(
  env: SyncEnv,
  allRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  const want = specReplicas(d);
  if (specReplicas(newRS) === want) return false;
  if (specReplicas(newRS) > want)
    return (await scaleReplicaSetAndRecordEvent(env, newRS, want, d)).scaled;
  const count = newRSNewReplicas(d, allRSs, newRS);
  return (await scaleReplicaSetAndRecordEvent(env, newRS, count, d)).scaled;
}

async function reconcileOldReplicaSets(
  env: SyncEnv,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const allPods = replicaCount(allRSs);
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - availableReplicas(newRS);
  // Old pods may go as far as availability allows, counting the new ReplicaSet's
  // unavailable pods as already lost (so a broken new template cannot eat the old ones).
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;

  const cleaned = await cleanupUnhealthyReplicas(env, oldRSs, d, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(
    env,
    [...cleaned.oldRSs, newRS],
    cleaned.oldRSs,
    d,
  );
  return cleaned.count + scaledDown > 0;
}

/** Removes old ReplicaSets' unavailable pods first: losing them costs no availability. */
async function cleanupUnhealthyReplicas(
  env: SyncEnv,
  oldRSs: ReplicaSet[],
  d: Deployment,
  maxCleanup: number,
): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (const [i, rs] of sorted.entries()) {
    if (total >= maxCleanup) break;
    const replicas = specReplicas(rs);
    if (replicas === 0 || replicas === availableReplicas(rs)) continue;
    const down = Math.min(maxCleanup - total, replicas - availableReplicas(rs));
    const newCount = replicas - down;
    if (newCount > replicas)
      throw new Error(
        `when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.namespace}/${rs.metadata.name} ${replicas} -> ${newCount}`,
      );
    const res = await scaleReplicaSetAndRecordEvent(env, rs, newCount, d);
    total += down;
    sorted[i] = res.rs;
  }
  return { oldRSs: sorted, count: total };
}

/** Scales old ReplicaSets down, oldest first, by what availability can spare. */
async function scaleDownOldReplicaSetsForRollingUpdate(
  env: SyncEnv,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<number> {
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const totalToScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= totalToScaleDown) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const down = Math.min(replicas, totalToScaleDown - total);
    await scaleReplicaSetAndRecordEvent(env, rs, replicas - down, d);
    total += down;
  }
  return total;
}
