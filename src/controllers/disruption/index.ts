// The disruption controller (kube's disruption-controller); see README.md.
export { COMPONENT, disruptionController } from './controller.js';
