// The parts of ReplicaSets, ReplicationControllers and Pods this controller reads and
// writes, as they travel in JSON (apps/v1 and core/v1).

import type { KubeObject, ObjectMeta } from '../../api/types.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: Record<string, unknown>;
}

/** A ReplicaSet or ReplicationController condition (both kinds share the shape). */
export interface ReplicaCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ReplicaStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
  [field: string]: unknown;
}

/** A ReplicaSet or ReplicationController; `selector` is a LabelSelector or a map by kind. */
export interface ReplicaOwner extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: unknown;
    template?: PodTemplate;
  };
  status?: ReplicaStatus;
}

export interface PodCondition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: string;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: { restartCount?: number }[];
  };
}

/** The ReplicaFailure condition type, set while creates or deletes fail. */
export const REPLICA_FAILURE = 'ReplicaFailure';
