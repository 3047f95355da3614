// A node's share of the cluster: what its pods request and are limited to (as `kubectl
// describe node` sums them), and its use from NodeMetrics against what it can give.

import type { KObject } from '../api/reducer.js';
import { parseQuantity } from './quantity.js';

export interface Resources {
  cpu: number;
  memory: number;
}

const read = (list: Record<string, string> | undefined, key: 'cpu' | 'memory'): number => {
  const v = parseQuantity(list?.[key]);
  return Number.isFinite(v) ? v : 0;
};

/**
 * A pod's requests or limits: its containers summed, but at least its largest init container
 * (they run one at a time, before the others), plus the pod's overhead.
 */
export function podResources(pod: KObject, which: 'requests' | 'limits'): Resources {
  const sum: Resources = { cpu: 0, memory: 0 };
  for (const c of (pod.spec?.containers ?? []) as any[]) {
    sum.cpu += read(c.resources?.[which], 'cpu');
    sum.memory += read(c.resources?.[which], 'memory');
  }
  for (const c of (pod.spec?.initContainers ?? []) as any[]) {
    sum.cpu = Math.max(sum.cpu, read(c.resources?.[which], 'cpu'));
    sum.memory = Math.max(sum.memory, read(c.resources?.[which], 'memory'));
  }
  sum.cpu += read(pod.spec?.overhead, 'cpu');
  sum.memory += read(pod.spec?.overhead, 'memory');
  return sum;
}

/** Requests and limits of the pods that hold a place on a node (not finished ones). */
export function allocated(pods: Iterable<KObject>): { requests: Resources; limits: Resources } {
  const requests: Resources = { cpu: 0, memory: 0 };
  const limits: Resources = { cpu: 0, memory: 0 };
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const r = podResources(p, 'requests');
    const l = podResources(p, 'limits');
    requests.cpu += r.cpu;
    requests.memory += r.memory;
    limits.cpu += l.cpu;
    limits.memory += l.memory;
  }
  return { requests, limits };
}

export function nodeCapacity(node: KObject, which: 'capacity' | 'allocatable'): Resources {
  return { cpu: read(node.status?.[which], 'cpu'), memory: read(node.status?.[which], 'memory') };
}

export function metricsUsage(m: KObject | undefined): Resources | undefined {
  if (!m?.usage) return undefined;
  return { cpu: read(m.usage, 'cpu'), memory: read(m.usage, 'memory') };
}

/** `Ready`, `NotReady`, plus `SchedulingDisabled` as kubectl prints a node's status. */
export function nodeStatus(node: KObject): string {
  const ready = ((node.status?.conditions ?? []) as any[]).find((c) => c.type === 'Ready');
  const word = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${word},SchedulingDisabled` : word;
}

/** The node's roles from its `node-role.kubernetes.io/<role>` labels. */
export function nodeRoles(node: KObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  return roles.length ? roles.sort().join(',') : '<none>';
}

export function internalAddress(node: KObject): string {
  const as: any[] = node.status?.addresses ?? [];
  return (as.find((a) => a.type === 'InternalIP') ?? as[0])?.address ?? '';
}
