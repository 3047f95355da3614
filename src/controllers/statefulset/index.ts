// StatefulSets (apps/v1): pods with stable names, hostnames and storage, created, replaced
// and removed in ordinal order.

export { statefulSetController, statefulSetKind } from './controller.js';
