// The service proxy's view of the cluster, shared by its modes (nftables, userspace): one
// entry per service port, with its endpoints already resolved (named target ports looked up
// per endpoint, as kube-proxy's EndpointSlice cache does).

import type { Logger } from '../../log/index.js';

export type ProxyProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** EndpointSlice conditions; `ready` absent in the slice counts as ready. */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The endpoint runs on this node (its `nodeName` is this node's). */
  local: boolean;
}

export interface ProxyServicePort {
  namespace: string;
  name: string;
  /** The port's name, "" when unnamed. */
  portName: string;
  protocol: ProxyProtocol;
  /** ClusterIPs (none for headless/ExternalName: those never reach a mode). */
  clusterIPs: string[];
  port: number;
  nodePort?: number;
  externalIPs: string[];
  /** status.loadBalancer.ingress[].ip */
  loadBalancerIPs: string[];
  /** spec.loadBalancerSourceRanges, as given. */
  loadBalancerSourceRanges: string[];
  /** Set for `sessionAffinity: ClientIP`. */
  affinityTimeoutSeconds?: number;
  externalTrafficPolicy: 'Cluster' | 'Local';
  internalTrafficPolicy: 'Cluster' | 'Local';
  healthCheckNodePort?: number;
  endpoints: ProxyEndpoint[];
}

/** "namespace/name:portName/protocol", e.g. "default/kubia:http/TCP" (":" + "" when unnamed). */
export const servicePortKey = (
  sp: Pick<ProxyServicePort, 'namespace' | 'name' | 'portName' | 'protocol'>,
): string => `${sp.namespace}/${sp.name}:${sp.portName}/${sp.protocol}`;

export interface NodeInfo {
  name: string;
  /** The node's own addresses (InternalIP first); NodePorts answer on each and on 127.0.0.1. */
  addresses: string[];
  /** The cluster's pod network, e.g. "10.244.0.0/16": traffic from outside it is masqueraded. */
  clusterCIDR: string;
}

/** A data path: programs the kernel (or its own listeners) for the state it is given. */
export interface ProxyMode {
  readonly name: 'nftables' | 'userspace';
  /**
   * Makes the data path match `state` (every service port, keyed by servicePortKey).
   * `changed` names the keys that differ from the last call (added, updated or removed);
   * the first call passes every key. Resolves when the new rules are live; throws
   * without leaving a partial change behind.
   */
  sync(state: ReadonlyMap<string, ProxyServicePort>, changed: ReadonlySet<string>): Promise<void>;
  /** Stops serving; leaves the kernel rules in place only when `keepRules` (agent restart). */
  close(keepRules?: boolean): Promise<void>;
}

/** Runs a host command (nft, conntrack, sh) to its end; the agent's command runner fits. */
export interface HostCommandRunner {
  run(
    argv: string[],
    o?: { input?: string; timeoutMs?: number },
  ): Promise<{ code: number | null; stdout: Buffer | string; stderr: Buffer | string }>;
}

/** What every mode is built from. */
export interface ModeOptions {
  node: NodeInfo;
  logger: Logger;
  /** Runs host commands; a child process per command when absent. */
  runner?: HostCommandRunner;
  /** The network namespace to program (a path); the process's own when absent. */
  netns?: string;
  /** The cluster's service IP range (default "10.96.0.0/12"): no address in it answers ping. */
  serviceCIDR?: string;
}
