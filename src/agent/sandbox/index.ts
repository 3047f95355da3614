// Pod sandbox networking: the node bridge, one network namespace per pod, host-local
// address management, and the files every pod gets (/etc/hosts, hostname, resolv.conf).

export {
  createPodNetwork,
  type NodeNetworkReport,
  type PodNetwork,
  type PodNetworkOptions,
  type PodNetworkStatus,
} from './network.js';
export type { Allocation, Ipam } from './ipam.js';
export { renderPodFiles, type NodeFiles, type PodFiles, type PodForFiles } from './files.js';
export {
  podHostnameAndDomain,
  renderHostNetworkHostsFile,
  renderHostnameFile,
  renderHostsFile,
  type HostAlias,
} from './hosts.js';
export {
  parseResolvConf,
  podResolvConf,
  renderResolvConf,
  type DNSSettings,
  type PodDNSConfig,
  type ResolvConfig,
} from './resolv.js';
export { checkPodNetworkHost, type Missing } from './preflight.js';
export { CommandError } from './exec.js';
