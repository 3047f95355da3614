// Cluster DNS: the Kubernetes DNS specification served from the API's Services and
// EndpointSlices, names outside the cluster forwarded to the host's resolvers.
export {
  startClusterDns,
  DEFAULT_CLUSTER_DOMAIN,
  DNS_PORT,
  METRICS_PORT,
  type ClusterDns,
  type ClusterDnsOptions,
} from './cluster-dns.js';
export { KUBE_DNS_IP, KUBE_DNS_LABELS, KUBE_DNS_NAME, KUBE_DNS_NAMESPACE } from './kube-dns.js';
export { createRecordIndex, DNS_SCHEMA_VERSION, type RecordIndex } from './records.js';
export { createDnsServer, type DnsServer } from './server.js';
export { createForwarder, upstreamsFromResolvConf, parseUpstream } from './forwarder.js';
export { createDnsMetrics } from './metrics.js';
export { projectService, projectEndpointSlice } from './projection.js';
