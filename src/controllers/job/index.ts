// Jobs (batch/v1): pods run to completion.

export { jobController, jobKind } from './controller.js';
export { JOBS, type Job } from './types.js';
