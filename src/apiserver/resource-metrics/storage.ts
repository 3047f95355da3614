// metrics-server's storage: the last two points of each node and container, and usage from
// them (CPU = Δ cumulative CPU / Δ time, memory = the last working set). A point replaces
// the last only when newer; a container restarted between points starts over, and a
// container younger than one scrape interval (but at least 10 s old) counts from its start.

import type { MetricsBatch, MetricsPoint } from './decode.js';

/** Below this age a fresh container's start is too close to give an accurate rate. */
const FRESH_CONTAINER_MIN_MS = 10_000;

export interface Usage {
  /** Nanocores. */
  cpu: bigint;
  /** Bytes. */
  memory: bigint;
  timestampMs: number;
  windowMs: number;
}

export interface ContainerUsage extends Usage {
  name: string;
}

/** Go's time.Duration.Seconds() for a whole number of milliseconds. */
function seconds(ms: number): number {
  const sec = Math.trunc(ms / 1000);
  const nsec = (ms % 1000) * 1e6;
  return sec + nsec / 1e9;
}

/** metrics-server's resourceUsage; undefined where it reports an error and skips the point. */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): Usage | undefined {
  if ((last.startMs ?? -Infinity) < (prev.startMs ?? -Infinity)) return undefined;
  if (last.cumulativeCpuNanos < prev.cumulativeCpuNanos) return undefined;
  const windowMs = last.timestampMs - prev.timestampMs;
  const rate = Number(last.cumulativeCpuNanos - prev.cumulativeCpuNanos) / seconds(windowMs);
  return {
    cpu: Number.isFinite(rate) && rate > 0 ? BigInt(Math.trunc(rate)) : 0n,
    memory: last.memoryBytes,
    timestampMs: last.timestampMs,
    windowMs,
  };
}

export class MetricsStorage {
  private lastNodes = new Map<string, MetricsPoint>();
  private prevNodes = new Map<string, MetricsPoint>();
  private lastPods = new Map<string, Map<string, MetricsPoint>>();
  private prevPods = new Map<string, Map<string, MetricsPoint>>();

  private readonly resolutionMs: number;

  /** `resolutionMs`: the scrape interval (metrics-server's --metric-resolution). */
  constructor(resolutionMs: number) {
    this.resolutionMs = resolutionMs;
  }

  store(batch: MetricsBatch): void {
    const lastNodes = new Map<string, MetricsPoint>();
    const prevNodes = new Map<string, MetricsPoint>();
    for (const [name, p] of batch.nodes) {
      lastNodes.set(name, p);
      const last = this.lastNodes.get(name);
      if (!last) continue;
      if (p.timestampMs > last.timestampMs) prevNodes.set(name, last);
      else {
        const prev = this.prevNodes.get(name);
        if (prev && prev.timestampMs < p.timestampMs) prevNodes.set(name, prev);
      }
    }
    this.lastNodes = lastNodes;
    this.prevNodes = prevNodes;

    const lastPods = new Map<string, Map<string, MetricsPoint>>();
    const prevPods = new Map<string, Map<string, MetricsPoint>>();
    for (const [key, containers] of batch.pods) {
      const newLast = new Map<string, MetricsPoint>();
      const newPrev = new Map<string, MetricsPoint>();
      for (const [name, p] of containers) {
        newLast.set(name, p);
        const age = p.startMs === undefined ? Infinity : p.timestampMs - p.startMs;
        if (age > 0 && age < this.resolutionMs && age >= FRESH_CONTAINER_MIN_MS) {
          newPrev.set(name, { ...p, timestampMs: p.startMs!, cumulativeCpuNanos: 0n });
          continue;
        }
        const last = this.lastPods.get(key)?.get(name);
        // A start after the stored point is a restart: its points do not pair.
        if (!last || !((p.startMs ?? -Infinity) < last.timestampMs)) continue;
        if (p.timestampMs > last.timestampMs) newPrev.set(name, last);
        else {
          const prev = this.prevPods.get(key)?.get(name);
          if (prev && prev.timestampMs < p.timestampMs) newPrev.set(name, prev);
        }
      }
      if (newPrev.size) prevPods.set(key, newPrev);
      lastPods.set(key, newLast);
    }
    this.lastPods = lastPods;
    this.prevPods = prevPods;
  }

  /** Whether a node (or, without a name, any node) has the two points usage needs. */
  hasNode(name?: string): boolean {
    return name === undefined ? this.prevNodes.size > 0 : this.prevNodes.has(name);
  }

  hasPod(key?: string): boolean {
    return key === undefined ? this.prevPods.size > 0 : this.prevPods.has(key);
  }

  /** Whether a node or pod has a last point (a second scrape would pair with it). */
  hasLastNode(name: string): boolean {
    return this.lastNodes.has(name);
  }

  hasLastPod(key: string): boolean {
    return this.lastPods.has(key);
  }

  nodeUsage(name: string): Usage | undefined {
    const last = this.lastNodes.get(name);
    const prev = this.prevNodes.get(name);
    return last && prev ? resourceUsage(last, prev) : undefined;
  }

  /**
   * The pod's containers' usage with the earliest container timestamp and its window;
   * undefined unless every container has two points.
   */
  podUsage(
    key: string,
  ): { containers: ContainerUsage[]; timestampMs: number; windowMs: number } | undefined {
    const last = this.lastPods.get(key);
    const prev = this.prevPods.get(key);
    if (!last || !prev) return undefined;
    const containers: ContainerUsage[] = [];
    let earliest: Usage | undefined;
    for (const [name, l] of last) {
      const p = prev.get(name);
      if (!p) return undefined;
      const u = resourceUsage(l, p);
      if (!u) continue;
      containers.push({ name, ...u });
      if (!earliest || earliest.timestampMs > u.timestampMs) earliest = u;
    }
    return {
      containers,
      timestampMs: earliest?.timestampMs ?? 0,
      windowMs: earliest?.windowMs ?? 0,
    };
  }
}
