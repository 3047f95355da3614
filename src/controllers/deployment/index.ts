// The Deployment controller: ReplicaSets per pod template, rolling and recreate rollouts,
// proportional scaling, revision history and Deployment status.
export { deploymentController } from './controller.js';
