// What one sync works with: the client to write through, the caches to read, the event
// recorder, the clock, and a way to look at a Deployment again later.

import { resources, type Client, type Informer } from '../../client/index.js';
import type { Logger } from '../../log/index.js';
import type { EventRecorder } from '../../client/index.js';
import { REVISION } from './annotations.js';
import type { Deployment, Pod, ReplicaSet } from './types.js';

export interface SyncEnv {
  client: Client;
  recorder: EventRecorder;
  clock: { now(): Date };
  deployments: Informer<Deployment>;
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  /** Syncs the Deployment again after `ms` (progress-deadline checks). */
  requeueAfter(d: Deployment, ms: number): void;
  logger: Logger;
}

/**
 * Writes the Deployment's status (and its annotations, which the status subresource
 * accepts too), keeping the in-hand copy's resourceVersion current so that a second write
 * in the same sync does not conflict with the first.
 */
export async function updateDeploymentStatus(env: SyncEnv, d: Deployment): Promise<void> {
  const res = await env.client.update<Deployment>(resources.deployments, d, 'status');
  if (res.metadata.resourceVersion !== undefined) {
    d.metadata.resourceVersion = res.metadata.resourceVersion;
  }
  const revision = d.metadata.annotations?.[REVISION];
  if (revision !== undefined && res.metadata.annotations?.[REVISION] !== revision) {
    // kube-apiserver takes metadata from a status write (only spec and labels are kept),
    // which is how kube sets the revision without bumping the generation. Where the status
    // write carried status alone, set the annotation on the Deployment itself.
    const patched = await env.client.patch<Deployment>(
      resources.deployments,
      d.metadata.namespace ?? '',
      d.metadata.name ?? '',
      'merge',
      { metadata: { annotations: { [REVISION]: revision } } },
    );
    if (patched.metadata.resourceVersion !== undefined) {
      d.metadata.resourceVersion = patched.metadata.resourceVersion;
    }
  }
}

export function updateReplicaSet(env: SyncEnv, rs: ReplicaSet): Promise<ReplicaSet> {
  return env.client.update<ReplicaSet>(resources.replicaSets, rs);
}
