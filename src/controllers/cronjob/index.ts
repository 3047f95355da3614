// CronJobs (batch/v1): Jobs on a schedule.

export { cronJobController, createCronJobController } from './controller.js';
export type { CronJobControllerOptions } from './controller.js';
export { CRON_JOBS, type CronJob } from './types.js';
