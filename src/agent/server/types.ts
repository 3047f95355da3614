// The node server's contracts: what it is built from and what it hands back.

import type { KubeObject } from '../../api/types.js';
import type { Client } from '../../client/index.js';
import type { StreamingBackend } from './streaming/types.js';

/** Node statistics, served at /stats/summary and /metrics/resource. */
export interface StatsProvider {
  /** kubelet stats/v1alpha1 Summary (node, pods, containers). */
  summary(): Promise<unknown>;
  /** Prometheus text as the kubelet's /metrics/resource. */
  resourceMetrics(): Promise<string>;
}

/** The pods bound to this node, as the agent's informer holds them. */
export interface PodSource {
  list(): KubeObject[];
  get(namespace: string, name: string): KubeObject | undefined;
}

/** The kubelet configuration fields /configz reports (what applies to this node). */
export interface NodeConfigz {
  clusterDNS?: string[];
  clusterDomain?: string;
  podCIDR?: string;
  [field: string]: unknown;
}

export interface NodeServerOptions {
  nodeName: string;
  /** The node's serving certificate and key, and the CA its clients' certificates chain to. */
  certPem: string;
  keyPem: string;
  clientCaPem: string;
  /** Reaches the API server for TokenReview and SubjectAccessReview. */
  client: Client;
  pods: PodSource;
  /** Runs exec, attach, port-forward and logs in this node's pods. */
  backend: StreamingBackend;
  /** Without it /stats/ and /metrics/resource are not served (404, as an unregistered path). */
  stats?: StatsProvider;
  /** The directory /logs/ serves, as the kubelet's /var/log (the default). */
  logDir?: string;
  /** Extra /configz fields (the port and auth modes are filled in by the server). */
  configz?: NodeConfigz;
  /** How long the client has to open all of a session's SPDY streams (default 30 s). */
  streamCreationTimeoutMs?: number;
  clock?: { now(): Date };
}

export interface NodeServer {
  /** Starts listening (port 0: any free port); resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** The bound port once listening. */
  readonly port: number | undefined;
  /** Stops listening and ends every open connection and stream. */
  close(): Promise<void>;
}
