// The resource quota controller (kube's resourcequota-controller); see README.md.
export { resourceQuotaController, type ResourceQuotaOptions } from './controller.js';
