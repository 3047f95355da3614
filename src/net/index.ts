// Node networking components, run by each node as API clients.

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

// Cluster DNS (dns/).
export * from './dns/index.js';
