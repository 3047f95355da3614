// batch/v1: Jobs and CronJobs, and what their controllers share with the API server
// (labels, the cron schedule parser, time zone lookup).

export { jobResource, defaultJob } from './job.js';
export { cronJobResource, MAX_CRONJOB_NAME } from './cronjob.js';
export { hasCondition, jobStatusText } from './job-printer.js';
export { CronError, nextAfter, parseCron, type CronSchedule } from './cron.js';
export { knownTimeZone } from './timezone.js';
export * from './labels.js';
