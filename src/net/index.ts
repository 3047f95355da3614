// Node networking beyond the pod network: the service proxy.
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
