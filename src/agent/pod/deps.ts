// What a pod worker is given by the agent (the runtime, images, network, node settings, the
// clock, the API writes) and what a sync hands back to the agent's work queue.

import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../log/index.js';
import type { ImageService } from '../../images/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { CommandRunner } from '../runner/index.js';
import type { PodNetwork } from '../sandbox/index.js';
import type { VolumeSources } from '../volumes/index.js';
import type { EnvSources } from './env.js';
import type { PodStatusOut } from './status.js';

export interface Clock {
  now(): Date;
}

export interface WorkerDeps {
  runtime: ContainerRuntime;
  /** Runs the host commands of the pod's set-up and clean-up (IPC namespace, mounts). */
  commandRunner: CommandRunner;
  /**
   * The node's network namespace when it is not the agent's own (tests). Probes and hooks
   * connect from the node to the pod's IP, as the kubelet's do.
   */
  nodeNetns?: string;
  images: Pick<ImageService, 'getImage' | 'ensureImage' | 'layerDirs'>;
  network: Pick<PodNetwork, 'nodeNetnsPath' | 'setupPod' | 'teardownPod'>;
  nodeName: string;
  hostIP: string;
  dataDir: string;
  clusterDNS: string;
  clusterDomain: string;
  nodeFiles: { hostname: string; hosts: string };
  logger: Logger;
  clock: Clock;
  /** Asks for a sync of this pod (the agent's work queue, keyed by pod UID). */
  enqueue(): void;
  /** Configmaps, secrets, services and tokens the pod refers to, fetched before a sync. */
  sources(pod: KubeObject): Promise<VolumeSources & EnvSources>;
  writeStatus(pod: KubeObject, status: PodStatusOut): Promise<void>;
  /** Removes the pod object for good (gracePeriodSeconds 0, uid precondition). */
  finalize(pod: KubeObject): Promise<void>;
  /** Records an Event about the pod, as the kubelet does (`kubectl describe pod`). */
  event?(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** What a sync asks of the queue: run again after this many ms (none: only when kicked). */
export interface SyncResult {
  requeueAfterMs?: number;
}
