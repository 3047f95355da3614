// NetworkPolicy enforcement on a node (the part of a network plugin that runs beside the
// kubelet): Pods, Namespaces and NetworkPolicies in, the table `inet skiff-netpol` out.

export {
  startNetworkPolicy,
  type NetworkPolicyEnforcer,
  type NetworkPolicyOptions,
} from './enforcer.js';
export { NETPOL_TABLE } from './nft.js';
export type { NpPod } from './types.js';
