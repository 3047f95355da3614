// The paths of a sync that do not roll out: status only (while deleting), scaling (also
// while paused), pause/resume conditions, and trimming old revisions.

import { resources, isNotFound } from '../../client/index.js';
import { desiredReplicasAnnotation, rollbackTo } from './annotations.js';
import { getCondition, newCondition, PROGRESSING, REASON, setCondition } from './conditions.js';
import { updateDeploymentStatus, type SyncEnv } from './env.js';
import { getAllReplicaSetsAndSyncRevision } from './newrs.js';
import { hasProgressDeadline, hasRevisionHistoryLimit, syncDeploymentStatus } from './progress.js';
import { byRevision, filterActive } from './replicasets.js';
import { scale } from './scale.js';
import { specReplicas, statusReplicas, type Deployment, type ReplicaSet } from './types.js';

/** Only the status is written: used while the Deployment is being deleted. */
export async function syncStatusOnly(
  env: SyncEnv,
  d: Deployment,
  rsList: ReplicaSet[],
): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, false);
  await syncDeploymentStatus(env, [...oldRSs, newRS], newRS, d);
}

/** Scaling (and, while paused, history cleanup) without advancing a rollout. */
export async function syncScale(env: SyncEnv, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, false);
  await scale(env, d, newRS, oldRSs);
  if (d.spec?.paused && rollbackTo(d) === undefined) await cleanupDeployment(env, oldRSs, d);
  await syncDeploymentStatus(env, [...oldRSs, newRS], newRS, d);
}

/**
 * Marks pausing and resuming in the Progressing condition (status Unknown), so time spent
 * paused never counts against the progress deadline.
 */
export async function checkPausedConditions(env: SyncEnv, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === REASON.timedOut) return;
  const pausedCondExists = cond?.reason === REASON.paused;
  const now = env.clock.now();
  if (d.spec?.paused && !pausedCondExists)
    setCondition(
      (d.status ??= {}),
      newCondition(PROGRESSING, 'Unknown', REASON.paused, 'Deployment is paused', now),
    );
  else if (!d.spec?.paused && pausedCondExists)
    setCondition(
      (d.status ??= {}),
      newCondition(PROGRESSING, 'Unknown', REASON.resumed, 'Deployment is resumed', now),
    );
  else return;
  await updateDeploymentStatus(env, d);
}

/** Whether spec.replicas moved away from what the active ReplicaSets were sized for. */
export async function isScalingEvent(
  env: SyncEnv,
  d: Deployment,
  rsList: ReplicaSet[],
): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(env, d, rsList, false);
  for (const rs of filterActive([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired === undefined) continue;
    if (desired !== specReplicas(d)) return true;
  }
  return false;
}

/**
 * Deletes the oldest old ReplicaSets past revisionHistoryLimit; only those scaled to zero,
 * with no pods left and their latest spec observed.
 */
export async function cleanupDeployment(
  env: SyncEnv,
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<void> {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (const rs of cleanable.slice(0, diff)) {
    if (
      statusReplicas(rs) !== 0 ||
      specReplicas(rs) !== 0 ||
      (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) ||
      rs.metadata.deletionTimestamp
    )
      continue;
    try {
      await env.client.delete(
        resources.replicaSets,
        rs.metadata.namespace ?? '',
        rs.metadata.name ?? '',
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** Writes a Deployment's status after a status-only decision (SelectingAll and the like). */
export async function observeGeneration(env: SyncEnv, d: Deployment): Promise<void> {
  const gen = d.metadata.generation ?? 0;
  if ((d.status?.observedGeneration ?? 0) >= gen) return;
  (d.status ??= {}).observedGeneration = gen;
  await updateDeploymentStatus(env, d);
}
