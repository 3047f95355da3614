// The parts of CronJobs this controller reads and writes (batch/v1).

import type { KubeObject, ObjectMeta } from '../../api/types.js';
import type { ResourceRef } from '../../client/index.js';
import type { JobSpec } from '../job/types.js';

export const CRON_JOBS: ResourceRef = {
  group: 'batch',
  version: 'v1',
  plural: 'cronjobs',
  namespaced: true,
};

export interface JobReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CronJob extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    jobTemplate?: { metadata?: ObjectMeta; spec?: JobSpec };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
  status?: {
    active?: JobReference[];
    lastScheduleTime?: string;
    lastSuccessfulTime?: string;
  };
}
