// The built-in load-balancer controller (k3s ServiceLB style).
export { createLoadBalancerController, type LoadBalancerOptions } from './controller.js';
export { parseAddressPool } from './pool.js';
export { LOAD_BALANCER_CLASS } from './types.js';
