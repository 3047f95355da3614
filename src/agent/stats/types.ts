// The kubelet's stats/v1alpha1 Summary (the subset Skiff fills in) and what the node's
// server asks of a stats source. Times are RFC 3339 strings as metav1.Time marshals them.

/** What the node's API server serves /stats/summary and /metrics/resource from. */
export interface StatsProvider {
  /** kubelet stats/v1alpha1 Summary (node, pods, containers). */
  summary(): Promise<unknown>;
  /** Prometheus text as the kubelet's /metrics/resource. */
  resourceMetrics(): Promise<string>;
}

export interface CpuStats {
  time: string;
  /** Average usage since the previous sample, in billionths of a core; absent on the first. */
  usageNanoCores?: number;
  /** Cumulative CPU time in nanoseconds. */
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  /** Limit (or capacity) minus working set; absent without a limit. */
  availableBytes?: number;
  usageBytes: number;
  /** Usage minus inactive file pages: what the kubelet evicts on and `kubectl top` shows. */
  workingSetBytes: number;
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
}

export interface FsStats {
  time: string;
  availableBytes: number;
  capacityBytes: number;
  usedBytes: number;
  inodesFree: number;
  inodes: number;
  inodesUsed: number;
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

/** The default interface's counters inline (eth0, as the kubelet names it), then every interface. */
export interface NetworkStats extends Partial<InterfaceStats> {
  time: string;
  interfaces: InterfaceStats[];
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
}

export interface NodeStats {
  nodeName: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  fs?: FsStats;
  rlimit?: { time: string; maxpid: number; curproc: number };
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** A container whose usage the provider reads: its cgroup, as the runtime placed it. */
export interface StatsContainer {
  name: string;
  /** The OCI `linux.cgroupsPath` (cgroupfs form, e.g. /skiff/<id>). */
  cgroupsPath: string;
  startTime?: Date;
  /** Host pid of its first process: its /proc/<pid>/net/dev is the pod's network. */
  pid?: number;
}

/** A pod bound to this node with its running containers. */
export interface StatsPod {
  name: string;
  namespace: string;
  uid: string;
  startTime?: Date;
  containers: StatsContainer[];
}
