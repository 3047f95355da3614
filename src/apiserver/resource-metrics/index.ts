// The resource metrics API (metrics.k8s.io/v1beta1) that `kubectl top` reads: what
// metrics-server serves, built in. Every node's /metrics/resource is scraped through an
// injected function, periodically and on demand; usage comes from the last two points.

import { createResourceTable, type ResourceTable } from '../../api/registry.js';
import type { ResourceDef } from '../../api/types.js';
import type { SubresourceHandler } from '../handler.js';
import type { Registry } from '../registry/generic.js';
import { metricsHandler } from './api.js';
import { decodeBatch, type MetricsBatch } from './decode.js';
import { GROUP, VERSION } from './objects.js';
import { MetricsStorage } from './storage.js';

export { decodeBatch, parsePrometheusText } from './decode.js';
export type { MetricsBatch, MetricsPoint, PrometheusSample } from './decode.js';
export { goDuration } from './objects.js';

export interface ResourceMetricsOptions {
  /** The node's /metrics/resource text (through the kubelet client). */
  scrape(node: string): Promise<string>;
  /** Scrape interval (metrics-server's --metric-resolution); 15 s unless given. */
  intervalMs?: number;
}

export const DEFAULT_INTERVAL_MS = 15_000;
/** On-demand scrapes no closer together than this: points need time between them. */
const MIN_REFRESH_GAP_MS = 1000;

const metricsDef = (plural: string, kind: string, namespaced: boolean): ResourceDef => ({
  group: GROUP,
  version: VERSION,
  kind,
  listKind: `${kind}List`,
  plural,
  // metrics-server names no singular for these.
  singular: '',
  namespaced,
  verbs: ['get', 'list'],
  strategy: {},
  // Never stored: served by the handler below.
  virtual: true,
});

export const METRICS_RESOURCES: readonly ResourceDef[] = [
  metricsDef('nodes', 'NodeMetrics', false),
  metricsDef('pods', 'PodMetrics', true),
];

/** The table with the metrics.k8s.io resources added last (aggregated groups follow built-ins). */
export function withMetricsResources(table: ResourceTable): ResourceTable {
  return createResourceTable([...table.all, ...METRICS_RESOURCES]);
}

export interface ResourceMetrics {
  /** Handlers for the resource requests of the group, by `group/plural`. */
  handlers: Map<string, SubresourceHandler>;
  /** Starts scraping (first scrape at once) until stop(). */
  start(registry: Registry, table: ResourceTable): void;
  stop(): void;
  /** One scrape of every node now (tests, and requests that find no second point). */
  scrapeNow(): Promise<void>;
}

export function createResourceMetrics(o: ResourceMetricsOptions): ResourceMetrics {
  const interval = o.intervalMs ?? DEFAULT_INTERVAL_MS;
  const storage = new MetricsStorage(interval);
  let source: { registry: Registry; table: ResourceTable } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  /** When each node's last successful scrape started. */
  const scrapedAt = new Map<string, number>();

  async function cycle(): Promise<void> {
    if (!source) return;
    const def = source.table.byGroupResource('', 'nodes');
    if (!def) return;
    const nodes = (await source.registry.list(def, { namespace: '' })).items;
    const startMs = Date.now();
    // As metrics-server: each node within the interval (at most 10 s), failures left out.
    const timeoutMs = Math.min(interval * 0.9, 10_000);
    const results = await Promise.all(
      nodes.map(async (n) => {
        const name = n.metadata.name ?? '';
        try {
          const text = await withTimeout(o.scrape(name), timeoutMs);
          const b = decodeBatch(text, startMs, name);
          scrapedAt.set(name, startMs);
          return b;
        } catch {
          return undefined;
        }
      }),
    );
    const batch: MetricsBatch = { nodes: new Map(), pods: new Map() };
    for (const b of results) {
      if (!b) continue;
      for (const [k, v] of b.nodes) batch.nodes.set(k, v);
      for (const [k, v] of b.pods) if (!batch.pods.has(k)) batch.pods.set(k, v);
    }
    storage.store(batch);
  }

  const scrapeNow = (): Promise<void> => {
    inFlight ??= cycle()
      .catch(() => undefined)
      .finally(() => (inFlight = undefined));
    return inFlight;
  };

  const handler = metricsHandler({
    storage,
    refresh: async (nodes) => {
      if (inFlight) await inFlight;
      // A node scraped a moment ago is scraped again once the gap has passed.
      const wait = Math.max(
        0,
        ...nodes.map((n) => (scrapedAt.get(n) ?? -Infinity) + MIN_REFRESH_GAP_MS - Date.now()),
      );
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, MIN_REFRESH_GAP_MS)));
      await scrapeNow();
    },
    scraped: (node) => scrapedAt.has(node),
  });
  return {
    handlers: new Map([
      [`${GROUP}/nodes`, handler],
      [`${GROUP}/pods`, handler],
    ]),
    start(registry, table) {
      if (source) return;
      source = { registry, table };
      void scrapeNow();
      timer = setInterval(() => void scrapeNow(), interval);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
    scrapeNow,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error('scrape timed out')), ms);
    t.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(t));
}
