// Resource usage of the node, its pods and containers (kubelet Summary and /metrics/resource),
// and the Node's capacity and allocatable.

export { createStatsProvider } from './provider.js';
export type { NodeStatsProvider, StatsProviderOptions } from './provider.js';
export { statsPodsFrom } from './runtime-pods.js';
export { formatResourceMetrics } from './prometheus.js';
export type { ResourceSample, UsagePoint } from './prometheus.js';
export { hostResources, nodeResources, DEFAULT_MAX_PODS } from './capacity.js';
export type { HostResources, NodeResources } from './capacity.js';
export type {
  ContainerStats,
  CpuStats,
  FsStats,
  InterfaceStats,
  MemoryStats,
  NetworkStats,
  NodeStats,
  PodStats,
  StatsContainer,
  StatsPod,
  StatsProvider,
  Summary,
} from './types.js';
