// The endpoints controller, and the pod/endpoint helpers the EndpointSlice controllers share.
export { endpointsController } from './controller.js';
export { repackSubsets } from './repack.js';
export {
  findPort,
  hasSelector,
  isHeadless,
  isPodReady,
  podIPs,
  selects,
  servicesForPod,
  servicesForPodUpdate,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pods.js';
export { createTriggerTimeTracker, type TriggerTimeTracker } from './triggertime.js';
export { fnv128aHex, goInt, goPtr, goString, goStruct, spewSharpV } from './gohash.js';
export {
  HEADLESS_LABEL,
  LAST_CHANGE_TRIGGER_TIME,
  LEADER_ANNOTATION,
  type EndpointAddress,
  type EndpointPort,
  type EndpointSubset,
  type Endpoints,
  type ObjectReference,
  type Pod,
  type Service,
} from './types.js';
