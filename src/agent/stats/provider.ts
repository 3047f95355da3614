// The node's stats source: reads the node from /proc and each container from its cgroup,
// keeps the previous reading per cgroup to turn cumulative CPU time into usageNanoCores
// (as cAdvisor's housekeeping does), and answers the Summary and /metrics/resource.
// Skiff places containers directly under the runtime's cgroup parent (no pod cgroup), so a
// pod's usage is the sum of its containers'.

import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { readCgroup, readCgroupLayout, type CgroupLayout, type CgroupSample } from './cgroup.js';
import { parseNetDev, readNodeSample, type InterfaceStats, type NodeSample } from './proc.js';
import { formatResourceMetrics, type ResourceSample, type UsagePoint } from './prometheus.js';
import type {
  CpuStats,
  FsStats,
  MemoryStats,
  NetworkStats,
  PodStats,
  StatsPod,
  StatsProvider,
  Summary,
} from './types.js';

export interface StatsProviderOptions {
  nodeName: string;
  /** The pods bound here with their running containers and cgroups. */
  pods: () => StatsPod[] | Promise<StatsPod[]>;
  /** Filesystem whose usage is the node's `fs` (the agent's data directory). */
  dataDir?: string;
  /** Where procfs is mounted; /proc unless given. */
  procRoot?: string;
  /** The cgroup hierarchies; read from /proc/self/mountinfo unless given. */
  layout?: CgroupLayout;
  clock?: { now(): Date };
  /**
   * How often usage is sampled in the background so that rates are ready when asked
   * (cAdvisor's housekeeping; 10 s). 0 disables it. Stops when the signal aborts.
   */
  housekeepingMs?: number;
  signal?: AbortSignal;
}

/** Readings closer together than this do not replace the previous one used for rates. */
const MIN_RATE_WINDOW_MS = 1000;
const DEFAULT_HOUSEKEEPING_MS = 10_000;

/** metav1.Time's JSON form: RFC 3339, whole seconds, UTC. */
const rfc3339 = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

interface Reading {
  cpuNanos: number;
  timeMs: number;
}

export interface NodeStatsProvider extends StatsProvider {
  summary(): Promise<Summary>;
  /** The latest readings in the shape /metrics/resource reports. */
  sample(): Promise<ResourceSample>;
}

interface Taken {
  time: Date;
  node: NodeSample;
  nodeRate?: number;
  fs?: FsStats;
  rlimit?: { maxpid: number; curproc: number };
  network?: InterfaceStats[];
  pods: {
    pod: StatsPod;
    network?: InterfaceStats[];
    containers: { name: string; startTime?: Date; sample: CgroupSample; rate?: number }[];
  }[];
}

export function createStatsProvider(o: StatsProviderOptions): NodeStatsProvider {
  const clock = o.clock ?? { now: () => new Date() };
  const procRoot = o.procRoot ?? '/proc';
  let layout: Promise<CgroupLayout> | undefined = o.layout ? Promise.resolve(o.layout) : undefined;
  const previous = new Map<string, Reading>();

  /** usageNanoCores against the previous reading of `key`, which this one may replace. */
  function rate(key: string, cpuNanos: number, timeMs: number): number | undefined {
    const prev = previous.get(key);
    if (!prev || cpuNanos < prev.cpuNanos || timeMs <= prev.timeMs) {
      previous.set(key, { cpuNanos, timeMs });
      return undefined;
    }
    const nanoCores = Math.round(((cpuNanos - prev.cpuNanos) * 1000) / (timeMs - prev.timeMs));
    if (timeMs - prev.timeMs >= MIN_RATE_WINDOW_MS) previous.set(key, { cpuNanos, timeMs });
    return nanoCores;
  }

  async function take(): Promise<Taken> {
    layout ??= readCgroupLayout();
    const l = await layout;
    const pods = await o.pods();
    const time = clock.now();
    const [node, fs, rlimit, network, read] = await Promise.all([
      readNodeSample(procRoot),
      o.dataDir ? fsStats(o.dataDir, time).catch(() => undefined) : undefined,
      rlimitStats(procRoot).catch(() => undefined),
      netDev(join(procRoot, 'net/dev')),
      Promise.all(
        pods.map(async (pod) => ({
          pod,
          network: await podNetwork(procRoot, pod),
          containers: await Promise.all(
            pod.containers.map(async (c) => ({
              name: c.name,
              cgroupsPath: c.cgroupsPath,
              ...(c.startTime ? { startTime: c.startTime } : {}),
              sample: await readCgroup(l, c.cgroupsPath),
            })),
          ),
        })),
      ),
    ]);
    const t = time.getTime();
    const live = new Set<string>(['/']);
    const taken: Taken = {
      time,
      node,
      ...(fs ? { fs } : {}),
      ...(rlimit ? { rlimit } : {}),
      ...(network ? { network } : {}),
      pods: read.map((p) => ({
        pod: p.pod,
        ...(p.network ? { network: p.network } : {}),
        containers: p.containers.map((c) => {
          live.add(c.cgroupsPath);
          const r =
            c.sample.cpuNanos === undefined ? undefined : rate(c.cgroupsPath, c.sample.cpuNanos, t);
          const { cgroupsPath: _path, ...rest } = c;
          return { ...rest, ...(r !== undefined ? { rate: r } : {}) };
        }),
      })),
    };
    const nodeRate = rate('/', node.cpuNanos, t);
    if (nodeRate !== undefined) taken.nodeRate = nodeRate;
    // Containers gone take their previous readings with them.
    for (const k of previous.keys()) if (!live.has(k)) previous.delete(k);
    return taken;
  }

  const every = o.housekeepingMs ?? DEFAULT_HOUSEKEEPING_MS;
  if (every > 0 && !o.signal?.aborted) {
    const timer = setInterval(() => void take().catch(() => undefined), every);
    timer.unref();
    o.signal?.addEventListener('abort', () => clearInterval(timer), { once: true });
    void take().catch(() => undefined);
  }

  return {
    async summary() {
      return toSummary(o.nodeName, await take());
    },
    async sample() {
      return toSample(await take());
    },
    async resourceMetrics() {
      try {
        return formatResourceMetrics(toSample(await take()));
      } catch {
        return formatResourceMetrics(undefined, true);
      }
    },
  };
}

async function netDev(path: string): Promise<InterfaceStats[] | undefined> {
  try {
    return parseNetDev(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A pod's network: any of its containers' processes sees the pod's namespace. */
async function podNetwork(procRoot: string, pod: StatsPod): Promise<InterfaceStats[] | undefined> {
  for (const c of pod.containers) {
    if (!c.pid) continue;
    const n = await netDev(join(procRoot, String(c.pid), 'net/dev'));
    if (n) return n;
  }
  return undefined;
}

/** The kubelet's NetworkStats: eth0's counters inline (when there is an eth0), all interfaces. */
function networkStats(time: Date, interfaces: InterfaceStats[]): NetworkStats {
  const eth0 = interfaces.find((i) => i.name === 'eth0');
  return { time: rfc3339(time), ...(eth0 ?? {}), interfaces };
}

function cpuStats(time: Date, nanos: number, rate: number | undefined): CpuStats {
  return {
    time: rfc3339(time),
    ...(rate !== undefined ? { usageNanoCores: rate } : {}),
    usageCoreNanoSeconds: nanos,
  };
}

function memoryStats(
  time: Date,
  m: Omit<MemoryStats, 'time' | 'availableBytes'>,
  limit: number | undefined,
): MemoryStats {
  return {
    time: rfc3339(time),
    ...(limit !== undefined ? { availableBytes: Math.max(0, limit - m.workingSetBytes) } : {}),
    usageBytes: m.usageBytes,
    workingSetBytes: m.workingSetBytes,
    rssBytes: m.rssBytes,
    pageFaults: m.pageFaults,
    majorPageFaults: m.majorPageFaults,
  };
}

function toSummary(nodeName: string, t: Taken): Summary {
  const { time, node } = t;
  const pods: PodStats[] = t.pods.map(({ pod, containers, network }) => {
    const podStart = pod.startTime ?? time;
    const withCpu = containers.filter((c) => c.sample.cpuNanos !== undefined);
    const withMem = containers.filter((c) => c.sample.memory);
    const sum = (f: (c: (typeof containers)[number]) => number) =>
      containers.reduce((a, c) => a + f(c), 0);
    const out: PodStats = {
      podRef: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      startTime: rfc3339(podStart),
      containers: containers.map((c) => ({
        name: c.name,
        startTime: rfc3339(c.startTime ?? podStart),
        ...(c.sample.cpuNanos !== undefined
          ? { cpu: cpuStats(time, c.sample.cpuNanos, c.rate) }
          : {}),
        ...(c.sample.memory
          ? { memory: memoryStats(time, c.sample.memory, c.sample.memory.limitBytes) }
          : {}),
      })),
    };
    if (containers.length && withCpu.length === containers.length) {
      const rates = containers.every((c) => c.rate !== undefined)
        ? sum((c) => c.rate ?? 0)
        : undefined;
      out.cpu = cpuStats(
        time,
        sum((c) => c.sample.cpuNanos ?? 0),
        rates,
      );
    }
    if (containers.length && withMem.length === containers.length) {
      out.memory = memoryStats(
        time,
        {
          usageBytes: sum((c) => c.sample.memory?.usageBytes ?? 0),
          workingSetBytes: sum((c) => c.sample.memory?.workingSetBytes ?? 0),
          rssBytes: sum((c) => c.sample.memory?.rssBytes ?? 0),
          pageFaults: sum((c) => c.sample.memory?.pageFaults ?? 0),
          majorPageFaults: sum((c) => c.sample.memory?.majorPageFaults ?? 0),
        },
        undefined,
      );
    }
    if (network) out.network = networkStats(time, network);
    return out;
  });
  return {
    node: {
      nodeName,
      startTime: rfc3339(node.bootTime ?? time),
      cpu: cpuStats(time, node.cpuNanos, t.nodeRate),
      memory: memoryStats(time, node, node.memTotal),
      ...(t.network ? { network: networkStats(time, t.network) } : {}),
      ...(t.fs ? { fs: t.fs } : {}),
      ...(t.rlimit ? { rlimit: { time: rfc3339(time), ...t.rlimit } } : {}),
    },
    pods,
  };
}

function toSample(t: Taken): ResourceSample {
  const { time } = t;
  const point = (cpuNanos: number | undefined, workingSet: number | undefined): UsagePoint => ({
    ...(cpuNanos !== undefined ? { cpu: { usageCoreNanoSeconds: cpuNanos, time } } : {}),
    ...(workingSet !== undefined ? { memory: { workingSetBytes: workingSet, time } } : {}),
  });
  return {
    node: point(t.node.cpuNanos, t.node.workingSetBytes),
    pods: t.pods.map(({ pod, containers }) => {
      const all = containers.length > 0;
      const cpu = containers.every((c) => c.sample.cpuNanos !== undefined)
        ? containers.reduce((a, c) => a + (c.sample.cpuNanos ?? 0), 0)
        : undefined;
      const mem = containers.every((c) => c.sample.memory)
        ? containers.reduce((a, c) => a + (c.sample.memory?.workingSetBytes ?? 0), 0)
        : undefined;
      return {
        name: pod.name,
        namespace: pod.namespace,
        ...(all ? point(cpu, mem) : {}),
        containers: containers.map((c) => ({
          name: c.name,
          ...(c.startTime ? { startTime: c.startTime } : {}),
          ...point(c.sample.cpuNanos, c.sample.memory?.workingSetBytes),
        })),
      };
    }),
  };
}

async function fsStats(dir: string, time: Date): Promise<FsStats> {
  const s = await statfs(dir);
  return {
    time: rfc3339(time),
    availableBytes: s.bavail * s.bsize,
    capacityBytes: s.blocks * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    inodesFree: s.ffree,
    inodes: s.files,
    inodesUsed: s.files - s.ffree,
  };
}

/** The kubelet's rlimit stats: pid_max and the number of threads (procs in sysinfo). */
async function rlimitStats(procRoot: string): Promise<{ maxpid: number; curproc: number }> {
  const [pidMax, loadavg] = await Promise.all([
    readFile(join(procRoot, 'sys/kernel/pid_max'), 'utf8'),
    readFile(join(procRoot, 'loadavg'), 'utf8'),
  ]);
  const total = /\d+\/(\d+)/.exec(loadavg)?.[1];
  return { maxpid: Number(pidMax.trim()), curproc: Number(total ?? 0) };
}
