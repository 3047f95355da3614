// The API server's /metrics: a small registry of our own, the Prometheus text format, and
// kube-apiserver's request and storage metrics.

export { createApiServerMetrics, type ApiServerMetrics } from './apiserver.js';
export { MetricsRegistry, TEXT_CONTENT_TYPE } from './registry.js';
export { parseExposition, select, type Exposition, type Sample } from './text-format.js';
