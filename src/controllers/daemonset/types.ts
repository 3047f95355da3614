// The parts of DaemonSets and Nodes this controller reads and writes (apps/v1, core/v1).

import type { KubeObject } from '../../api/types.js';
import type { PodTemplate } from '../replicaset/types.js';

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  [field: string]: unknown;
}

export interface DaemonSet extends KubeObject {
  spec?: {
    selector?: unknown;
    template?: PodTemplate;
    minReadySeconds?: number;
    updateStrategy?: {
      type?: string;
      rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string };
    };
  };
  status?: DaemonSetStatus;
}

export type Node = KubeObject;

/** Labels the controller puts on every pod it creates. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
