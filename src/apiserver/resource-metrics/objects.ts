// NodeMetrics and PodMetrics as metrics-server writes them: usage quantities in canonical
// form (CPU as a nano-scaled decimal, `123456789n`; memory binary, `1234Ki`), the window as a
// Go duration, and the Table metrics-server's convertor returns for `kubectl get`.

import { formatQuantity } from '../../api/quantity.js';
import type { KubeObject } from '../../api/types.js';
import type { ContainerUsage, Usage } from './storage.js';

export const GROUP = 'metrics.k8s.io';
export const VERSION = 'v1beta1';
const API_VERSION = `${GROUP}/${VERSION}`;

/** metav1.Time: RFC 3339 in whole seconds. */
const time = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Go's time.Duration.String() for a whole number of milliseconds. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const frac = rest % 1000;
  const secs = frac ? `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : String(s);
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${secs}s`;
}

export function usageList(u: { cpu: bigint; memory: bigint }): { cpu: string; memory: string } {
  return {
    cpu: formatQuantity({ n: u.cpu, exp: -9, format: 'DecimalSI' }),
    memory: formatQuantity({ n: u.memory, exp: 0, format: 'BinarySI' }),
  };
}

const labelsOf = (o: KubeObject): { labels?: Record<string, string> } =>
  o.metadata.labels && Object.keys(o.metadata.labels).length ? { labels: o.metadata.labels } : {};

export function nodeMetrics(node: KubeObject, u: Usage, nowMs: number): KubeObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: {
      name: node.metadata.name ?? '',
      creationTimestamp: time(nowMs),
      ...labelsOf(node),
    },
    timestamp: time(u.timestampMs),
    window: goDuration(u.windowMs),
    usage: usageList(u),
  };
}

export function podMetrics(
  pod: KubeObject,
  u: { containers: ContainerUsage[]; timestampMs: number; windowMs: number },
  nowMs: number,
): KubeObject {
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: {
      name: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? '',
      creationTimestamp: time(nowMs),
      ...labelsOf(pod),
    },
    timestamp: time(u.timestampMs),
    window: goDuration(u.windowMs),
    containers: u.containers.map((c) => ({ name: c.name, usage: usageList(c) })),
  };
}

export const list = (kind: string, items: KubeObject[]): object => ({
  kind: `${kind}List`,
  apiVersion: API_VERSION,
  metadata: {},
  items,
});

/**
 * metrics-server's Table: Name, one column per resource (a pod's summed over containers)
 * and Window. Columns come from the first item; an empty list has none.
 */
export function metricsTable(
  items: KubeObject[],
  includeObject: 'None' | 'Object' | 'Metadata',
): object {
  const usageOf = (o: KubeObject): Record<string, bigint> => {
    const out: Record<string, bigint> = {};
    const add = (u: { cpu: string; memory: string }) => {
      out['cpu'] = (out['cpu'] ?? 0n) + nanos(u.cpu);
      out['memory'] = (out['memory'] ?? 0n) + bytes(u.memory);
    };
    if (o.kind === 'PodMetrics')
      for (const c of (o['containers'] as { usage: { cpu: string; memory: string } }[]) ?? [])
        add(c.usage);
    else add(o['usage'] as { cpu: string; memory: string });
    return out;
  };
  const first = items[0];
  const columns = first
    ? [
        {
          name: 'Name',
          type: 'string',
          format: 'name',
          description: 'Name of the resource',
          priority: 0,
        },
        { name: 'cpu', type: 'string', format: 'quantity', description: '', priority: 0 },
        { name: 'memory', type: 'string', format: 'quantity', description: '', priority: 0 },
        { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
      ]
    : [];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: columns,
    rows: items.map((o) => {
      const u = usageOf(o);
      const q = usageList({ cpu: u['cpu'] ?? 0n, memory: u['memory'] ?? 0n });
      return {
        cells: [o.metadata.name, q.cpu, q.memory, o['window']],
        object:
          includeObject === 'None'
            ? null
            : includeObject === 'Object'
              ? o
              : {
                  kind: 'PartialObjectMetadata',
                  apiVersion: 'meta.k8s.io/v1',
                  metadata: o.metadata,
                },
      };
    }),
  };
}

/** Our own canonical quantities back to integers (n-suffixed CPU, binary memory). */
function nanos(q: string): bigint {
  const m = /^(\d+)(n|u|m|)$/.exec(q);
  if (!m) return 0n;
  const scale = { n: 1n, u: 1000n, m: 1_000_000n, '': 1_000_000_000n }[m[2] as 'n'];
  return BigInt(m[1]!) * scale;
}

function bytes(q: string): bigint {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|)$/.exec(q);
  if (!m) return 0n;
  const bin = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'].indexOf(m[2]!);
  if (bin >= 0) return BigInt(m[1]!) * 1024n ** BigInt(bin);
  const dec = ['', 'k', 'M', 'G', 'T', 'P', 'E'].indexOf(m[2]!);
  return BigInt(m[1]!) * 1000n ** BigInt(dec);
}
