// The replica calculator (pkg/controller/podautoscaler/replica_calculator.go) for resource
// metrics: the pods' usage against their requests (Utilization) or against a per-pod value
// (AverageValue), with the tolerance around a ratio of 1, pods not yet counted (pending,
// unready during CPU initialization, without metrics) taken as the most conservative
// guess, and no change when that guess reverses the direction.

import { milliValue, parseQuantity } from '../../api/quantity.js';
import type { PodMetrics } from './metrics.js';
import type { Pod } from './types.js';

export interface CalculatorOptions {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
  nowMs: number;
}

export interface ReplicaProposal {
  replicas: number;
  /** Utilization in percent of the requests (Utilization targets only). */
  utilization?: number;
  /** The average usage per pod, in thousandths. */
  rawAverage: bigint;
}

interface PodGroups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const NO_PODS = 'no pods returned by selector while calculating replica count';
const NO_READY_METRICS = 'did not receive metrics for targeted pods (pods might be unready)';

/** groupPods: which pods count, which wait, which have no metrics, which are gone. */
export function groupPods(
  pods: Pod[],
  metrics: PodMetrics,
  resource: string,
  o: CalculatorOptions,
): PodGroups {
  const g: PodGroups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const phase = pod.status?.phase;
    if (pod.metadata.deletionTimestamp || phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (phase === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
      let unready: boolean;
      if (!ready || start === undefined) unready = true;
      else {
        const transition = Date.parse(ready.lastTransitionTime ?? '') || 0;
        if (start + o.cpuInitializationPeriodMs > o.nowMs)
          // Still initializing: a sample counts once a whole window follows readiness.
          unready = ready.status === 'False' || metric.timestampMs < transition + metric.windowMs;
        // Afterwards only a pod that has never been ready is left out.
        else unready = ready.status === 'False' && start + o.initialReadinessDelayMs > transition;
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** calculatePodRequests: each pod's request for the resource, in thousandths. */
export function podRequests(pods: Pod[], container: string, resource: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const pod of pods) {
    let sum = 0n;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const q = parseQuantity(c.resources?.requests?.[resource]);
      if (!q)
        throw new Error(
          `missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name ?? ''}`,
        );
      sum += milliValue(q);
    }
    out.set(pod.metadata.name ?? '', sum);
  }
  return out;
}

/** GetResourceUtilizationRatio. */
function utilizationRatio(
  metrics: Map<string, bigint>,
  requests: Map<string, bigint>,
  target: number,
): { ratio: number; utilization: number; rawAverage: bigint } {
  let usage = 0n;
  let requested = 0n;
  let n = 0n;
  for (const [name, value] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue;
    usage += value;
    requested += request;
    n++;
  }
  if (requested === 0n) throw new Error('no metrics returned matched known pods');
  const utilization = Number((usage * 100n) / requested);
  return { ratio: utilization / target, utilization, rawAverage: usage / n };
}

/** GetMetricUsageRatio. */
function usageRatio(
  metrics: Map<string, bigint>,
  target: bigint,
): { ratio: number; average: bigint } {
  let total = 0n;
  for (const v of metrics.values()) total += v;
  const average = total / BigInt(metrics.size);
  return { ratio: Number(average) / Number(target), average };
}

interface Counted {
  groups: PodGroups;
  usable: Map<string, bigint>;
}

function countable(
  pods: Pod[],
  metrics: PodMetrics,
  resource: string,
  o: CalculatorOptions,
): Counted {
  if (pods.length === 0) throw new Error(NO_PODS);
  const groups = groupPods(pods, metrics, resource, o);
  const usable = new Map<string, bigint>();
  for (const [name, m] of metrics)
    if (!groups.ignored.has(name) && !groups.unready.has(name)) usable.set(name, m.value);
  if (usable.size === 0) throw new Error(NO_READY_METRICS);
  return { groups, usable };
}

/**
 * The shared second pass: pods without metrics count as using `fallback` (scale down) or
 * nothing (scale up), unready pods as nothing when scaling up; no change when that makes
 * the ratio flip sides or fall within the tolerance.
 */
function settle(
  current: number,
  ratio: number,
  c: Counted,
  fallback: (pod: string) => bigint,
  recompute: (m: Map<string, bigint>) => number,
  tolerance: number,
): number {
  const { groups, usable } = c;
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return current;
    return Math.ceil(ratio * groups.ready);
  }
  if (groups.missing.size > 0) {
    if (ratio < 1) for (const pod of groups.missing) usable.set(pod, fallback(pod));
    else if (ratio > 1) for (const pod of groups.missing) usable.set(pod, 0n);
  }
  if (scaleUpWithUnready) for (const pod of groups.unready) usable.set(pod, 0n);
  const next = recompute(usable);
  if (Math.abs(1 - next) <= tolerance || (ratio < 1 && next > 1) || (ratio > 1 && next < 1))
    return current;
  const replicas = Math.ceil(next * usable.size);
  if ((next < 1 && replicas > current) || (next > 1 && replicas < current)) return current;
  return replicas;
}

/** GetResourceReplicas: a Utilization target (percent of the pods' requests). */
export function resourceReplicas(
  current: number,
  target: number,
  resource: string,
  container: string,
  pods: Pod[],
  metrics: PodMetrics,
  o: CalculatorOptions,
): ReplicaProposal {
  const counted = countable(pods, metrics, resource, o);
  const requests = podRequests(pods, container, resource);
  const { ratio, utilization, rawAverage } = utilizationRatio(counted.usable, requests, target);
  // A pod without metrics, when scaling down, is taken at its request (or the target).
  const fallbackPercent = BigInt(Math.max(100, target));
  const replicas = settle(
    current,
    ratio,
    counted,
    (pod) => ((requests.get(pod) ?? 0n) * fallbackPercent) / 100n,
    (m) => utilizationRatio(m, requests, target).ratio,
    o.tolerance,
  );
  return { replicas, utilization, rawAverage };
}

/** GetRawResourceReplicas: an AverageValue target (per-pod usage, in thousandths). */
export function rawResourceReplicas(
  current: number,
  target: bigint,
  resource: string,
  pods: Pod[],
  metrics: PodMetrics,
  o: CalculatorOptions,
): ReplicaProposal {
  const counted = countable(pods, metrics, resource, o);
  const { ratio, average } = usageRatio(counted.usable, target);
  const replicas = settle(
    current,
    ratio,
    counted,
    () => target,
    (m) => usageRatio(m, target).ratio,
    o.tolerance,
  );
  return { replicas, rawAverage: average };
}
