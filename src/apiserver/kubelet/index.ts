// The API server's way to its nodes' kubelets, found from the Node objects.

export {
  createKubeletClient,
  type KubeletClient,
  type KubeletClientOptions,
  type KubeletCredentials,
  type KubeletResponse,
} from './client.js';
export {
  DEFAULT_KUBELET_PORT,
  PREFERRED_ADDRESS_TYPES,
  joinHostPort,
  kubeletEndpoint,
  type KubeletEndpoint,
} from './connection.js';
