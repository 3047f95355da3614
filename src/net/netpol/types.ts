// Slim projections of what network policy enforcement reads from the API (made at the
// informer boundary by projection.ts), and the desired data path compile.ts derives.

import type { LabelSelector } from '../../api/labels.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface NpContainerPort {
  name: string;
  port: number;
  protocol: Protocol;
}

/** A pod with an IPv4 address on the pod network (host-network and finished pods are left out). */
export interface NpPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  ports: NpContainerPort[];
  /** Runs on this node: the only pods whose traffic this node polices. */
  local: boolean;
}

export interface NpNamespace {
  name: string;
  labels: Record<string, string>;
}

export interface NpPortRule {
  protocol: Protocol;
  /** A number, a container port name, or absent for every port of the protocol. */
  port?: number | string;
  endPort?: number;
}

export interface NpPeer {
  /** Absent with a namespaceSelector: every pod of the selected namespaces. */
  podSelector?: LabelSelector;
  /** Absent: the policy's own namespace. */
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except: string[] };
}

export interface NpRule {
  /** Empty: every port. */
  ports: NpPortRule[];
  /** Empty: every peer. */
  peers: NpPeer[];
}

export interface NpPolicy {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** Present when the policy isolates its pods for ingress (policyTypes has Ingress). */
  ingress?: NpRule[];
  /** Present when the policy isolates its pods for egress. */
  egress?: NpRule[];
}

/** Everything compile() reads. */
export interface NpState {
  pods: NpPod[];
  namespaces: Map<string, NpNamespace>;
  policies: NpPolicy[];
}

export type SetType = 'ipv4_addr' | 'ipv4_addr . inet_proto . inet_service';

export interface DesiredSet {
  type: SetType;
  elements: Set<string>;
}

/** The table's variable part: named sets keyed by pod IP, and the two policy chains' rules. */
export interface Desired {
  sets: Map<string, DesiredSet>;
  ingress: string[];
  egress: string[];
}
