// The status an owner should show for its pods, and whether it differs from what it shows.

import { fromMap, matchesLabels } from '../../api/labels.js';
import { msUntilAvailable } from './podutil.js';
import {
  REPLICA_FAILURE,
  type Pod,
  type ReplicaCondition,
  type ReplicaOwner,
  type ReplicaStatus,
} from './types.js';
import { formatTime } from '../../api/time.js';

export interface ManageFailure {
  /** FailedCreate or FailedDelete. */
  reason: string;
  message: string;
}

/**
 * Counts the claimed (active) pods and sets or clears ReplicaFailure. A failure condition
 * already present is kept as it is (its first message and transition time), as kube does.
 * Zero counts are left out, as the Go structs' omitempty leaves them out.
 */
export function calculateStatus(
  owner: ReplicaOwner,
  pods: Pod[],
  failure: ManageFailure | undefined,
  now: Date,
): ReplicaStatus {
  const status: ReplicaStatus = structuredClone(owner.status ?? {});
  const templateLabels = fromMap(owner.spec?.template?.metadata?.labels);
  const minReady = owner.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (matchesLabels(templateLabels, p.metadata.labels)) fullyLabeled++;
    const wait = msUntilAvailable(p, minReady, now);
    if (wait !== undefined) {
      ready++;
      if (wait === 0) available++;
    }
  }
  const conditions = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (failure && !existing) {
    const cond: ReplicaCondition = {
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: formatTime(now),
      reason: failure.reason,
      message: failure.message,
    };
    status.conditions = [...conditions, cond];
  } else if (!failure && existing) {
    const rest = conditions.filter((c) => c.type !== REPLICA_FAILURE);
    if (rest.length) status.conditions = rest;
    else delete status.conditions;
  }
  status.replicas = pods.length;
  setCount(status, 'fullyLabeledReplicas', fullyLabeled);
  setCount(status, 'readyReplicas', ready);
  setCount(status, 'availableReplicas', available);
  return status;
}

function setCount(s: ReplicaStatus, field: string, n: number): void {
  if (n) s[field] = n;
  else delete s[field];
}

/** Whether writing `next` would change what the owner shows (counts, generation, conditions). */
export function statusChanged(owner: ReplicaOwner, next: ReplicaStatus): boolean {
  const cur = owner.status ?? {};
  const n = (v: number | undefined): number => v ?? 0;
  return (
    n(cur.replicas) !== n(next.replicas) ||
    n(cur.fullyLabeledReplicas) !== n(next.fullyLabeledReplicas) ||
    n(cur.readyReplicas) !== n(next.readyReplicas) ||
    n(cur.availableReplicas) !== n(next.availableReplicas) ||
    n(owner.metadata.generation) !== n(cur.observedGeneration) ||
    JSON.stringify(cur.conditions ?? []) !== JSON.stringify(next.conditions ?? [])
  );
}

/**
 * Milliseconds until the next ready pod becomes available, or undefined if none is waiting:
 * the owner is looked at again then, so availableReplicas moves without a pod event.
 */
export function nextAvailableIn(owner: ReplicaOwner, pods: Pod[], now: Date): number | undefined {
  const minReady = owner.spec?.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  let next: number | undefined;
  for (const p of pods) {
    const wait = msUntilAvailable(p, minReady, now);
    if (wait === undefined || wait === 0 || wait === Infinity) continue;
    next = next === undefined ? wait : Math.min(next, wait);
  }
  return next;
}
