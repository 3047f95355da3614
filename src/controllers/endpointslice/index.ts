// The EndpointSlice controller (slices for services with a selector) and the mirroring
// controller (slices for hand-written Endpoints of services without one).
export {
  endpointSliceController,
  createEndpointSliceController,
  type EndpointSliceControllerOptions,
} from './controller.js';
export {
  endpointSliceMirroringController,
  createEndpointSliceMirroringController,
  type MirroringControllerOptions,
} from './mirroring.js';
