// The parts of Jobs this controller reads and writes (batch/v1), and where they live.

import type { KubeObject } from '../../api/types.js';
import type { ResourceRef } from '../../client/index.js';
import type { PodTemplate } from '../replicaset/types.js';

export const JOBS: ResourceRef = {
  group: 'batch',
  version: 'v1',
  plural: 'jobs',
  namespaced: true,
};

export interface JobCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
  [field: string]: unknown;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  selector?: unknown;
  manualSelector?: boolean;
  template?: PodTemplate;
  ttlSecondsAfterFinished?: number;
  completionMode?: 'NonIndexed' | 'Indexed';
  suspend?: boolean;
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed';
  managedBy?: string;
  podFailurePolicy?: unknown;
}

export interface Job extends KubeObject {
  spec?: JobSpec;
  status?: JobStatus;
}

/** The value of spec.managedBy this controller reconciles (as does an absent one). */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
