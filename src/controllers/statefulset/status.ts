// The status a StatefulSet shows (updateStatus, completeRollingUpdate, inconsistentStatus):
// pods created, ready, available, at the current revision and at the update revision.

import { isPodAvailable, isPodReady } from '../replicaset/podutil.js';
import type { Pod } from '../replicaset/types.js';
import { isCreated, podRevision } from './identity.js';
import type { StatefulSet, StatefulSetStatus } from './types.js';

export const isRunningAndReady = (pod: Pod): boolean =>
  pod.status?.phase === 'Running' && isPodReady(pod);

export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: Date): boolean =>
  isRunningAndReady(pod) && isPodAvailable(pod, minReadySeconds, now);

export const isTerminating = (pod: Pod): boolean => !!pod.metadata.deletionTimestamp;

/** isUnavailable: not created, terminating, or not available for minReadySeconds. */
export const isUnavailable = (pod: Pod, minReadySeconds: number, now: Date): boolean =>
  !isCreated(pod) || isTerminating(pod) || !isRunningAndAvailable(pod, minReadySeconds, now);

/** updateStatus: the counters over every pod list given. */
export function countReplicas(
  status: StatefulSetStatus,
  minReadySeconds: number,
  current: string,
  update: string,
  now: Date,
  ...lists: Pod[][]
): void {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let atCurrent = 0;
  let atUpdate = 0;
  for (const pod of lists.flat()) {
    if (isCreated(pod)) replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) available++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      const rev = podRevision(pod);
      if (rev === current) atCurrent++;
      if (rev === update) atUpdate++;
    }
  }
  status.replicas = replicas;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  status.currentReplicas = atCurrent;
  status.updatedReplicas = atUpdate;
}

/** completeRollingUpdate: once every replica runs the update revision, it is the current one. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  const want = set.spec?.replicas ?? 1;
  if (
    set.spec?.updateStrategy?.type === 'RollingUpdate' &&
    status.updatedReplicas === want &&
    status.readyReplicas === want &&
    status.replicas === want
  ) {
    status.currentReplicas = status.updatedReplicas;
    if (status.updateRevision !== undefined) status.currentRevision = status.updateRevision;
  }
}

/** inconsistentStatus: whether the computed status differs from the one the set shows. */
export function statusChanged(set: StatefulSet, next: StatefulSetStatus): boolean {
  const cur = set.status ?? {};
  return (
    (next.observedGeneration ?? 0) > (cur.observedGeneration ?? 0) ||
    (
      [
        'replicas',
        'currentReplicas',
        'readyReplicas',
        'updatedReplicas',
        'availableReplicas',
      ] as const
    ).some((k) => (next[k] ?? 0) !== (cur[k] ?? 0)) ||
    (next.currentRevision ?? '') !== (cur.currentRevision ?? '') ||
    (next.updateRevision ?? '') !== (cur.updateRevision ?? '') ||
    (next.collisionCount ?? 0) !== (cur.collisionCount ?? 0)
  );
}

/**
 * The status as apps/v1 writes it: replicas and availableReplicas always, the other counters
 * and revisions when set, collisionCount (a pointer) always once computed.
 */
export function wireStatus(set: StatefulSet, next: StatefulSetStatus): StatefulSetStatus {
  const out: StatefulSetStatus = { ...structuredClone(set.status ?? {}) };
  for (const k of [
    'observedGeneration',
    'readyReplicas',
    'currentReplicas',
    'updatedReplicas',
  ] as const) {
    if (next[k]) out[k] = next[k];
    else delete out[k];
  }
  for (const k of ['currentRevision', 'updateRevision'] as const) {
    if (next[k]) out[k] = next[k];
    else delete out[k];
  }
  out.replicas = next.replicas ?? 0;
  out.availableReplicas = next.availableReplicas ?? 0;
  out.collisionCount = next.collisionCount ?? 0;
  return out;
}
