// DaemonSets (apps/v1): one daemon pod on every node that should run it.

export { daemonSetController, daemonSetKind } from './controller.js';
