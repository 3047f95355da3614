// Deployment status: the counts summed over its ReplicaSets, the Available condition, and
// the Progressing condition (progressing, complete, or past progressDeadlineSeconds). A
// rollout with no visible progress is looked at again when its deadline would pass.

import {
  AVAILABLE,
  fromReplicaSetCondition,
  getCondition,
  newCondition,
  PROGRESSING,
  REASON,
  removeCondition,
  REPLICA_FAILURE,
  setCondition,
} from './conditions.js';
import { updateDeploymentStatus, type SyncEnv } from './env.js';
import { canonicalJson } from '../../api/json.js';
import { maxUnavailable } from './intstr.js';
import {
  actualReplicaCount,
  availableReplicaCount,
  readyReplicaCount,
  replicaCount,
} from './replicasets.js';
import {
  specReplicas,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type ReplicaSet,
} from './types.js';

const MAX_INT32 = 2 ** 31 - 1;

export const hasProgressDeadline = (d: Deployment): boolean => {
  const s = d.spec?.progressDeadlineSeconds;
  return typeof s === 'number' && s !== MAX_INT32;
};

export const hasRevisionHistoryLimit = (d: Deployment): boolean => {
  const l = d.spec?.revisionHistoryLimit;
  return typeof l === 'number' && l !== MAX_INT32;
};

/** The status as the API writes it: zero counts and empty lists left out. */
export function compactStatus(s: DeploymentStatus | undefined): DeploymentStatus {
  const out: DeploymentStatus = {};
  if (!s) return out;
  for (const k of [
    'observedGeneration',
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
  ] as const) {
    const v = s[k];
    if (typeof v === 'number' && v !== 0) out[k] = v;
  }
  if (typeof s.collisionCount === 'number') out.collisionCount = s.collisionCount;
  if (s.conditions?.length) out.conditions = s.conditions.map((c) => ({ ...c }));
  return out;
}

const sameStatus = (a: DeploymentStatus | undefined, b: DeploymentStatus): boolean =>
  canonicalJson(compactStatus(a)) === canonicalJson(compactStatus(b));

/** Every ReplicaSet asked for, ran and made available what the Deployment wants. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = specReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** More updated, ready or available pods than last time, or fewer old ones. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** No progress reported for longer than progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c) return false;
  if (c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < now.getTime();
}

export function calculateStatus(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now: Date,
): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  if (typeof d.status?.collisionCount === 'number') status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));

  if (available >= specReplicas(d) - maxUnavailable(d))
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        'True',
        REASON.minimumReplicasAvailable,
        'Deployment has minimum availability.',
        now,
      ),
    );
  else
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        'False',
        REASON.minimumReplicasUnavailable,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  return compactStatus(status);
}

/** Writes the calculated status if it changed (no progress estimate: scaling, paused). */
export async function syncDeploymentStatus(
  env: SyncEnv,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d, env.clock.now());
  if (sameStatus(d.status, status)) return;
  d.status = status;
  await updateDeploymentStatus(env, d);
}

/** ReplicaFailure conditions of the new ReplicaSet, else of any other. */
function replicaFailures(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const of = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === REPLICA_FAILURE)
      .map(fromReplicaSetCondition);
  const fromNew = of(newRS);
  return fromNew.length ? fromNew : allRSs.flatMap(of);
}

/** Writes the status with a progress estimate: the rollout's own status sync. */
export async function syncRolloutStatus(
  env: SyncEnv,
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const now = env.clock.now();
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);

  const current = getCondition(d.status, PROGRESSING);
  const isComplete =
    (status.replicas ?? 0) === (status.updatedReplicas ?? 0) &&
    current?.reason === REASON.newRSAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    const rsName = newRS?.metadata.name;
    const dName = d.metadata.name ?? '';
    if (deploymentComplete(d, status)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has successfully progressed.`
        : `Deployment "${dName}" has successfully progressed.`;
      setCondition(status, newCondition(PROGRESSING, 'True', REASON.newRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" is progressing.`
        : `Deployment "${dName}" is progressing.`;
      const c = newCondition(PROGRESSING, 'True', REASON.replicaSetUpdated, msg, now);
      // Progress refreshes lastUpdateTime even when the reason stays the same.
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
      }
      setCondition(status, c);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = rsName
        ? `ReplicaSet "${rsName}" has timed out progressing.`
        : `Deployment "${dName}" has timed out progressing.`;
      setCondition(status, newCondition(PROGRESSING, 'False', REASON.timedOut, msg, now));
    }
  }

  const failure = replicaFailures(allRSs, newRS)[0];
  if (failure) setCondition(status, failure);
  else removeCondition(status, REPLICA_FAILURE);

  if (sameStatus(d.status, status)) {
    requeueStuckDeployment(env, d, status, now);
    return;
  }
  d.status = compactStatus(status);
  await updateDeploymentStatus(env, d);
}

/**
 * A rollout showing no progress is synced again when its deadline would pass (plus a
 * second against clock skew), so the timeout is noticed without waiting for a resync.
 */
function requeueStuckDeployment(
  env: SyncEnv,
  d: Deployment,
  status: DeploymentStatus,
  now: Date,
): void {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return;
  if (deploymentComplete(d, status) || current.reason === REASON.timedOut) return;
  const last = Date.parse(current.lastUpdateTime ?? '');
  if (Number.isNaN(last)) return;
  const after = last + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now.getTime();
  if (after < 1000) env.requeueAfter(d, Math.max(after, 0) + 100);
  else env.requeueAfter(d, after + 1000);
}
