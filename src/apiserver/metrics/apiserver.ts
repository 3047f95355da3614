// The API server's metrics, named and labelled as kube-apiserver's
// (k8s.io/apiserver/pkg/endpoints/metrics and pkg/storage): requests by verb, resource and
// code, their latency, open long-running requests (watches, logs), stored objects per
// resource and storage latency, plus the process's own figures.

import { readdirSync } from 'node:fs';
import { notFoundGeneric } from '../../api/errors.js';
import type { ResourceTable } from '../../api/registry.js';
import type { Store } from '../../storage/index.js';
import type { RequestInfo } from '../request-info.js';
import type { ApiRequest, ApiResponse, VersionInfo } from '../types.js';
import { MetricsRegistry, TEXT_CONTENT_TYPE } from './registry.js';
import { instrumentStore, storageTypeOf } from './storage.js';

/** kube-apiserver's buckets for request and storage latency, in seconds. */
export const LATENCY_BUCKETS = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45,
  60,
];

/** kube-apiserver's buckets for etcd_request_duration_seconds (finer below a second). */
export const STORAGE_LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

const COMPONENT = 'apiserver';
const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope'];
// The verbs reported as such; anything else is counted as `other`.
const VERBS = new Set([
  'APPLY',
  'CONNECT',
  'CREATE',
  'DELETE',
  'DELETECOLLECTION',
  'GET',
  'LIST',
  'PATCH',
  'POST',
  'PROXY',
  'PUT',
  'UPDATE',
  'WATCH',
  'WATCHLIST',
]);
const CONNECT_SUBRESOURCES = new Set(['log', 'exec', 'portforward', 'attach', 'proxy']);
// Non-resource paths counted by path. Others are not counted: health checks answer any
// sub-path, so counting every path would let any caller grow the label set without bound
// (discovery and OpenAPI paths of unknown groups are 404s, which are not counted).
const NON_RESOURCE_PATHS =
  /^\/((api|apis|openapi\/v3)(\/[^/]+){0,3}|version|metrics|openapi\/v2|(healthz|livez|readyz)(\/(ping|etcd))?)\/?$/;

type ApiHandler = (req: ApiRequest) => Promise<ApiResponse>;

export interface ApiServerMetrics {
  readonly registry: MetricsRegistry;
  /** Marks a request as past authentication and authorization, so it is counted. */
  admitted(req: ApiRequest, info: RequestInfo): void;
  /** Counts and times each admitted request (a streamed one when its stream ends). */
  instrument(handler: ApiHandler): ApiHandler;
  /** Storage with its latency recorded as etcd_request_duration_seconds. */
  instrumentStore(store: Store): Store;
  /** The /metrics response. */
  respond(req: ApiRequest): Promise<ApiResponse>;
}

export interface ApiServerMetricsOptions {
  table: ResourceTable;
  /** Counted for apiserver_storage_objects at each scrape. */
  store: Store;
  version: VersionInfo;
}

/** The scope label: `resource` for one object (or a create), else namespace or cluster. */
export function scopeOf(info: RequestInfo): string {
  if (info.name || (info.isResourceRequest && info.verb === 'create')) return 'resource';
  if (info.namespace) return 'namespace';
  return info.isResourceRequest ? 'cluster' : '';
}

const truthy = (v: string | null): boolean =>
  v !== null && v.toLowerCase() !== '0' && v.toLowerCase() !== 'false';

/** The verb label as kube-apiserver reports it (LIST vs GET, WATCH, APPLY, CONNECT…). */
export function reportedVerb(req: ApiRequest, info: RequestInfo): string {
  const scope = scopeOf(info);
  let verb = req.method.toUpperCase();
  if (verb === 'GET' || verb === 'HEAD')
    verb = scope !== 'resource' && scope !== '' ? 'LIST' : 'GET';
  if (
    info.verb === 'watch' ||
    ((verb === 'GET' || verb === 'LIST') && truthy(req.url.searchParams.get('watch')))
  )
    verb = 'WATCH';
  if (verb === 'PATCH' && req.headers['content-type'] === 'application/apply-patch+yaml')
    verb = 'APPLY';
  if (info.isResourceRequest && CONNECT_SUBRESOURCES.has(info.subresource)) verb = 'CONNECT';
  return VERBS.has(verb) ? verb : 'other';
}

/** The dry_run label: the sorted distinct values, or `invalid`. */
export function dryRunOf(url: URL): string {
  const values = url.searchParams.getAll('dryRun');
  if (!values.length) return '';
  if (values.some((v) => v !== 'All')) return 'invalid';
  return [...new Set(values)].sort().join(',');
}

export function createApiServerMetrics(o: ApiServerMetricsOptions): ApiServerMetrics {
  const registry = new MetricsRegistry();
  const requests = registry.counter({
    name: 'apiserver_request_total',
    help: '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    labels: [...REQUEST_LABELS, 'component', 'code'],
  });
  const latency = registry.histogram({
    name: 'apiserver_request_duration_seconds',
    help: '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    labels: [...REQUEST_LABELS, 'component'],
    buckets: LATENCY_BUCKETS,
  });
  const longRunning = registry.gauge({
    name: 'apiserver_longrunning_requests',
    help: '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
    labels: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
  });
  const deprecatedApis = registry.gauge({
    name: 'apiserver_requested_deprecated_apis',
    help: '[STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.',
    labels: ['group', 'version', 'resource', 'subresource', 'removed_release'],
  });
  const storageObjects = registry.gauge({
    name: 'apiserver_storage_objects',
    help: '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
    labels: ['resource'],
  });
  const storageLatency = registry.histogram({
    name: 'etcd_request_duration_seconds',
    help: '[ALPHA] Etcd request latency in seconds for each operation and object type.',
    labels: ['operation', 'type'],
    buckets: STORAGE_LATENCY_BUCKETS,
  });
  const storageRequests = registry.counter({
    name: 'etcd_requests_total',
    help: '[ALPHA] Etcd request counts for each operation and object type.',
    labels: ['operation', 'type'],
  });
  const storageErrors = registry.counter({
    name: 'etcd_request_errors_total',
    help: '[ALPHA] Etcd failed request counts for each operation and object type.',
    labels: ['operation', 'type'],
  });
  const buildInfo = registry.gauge({
    name: 'kubernetes_build_info',
    help: "[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.",
    labels: [
      'build_date',
      'compiler',
      'git_commit',
      'git_tree_state',
      'git_version',
      'go_version',
      'major',
      'minor',
      'platform',
    ],
  });
  const v = o.version;
  buildInfo.set(
    {
      build_date: v.buildDate,
      compiler: v.compiler,
      git_commit: v.gitCommit,
      git_tree_state: v.gitTreeState,
      git_version: v.gitVersion,
      go_version: v.goVersion,
      major: v.major,
      minor: v.minor,
      platform: v.platform,
    },
    1,
  );
  registerProcessMetrics(registry);

  // Stored objects per resource, counted at each scrape (one count per storage prefix).
  registry.onCollect(async () => {
    const seen = new Set<string>();
    for (const def of o.table.all) {
      if (def.virtual) continue;
      const g = def.storageOf?.group ?? def.group;
      const p = def.storageOf?.plural ?? def.plural;
      const prefix = `/registry/${g || 'core'}/${p}/`;
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      const resource = storageTypeOf(prefix);
      storageObjects.set({ resource }, await o.store.count(prefix).catch(() => -1));
    }
  });

  const admittedRequests = new WeakMap<ApiRequest, RequestInfo>();

  /** Request labels, or undefined for a request that is not counted (unknown resource/path). */
  function labelsOf(req: ApiRequest, info: RequestInfo, status: number) {
    const common = {
      verb: reportedVerb(req, info),
      dry_run: dryRunOf(req.url),
      scope: scopeOf(info),
      component: COMPONENT,
    };
    if (info.isResourceRequest) {
      const def = o.table.lookup(info.group, info.version, info.resource);
      if (!def) return undefined;
      if (info.subresource && !def.subresources?.some((s) => s.name === info.subresource))
        return undefined;
      return {
        ...common,
        group: info.group,
        version: info.version,
        resource: info.resource,
        subresource: info.subresource,
      };
    }
    if (status === 404 || !NON_RESOURCE_PATHS.test(info.path)) return undefined;
    return { ...common, group: '', version: '', resource: '', subresource: info.path };
  }

  function record(
    labels: NonNullable<ReturnType<typeof labelsOf>>,
    status: number,
    started: number,
  ) {
    requests.inc({ ...labels, code: String(status) });
    latency.observe(labels, (performance.now() - started) / 1000);
    const { group, version, resource, subresource } = labels;
    const deprecation = resource
      ? o.table.lookup(group, version, resource)?.deprecation
      : undefined;
    if (deprecation)
      deprecatedApis.set(
        {
          group,
          version,
          resource,
          subresource,
          removed_release: deprecation.removedRelease ?? '',
        },
        1,
      );
  }

  return {
    registry,
    admitted(req, info) {
      admittedRequests.set(req, info);
    },
    instrument(handler) {
      return async (req) => {
        const started = performance.now();
        const res = await handler(req);
        const info = admittedRequests.get(req);
        const labels = info && labelsOf(req, info, res.status);
        if (!labels) return res;
        if (!res.stream) {
          record(labels, res.status, started);
          return res;
        }
        // A long-running request: open until its stream ends, counted when it does.
        const { dry_run: _dryRun, ...gaugeLabels } = labels;
        longRunning.inc(gaugeLabels);
        const inner = res.stream;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          longRunning.dec(gaugeLabels);
          record(labels, res.status, started);
        };
        let reading = false;
        async function* tracked() {
          reading = true;
          try {
            yield* inner;
          } finally {
            finish();
          }
        }
        // A stream never read (the client left before it started) ends with the request.
        req.signal.addEventListener('abort', () => reading || finish(), { once: true });
        const it = tracked();
        return { ...res, stream: it };
      };
    },
    instrumentStore(store) {
      return instrumentStore(store, (operation, type, seconds, failed) => {
        storageLatency.observe({ operation, type }, seconds);
        storageRequests.inc({ operation, type });
        if (failed) storageErrors.inc({ operation, type });
      });
    },
    async respond(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw notFoundGeneric();
      return {
        status: 200,
        headers: { 'content-type': TEXT_CONTENT_TYPE },
        body: await registry.render(),
      };
    },
  };
}

/** The process's own figures, under the names the Prometheus clients use. */
function registerProcessMetrics(registry: MetricsRegistry): void {
  const start = registry.gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
  });
  start.set({}, Math.floor(performance.timeOrigin / 1000));
  const rss = registry.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
  });
  const cpu = registry.counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
  });
  const fds = registry.gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
  });
  const heapUsed = registry.gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'Process heap size used from Node.js in bytes.',
  });
  const heapTotal = registry.gauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'Process heap size from Node.js in bytes.',
  });
  registry.onCollect(() => {
    const memory = process.memoryUsage();
    rss.set({}, memory.rss);
    heapUsed.set({}, memory.heapUsed);
    heapTotal.set({}, memory.heapTotal);
    const usage = process.cpuUsage();
    const seconds = (usage.user + usage.system) / 1e6;
    cpu.inc({}, Math.max(0, seconds - cpu.get()));
    try {
      fds.set({}, readdirSync('/proc/self/fd').length);
    } catch {
      // Not on Linux: the gauge is left out.
    }
  });
}
