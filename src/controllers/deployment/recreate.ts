// The Recreate strategy: scale every old ReplicaSet to zero, wait until none of their pods
// is left running, then create (or scale up) the new ReplicaSet at full size.

import type { SyncEnv } from './env.js';
import { getAllReplicaSetsAndSyncRevision } from './newrs.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import { actualReplicaCount, filterActive } from './replicasets.js';
import { scaleReplicaSetAndRecordEvent } from './scale.js';
import { cleanupDeployment } from './sync.js';
import { specReplicas, type Deployment, type Pod, type ReplicaSet } from './types.js';

/** Pods grouped by the uid of the ReplicaSet controlling them. */
export type PodMap = Map<string, Pod[]>;

export async function rolloutRecreate(
  env: SyncEnv,
  d: Deployment,
  rsList: ReplicaSet[],
  podMap: PodMap,
): Promise<void> {
  // No new ReplicaSet yet: creating it now would scale up before the old pods are gone.
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, false);
  let allRSs = [...oldRSs, newRS];

  if (await scaleDownOldReplicaSets(env, filterActive(oldRSs), d))
    return syncRolloutStatus(env, allRSs, newRS, d);

  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(env, allRSs, newRS, d);

  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) await scaleReplicaSetAndRecordEvent(env, newRS, specReplicas(d), d);

  if (deploymentComplete(d, d.status ?? {})) await cleanupDeployment(env, oldRSs, d);
  return syncRolloutStatus(env, allRSs, newRS, d);
}

async function scaleDownOldReplicaSets(
  env: SyncEnv,
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<boolean> {
  let scaled = false;
  for (const rs of oldRSs) {
    if (specReplicas(rs) === 0) continue;
    if ((await scaleReplicaSetAndRecordEvent(env, rs, 0, d)).scaled) scaled = true;
  }
  return scaled;
}

/** Whether any old ReplicaSet still reports pods, or any of their pods is not finished. */
export function oldPodsRunning(
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
  podMap: PodMap,
): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
