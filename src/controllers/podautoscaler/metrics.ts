// The resource metrics client (pkg/controller/podautoscaler/metrics): the PodMetrics of a
// namespace's pods matching the target's selector, read from metrics.k8s.io/v1beta1
// through the API server, each pod's usage of one resource summed over its containers
// (or one container's) in thousandths.

import { milliValue, parseQuantity } from '../../api/quantity.js';
import type { Client } from '../../client/index.js';

export interface PodMetric {
  /** When the sample was taken, and the window it covers. */
  timestampMs: number;
  windowMs: number;
  /** Usage in thousandths (millicores, millibytes). */
  value: bigint;
}

export type PodMetrics = Map<string, PodMetric>;

interface PodMetricsItem {
  metadata?: { name?: string };
  timestamp?: string;
  window?: string;
  containers?: { name?: string; usage?: Record<string, string> }[];
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** time.ParseDuration for the forms metrics-server writes (`15s`, `1m0.5s`, `500ms`). */
export function parseGoDuration(text: string): number {
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 1e-3,
    ns: 1e-6,
  };
  let ms = 0;
  for (const [, n = '0', unit = 's'] of text.matchAll(/([0-9.]+)(h|ms|m|s|us|ns)/g))
    ms += Number(n) * (units[unit] ?? 0);
  return ms;
}

/** GetResourceMetric: pod name → usage, and the first item's timestamp. */
export async function resourceMetrics(
  client: Client,
  namespace: string,
  selector: string,
  resource: string,
  container: string,
): Promise<{ metrics: PodMetrics; timestampMs: number }> {
  let items: PodMetricsItem[];
  try {
    const q = new URLSearchParams({ labelSelector: selector });
    const list = (await client.raw(
      'GET',
      `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods?${q}`,
    )) as { items?: PodMetricsItem[] };
    items = list.items ?? [];
  } catch (e) {
    throw new Error(`unable to fetch metrics from resource metrics API: ${errorText(e)}`);
  }
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const metrics: PodMetrics = new Map();
  for (const item of items) {
    const name = item.metadata?.name ?? '';
    const sample = {
      timestampMs: Date.parse(item.timestamp ?? '') || 0,
      windowMs: parseGoDuration(item.window ?? ''),
    };
    const containers = item.containers ?? [];
    if (container) {
      const c = containers.find((x) => x.name === container);
      const q = parseQuantity(c?.usage?.[resource]);
      if (!c || !q)
        throw new Error(
          `failed to get container metrics: container ${container} not present in metrics for pod ${namespace}/${name}`,
        );
      metrics.set(name, { ...sample, value: milliValue(q) });
      continue;
    }
    // A pod one of whose containers lacks the resource has no usage at all.
    let sum = 0n;
    let missing = containers.length === 0;
    for (const c of containers) {
      const q = parseQuantity(c.usage?.[resource]);
      if (!q) {
        missing = true;
        break;
      }
      sum += milliValue(q);
    }
    if (!missing) metrics.set(name, { ...sample, value: sum });
  }
  return { metrics, timestampMs: Date.parse(items[0]?.timestamp ?? '') || 0 };
}
