// The non-workload kinds, in discovery order, and the hooks of their extra subresources
// (status, finalize) that the API server applies instead of the main strategy.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { configMapResource } from './configmap.js';
import { endpointsResource } from './endpoints.js';
import { endpointSliceResource } from './endpointslice.js';
import { eventResource, eventsV1Resource } from './event.js';
import {
  prepareForStatusUpdate as ingressStatus,
  ingressResource,
  validateIngressStatusUpdate,
} from './ingress.js';
import { ingressClassResource } from './ingressclass.js';
import { leaseResource } from './lease.js';
import {
  namespaceResource,
  prepareForFinalizeUpdate,
  prepareForStatusUpdate as namespaceStatus,
  validateNamespaceFinalizeUpdate,
  validateNamespaceStatusUpdate,
} from './namespace.js';
import { nodeResource, prepareForStatusUpdate as nodeStatus, validateNodeUpdate } from './node.js';
import { secretResource } from './secret.js';
import {
  prepareForStatusUpdate as serviceStatus,
  serviceResource,
  validateServiceStatusUpdate,
} from './service.js';
import { serviceAccountResource } from './serviceaccount.js';

export const otherResources: ResourceDef[] = [
  namespaceResource,
  serviceResource,
  endpointsResource,
  configMapResource,
  secretResource,
  serviceAccountResource,
  eventResource,
  nodeResource,
  endpointSliceResource,
  eventsV1Resource,
  ingressResource,
  ingressClassResource,
  leaseResource,
];

/** How a write to a subresource other than the main resource is prepared and checked. */
export interface SubresourceStrategy {
  /** Carry over what this subresource may not change (e.g. the spec for `status`). */
  prepareForUpdate(obj: KubeObject, old: KubeObject): void;
  /** Rules for this subresource's writes (instead of the main validate/validateUpdate). */
  validateUpdate(obj: KubeObject, old: KubeObject): FieldError[];
}

/** Keyed by `group/plural/subresource` (core group is ''). */
export const subresourceStrategies: Record<string, SubresourceStrategy> = {
  '/namespaces/status': {
    prepareForUpdate: namespaceStatus,
    validateUpdate: validateNamespaceStatusUpdate,
  },
  '/namespaces/finalize': {
    prepareForUpdate: prepareForFinalizeUpdate,
    validateUpdate: validateNamespaceFinalizeUpdate,
  },
  '/services/status': {
    prepareForUpdate: serviceStatus,
    validateUpdate: validateServiceStatusUpdate,
  },
  '/nodes/status': { prepareForUpdate: nodeStatus, validateUpdate: validateNodeUpdate },
  'networking.k8s.io/ingresses/status': {
    prepareForUpdate: ingressStatus,
    validateUpdate: validateIngressStatusUpdate,
  },
};
