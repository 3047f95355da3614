// What the Service defaults, strategy and validation share: the allowed values and small
// predicates over a spec.

import { asArr, strs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';

/** The node-port range the API server allocates from (--service-node-port-range). */
export const NODE_PORT_RANGE = { base: 30000, size: 2768 } as const;
/** The cluster's service IP family (--service-cluster-ip-range is single-stack IPv4). */
export const SERVICE_IP_FAMILY = 'IPv4';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
export const AFFINITIES = ['ClientIP', 'None'];
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
export const TRAFFIC_POLICIES = ['Cluster', 'Local'];
export const IP_FAMILIES = ['IPv4', 'IPv6'];
export const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
export const MAX_AFFINITY_SECONDS = 86400;
export const DEFAULT_AFFINITY_SECONDS = 10800;

// ---- small predicates shared by defaults, strategy and validation ----

export const clusterIPsOf = (spec: Obj): string[] => strs(spec.clusterIPs);
export const isHeadless = (spec: Obj): boolean => {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
};
export const needsClusterIP = (spec: Obj): boolean => spec.type !== 'ExternalName';
export const needsNodePort = (spec: Obj): boolean =>
  spec.type === 'NodePort' || spec.type === 'LoadBalancer';
export const externallyAccessible = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' ||
  spec.type === 'NodePort' ||
  (spec.type === 'ClusterIP' && asArr(spec.externalIPs).length > 0);
export const needsHealthCheck = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
