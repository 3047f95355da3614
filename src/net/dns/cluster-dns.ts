// The cluster DNS component of a node: informers on Namespaces, Services and EndpointSlices
// feeding the record index; the server on the node's address (port 53, UDP and TCP); the
// forwarder to the host's resolvers; metrics on port 9153; and the kube-dns Service's
// endpoints naming this node while it serves.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { KubeObject } from '../../api/types.js';
import { createInformer, resources, type Client, type Informer } from '../../client/index.js';
import type { Logger } from '../../log/index.js';
import { createForwarder, parseUpstream, upstreamsFromResolvConf } from './forwarder.js';
import { createKubeDnsRegistration, KUBE_DNS_IP } from './kube-dns.js';
import { createDnsMetrics } from './metrics.js';
import { projectEndpointSlice, projectService } from './projection.js';
import { createRecordIndex, type RecordIndex } from './records.js';
import { createDnsServer } from './server.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DNS_PORT = 53;
export const METRICS_PORT = 9153;
/** How often the node puts its address back into kube-dns's endpoints (as kube-apiserver's 10 s). */
const REGISTRATION_INTERVAL_MS = 10_000;
/** How long start waits for the first lists before serving (SERVFAIL for unknown names until then). */
const SYNC_WAIT_MS = 10_000;

export interface ClusterDnsOptions {
  client: Client;
  nodeName: string;
  /** The node's address: the server listens there, and kube-dns's endpoints name it. */
  address: string;
  clusterDomain?: string;
  /** TTL of cluster answers, seconds (default 5). */
  ttl?: number;
  port?: number;
  /** 0 picks a free port; negative: no metrics server. */
  metricsPort?: number;
  /** Upstream resolvers (`ip` or `ip:port`); default: the host's resolv.conf without loopback. */
  upstreams?: string[];
  resolvConfPath?: string;
  forwardTimeoutMs?: number;
  /** Keep the kube-dns Service and this node's place in its endpoints (default true). */
  register?: boolean;
  clusterIP?: string;
  logger: Logger;
  signal: AbortSignal;
}

export interface ClusterDns {
  index: RecordIndex;
  ports: { udp: number; tcp: number; metrics: number };
  /** Takes the node out of kube-dns's endpoints and stops serving. */
  close(): Promise<void>;
}

function feed(index: RecordIndex, ns: Informer, svc: Informer, slices: Informer): void {
  ns.on({
    add: (o) => index.setNamespace(o.metadata.name ?? '', true),
    update: (_, o) => index.setNamespace(o.metadata.name ?? '', true),
    delete: (o) => index.setNamespace(o.metadata.name ?? '', false),
  });
  const upsertService = (o: KubeObject): void => index.upsertService(projectService(o));
  svc.on({
    add: upsertService,
    update: (_, o) => upsertService(o),
    delete: (o) => index.deleteService(o.metadata.namespace ?? '', o.metadata.name ?? ''),
  });
  // Slices of FQDN addresses name hosts, not addresses: DNS has nothing to say about them.
  const upsertSlice = (o: KubeObject): void => {
    if (o['addressType'] === 'FQDN') return;
    index.upsertSlice(projectEndpointSlice(o));
  };
  slices.on({
    add: upsertSlice,
    update: (_, o) => upsertSlice(o),
    delete: (o) => index.deleteSlice(o.metadata.namespace ?? '', o.metadata.name ?? ''),
  });
}

export async function startClusterDns(o: ClusterDnsOptions): Promise<ClusterDns> {
  const log = o.logger;
  const zone = o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const index = createRecordIndex({ zone, ...(o.ttl !== undefined ? { ttl: o.ttl } : {}) });
  index.setSelfAddresses([o.address]);
  const stop = new AbortController();
  const signal = AbortSignal.any([o.signal, stop.signal]);
  const informer = (resource: typeof resources.services): Informer =>
    createInformer({
      client: o.client,
      resource,
      signal,
      onError: (e) => log.warn('cluster DNS watch failed', { error: String(e) }),
    });
  const ns = informer(resources.namespaces);
  const svc = informer(resources.services);
  const slices = informer(resources.endpointSlices);
  feed(index, ns, svc, slices);
  const synced = Promise.all([ns.synced(), svc.synced(), slices.synced()]).then(() =>
    index.setSynced(true),
  );

  const upstreams =
    o.upstreams ??
    upstreamsFromResolvConf(
      (() => {
        try {
          return readFileSync(o.resolvConfPath ?? '/etc/resolv.conf', 'utf8');
        } catch {
          return '';
        }
      })(),
    );
  if (upstreams.length === 0)
    log.warn('cluster DNS has no upstream resolver: names outside the cluster get SERVFAIL');
  const port = o.port ?? DNS_PORT;
  const metrics = createDnsMetrics(`dns://${o.address}:${port}`, '1.11.1');
  const forwarder = createForwarder({
    upstreams: upstreams.map(parseUpstream),
    metrics,
    ...(o.forwardTimeoutMs !== undefined ? { timeoutMs: o.forwardTimeoutMs } : {}),
  });
  const server = createDnsServer({ index, forwarder, metrics, host: o.address, port, logger: log });

  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([synced, new Promise((r) => (timeout = setTimeout(r, SYNC_WAIT_MS)))]);
  clearTimeout(timeout);

  let ports: { udp: number; tcp: number };
  try {
    ports = await server.listen();
  } catch (e) {
    stop.abort();
    forwarder.close();
    throw e;
  }

  let metricsServer: Server | undefined;
  let metricsPort = -1;
  if ((o.metricsPort ?? METRICS_PORT) >= 0) {
    const m = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(metrics.render());
      } else if (req.method === 'GET' && (req.url === '/health' || req.url === '/ready')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('OK');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found\n');
      }
    });
    try {
      metricsPort = await new Promise<number>((resolve, reject) => {
        m.once('error', reject);
        m.listen(o.metricsPort ?? METRICS_PORT, o.address, () => {
          const a = m.address();
          resolve(typeof a === 'object' && a ? a.port : 0);
        });
      });
      metricsServer = m;
    } catch (e) {
      log.warn('cluster DNS metrics not served', { error: String(e) });
    }
  }

  const registration =
    o.register === false
      ? undefined
      : createKubeDnsRegistration({
          client: o.client,
          nodeName: o.nodeName,
          address: o.address,
          clusterIP: o.clusterIP ?? KUBE_DNS_IP,
          logger: log,
        });
  let registering: Promise<void> = Promise.resolve();
  const register = (): void => {
    if (!registration || signal.aborted) return;
    registering = registration
      .sync()
      .catch((e: unknown) => log.warn('kube-dns endpoints not updated', { error: String(e) }));
  };
  register();
  const timer = registration ? setInterval(register, REGISTRATION_INTERVAL_MS) : undefined;
  timer?.unref();

  return {
    index,
    ports: { ...ports, metrics: metricsPort },
    async close() {
      clearInterval(timer);
      await registering;
      if (registration && !o.signal.aborted)
        await registration
          .withdraw()
          .catch((e: unknown) => log.warn('kube-dns endpoints not updated', { error: String(e) }));
      stop.abort();
      forwarder.close();
      await server.close();
      if (metricsServer) await new Promise<void>((r) => metricsServer?.close(() => r()));
    },
  };
}
