// Node networking components, run by each node as API clients: the service proxy, network
// policy enforcement, cluster DNS and the ingress controller.

// The service proxy (proxy/).
export {
  startServiceProxy,
  proxyModes,
  nftablesProblem,
  PROXY_MODES,
  NFT_TABLE,
  type ServiceProxy,
  type ProxyModeName,
  type ModeFactory,
  type ModeOptions,
  type NodeInfo,
  type ProxyMode,
  type ProxyServicePort,
  type HostCommandRunner,
} from './proxy/index.js';

// NetworkPolicy enforcement (netpol/).
export {
  startNetworkPolicy,
  NETPOL_TABLE,
  type NetworkPolicyEnforcer,
  type NetworkPolicyOptions,
  type NpPod,
} from './netpol/index.js';

// Cluster DNS (dns/).
export * from './dns/index.js';

// The ingress controller (nginx configured from Ingresses).
export {
  startNodeIngress,
  DEFAULT_INGRESS_HTTP_PORT,
  DEFAULT_INGRESS_HTTPS_PORT,
  INGRESS_CA_CERT,
  INGRESS_CA_NAME,
  ensureIngressCa,
  type IngressController,
  type NodeIngressOptions,
} from './ingress/index.js';
