// HorizontalPodAutoscalers (autoscaling/v2): scale targets by their pods' resource usage.

export { COMPONENT, horizontalPodAutoscalerController } from './controller.js';
export type { PodAutoscalerOptions } from './types.js';
