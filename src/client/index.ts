// Skiff's client: how every component reaches the API server.
export {
  createHttpsTransport,
  createInProcessTransport,
  type Transport,
  type InProcessHandler,
  type HttpsTransportOptions,
} from './transport.js';
export {
  createClient,
  resourcePath,
  StatusError,
  isNotFound,
  isConflict,
  isAlreadyExists,
  type Client,
  type ResourceRef,
  type ListOptions,
  type ObjectList,
  type WatchEvent,
  type PatchType,
} from './rest.js';
export {
  createInformer,
  keyOf,
  splitKey,
  type Informer,
  type InformerOptions,
  type EventHandlers,
} from './informer.js';
export { createWorkQueue, type WorkQueue } from './workqueue.js';
export {
  createServiceEndpoints,
  upsert,
  type ServiceEndpoints,
  type ServiceEndpointsOptions,
} from './service-endpoints.js';
export { createEventRecorder, type EventRecorder, type EventType } from './events.js';
export * as resources from './resources.js';
export {
  renderAdminKubeconfig,
  parseKubeconfig,
  loadKubeconfig,
  mergeKubeconfigs,
  mergeContextInto,
  clientOptionsFromKubeconfig,
} from './kubeconfig.js';
