// Every kind Skiff serves, in discovery order: the resource table is built from this list.
// A kind's behaviour lives in its definition (strategy, status/finalize/scale strategies);
// adding a kind means adding one module here and one entry below.

import type { ResourceDef } from '../types.js';
import { certificateSigningRequestResource } from './certificatesigningrequest.js';
import { configMapResource } from './configmap.js';
import { cronJobResource, jobResource } from './batch/index.js';
import { crdResource } from './crd/index.js';
import { controllerRevisionResource } from './controllerrevision.js';
import { daemonSetResource } from './daemonset.js';
import { deploymentResource } from './deployment.js';
import { endpointsResource } from './endpoints.js';
import { endpointSliceResource } from './endpointslice.js';
import { eventResource, eventsV1Resource } from './event.js';
import { horizontalPodAutoscalerResource, horizontalPodAutoscalerV1Resource } from './hpa/index.js';
import { ingressResource } from './ingress.js';
import { legacyIngressResources } from './ingress-versions.js';
import { ingressClassResource } from './ingressclass.js';
import { leaseResource } from './lease.js';
import { limitRangeResource } from './limitrange.js';
import { namespaceResource } from './namespace.js';
import { networkPolicyResource } from './networkpolicy.js';
import { nodeResource } from './node.js';
import { podDisruptionBudgetResource } from './pdb/index.js';
import { podResource } from './pod.js';
import { priorityClassResource } from './priorityclass.js';
import { rbacResources } from './rbac.js';
import { replicaSetResource } from './replicaset.js';
import { replicationControllerResource } from './replicationcontroller.js';
import { resourceQuotaResource } from './resourcequota.js';
import { reviewResources } from './reviews.js';
import { secretResource } from './secret.js';
import { serviceResource } from './service.js';
import { serviceAccountResource } from './serviceaccount.js';
import { statefulSetResource } from './statefulset.js';
import {
  persistentVolumeClaimResource,
  persistentVolumeResource,
  storageClassResource,
} from './storage/index.js';

/** Pods and the controllers that own them (with status and, but for pods, scale). */
/** What a pod's spec names that its node may read (secrets, config maps, claims). */
export { podClaimNames, podConfigMapNames, podSecretNames, pvSecretRefs } from './podspec/index.js';
/** What the LimitRanger admission step checks and derives again once it has set defaults. */
export { validateResources } from './podspec/index.js';
export { podQOSClass } from './pod.js';
/** What the Priority admission step reads of PriorityClasses, and the built-in classes. */
export {
  DEFAULT_PRIORITY_WHEN_NO_DEFAULT_CLASS_EXISTS,
  PREEMPT_LOWER_PRIORITY,
  SYSTEM_PRIORITY_CLASSES,
  isGlobalDefault,
  isSystemPriorityClass,
  priorityValue,
} from './priorityclass.js';
/** What the Job and CronJob controllers share with the API server (labels, cron, time zones). */
export * as batch from './batch/index.js';
/** The DisruptionAllowed condition the disruption controller and the eviction subresource write. */
export * as pdb from './pdb/index.js';

/** What the storage binder, admission and agent share about claims, volumes and classes. */
export {
  BETA_STORAGE_CLASS_ANNOTATION,
  LOCAL_PATH_PROVISIONER,
  LOCAL_PATH_STORAGE_CLASS,
  claimClass,
  defaultStorageClass,
  isDefaultClass,
  persistentVolumeClass,
  quantityBytes,
} from './storage/index.js';

export const workloadResources: readonly ResourceDef[] = [
  podResource,
  replicationControllerResource,
  daemonSetResource,
  deploymentResource,
  replicaSetResource,
  statefulSetResource,
  jobResource,
  cronJobResource,
];

/** The other stored kinds. */
export const otherResources: readonly ResourceDef[] = [
  namespaceResource,
  serviceResource,
  endpointsResource,
  configMapResource,
  secretResource,
  resourceQuotaResource,
  serviceAccountResource,
  eventResource,
  limitRangeResource,
  nodeResource,
  endpointSliceResource,
  eventsV1Resource,
  ingressResource,
  ingressClassResource,
  networkPolicyResource,
  leaseResource,
  controllerRevisionResource,
  ...rbacResources,
  certificateSigningRequestResource,
  horizontalPodAutoscalerResource,
  podDisruptionBudgetResource,
  persistentVolumeResource,
  persistentVolumeClaimResource,
  storageClassResource,
  priorityClassResource,
  crdResource,
  // Older versions last: each group's first definition of a resource is its preferred one.
  ...legacyIngressResources(ingressResource),
  horizontalPodAutoscalerV1Resource,
];

export { reviewResources };
/** What the API server's CustomResourceDefinition controller builds custom resources from. */
export * as crd from './crd/index.js';

export const builtinResources: readonly ResourceDef[] = [
  ...workloadResources,
  ...otherResources,
  ...reviewResources,
];
