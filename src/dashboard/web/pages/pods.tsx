// Pods: the generic list with the pod view (ready, status, restarts, memory, node, IP).
// The pure column helpers live in kinds/status.ts; they are re-exported for older imports.

import { listPage } from './list.js';
import { pods } from './views/workloads.js';

export { podReady, podRestarts, podStatus } from '../kinds/status.js';

export const PodsPage = listPage(pods);
