// The workload kinds (Pod, ReplicationController, Deployment, ReplicaSet) for the resource
// table, and the per-kind hooks of their status and scale subresources.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import * as deployment from './deployment.js';
import * as pod from './pod.js';
import * as replicaset from './replicaset.js';
import * as replicationcontroller from './replicationcontroller.js';

export const workloadResources: ResourceDef[] = [
  pod.podResource,
  replicationcontroller.replicationControllerResource,
  deployment.deploymentResource,
  replicaset.replicaSetResource,
];

/** What the `status` (and, where there is one, `scale`) subresource of a kind needs. */
export interface SubresourceHooks {
  /** The `<kind>/status` strategy: keep what a status write may not change (spec, …). */
  prepareForStatusUpdate(obj: KubeObject, old: KubeObject): void;
  /** ValidateXStatusUpdate, metadata checks excluded. */
  validateStatusUpdate(obj: KubeObject, old: KubeObject): FieldError[];
  /** The Scale's `status.selector` (label selector text) for kinds with `scale`. */
  scaleSelector?(obj: KubeObject): string;
}

/** By plural (`pods`, `replicationcontrollers`, `deployments`, `replicasets`). */
export const workloadSubresourceHooks: Record<string, SubresourceHooks> = {
  pods: pod,
  replicationcontrollers: replicationcontroller,
  deployments: deployment,
  replicasets: replicaset,
};
