// The labels and annotations of batch/v1 that the API server, the Job controller and the
// CronJob controller share.

/** The selector kube generates for a Job: its uid under this label. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The unprefixed labels kube still writes beside the prefixed ones. */
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** An Indexed job's pod index (annotation and label). */
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** The finalizer that keeps a finished pod until the Job has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** When a CronJob's job was meant to start (RFC 3339, in the CronJob's time zone). */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
