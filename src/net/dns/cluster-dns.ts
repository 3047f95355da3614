// The cluster DNS component of a node: informers on Namespaces, Services and EndpointSlices
// (on the caller's thread, as API clients) feeding the record index; the index, the server
// on the node's address (port 53, UDP and TCP), the forwarder to the host's resolvers and
// the metrics on port 9153 on a thread of their own (dns-worker.ts); and the kube-dns
// Service's endpoints naming this node while it serves.

import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { KubeObject } from '../../api/types.js';
import { createInformer, resources, type Client, type Informer } from '../../client/index.js';
import type { Logger } from '../../log/index.js';
import type { DnsWorkerConfig, IndexOp, WorkerReport } from './dns-worker.js';
import { upstreamsFromResolvConf } from './forwarder.js';
import { createKubeDnsRegistration, KUBE_DNS_IP } from './kube-dns.js';
import { projectEndpointSlice, projectService } from './projection.js';

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
  ports: { udp: number; tcp: number; metrics: number };
  /** Takes the node out of kube-dns's endpoints and stops serving. */
  close(): Promise<void>;
}

function feed(send: (op: IndexOp) => void, ns: Informer, svc: Informer, slices: Informer): void {
  const namespace = (o: KubeObject, exists: boolean): void =>
    send({ op: 'namespace', name: o.metadata.name ?? '', exists });
  ns.on({
    add: (o) => namespace(o, true),
    update: (_, o) => namespace(o, true),
    delete: (o) => namespace(o, false),
  });
  const upsertService = (o: KubeObject): void =>
    send({ op: 'service', service: projectService(o) });
  svc.on({
    add: upsertService,
    update: (_, o) => upsertService(o),
    delete: (o) =>
      send({
        op: 'service-deleted',
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name ?? '',
      }),
  });
  // Slices of FQDN addresses name hosts, not addresses: DNS has nothing to say about them.
  const upsertSlice = (o: KubeObject): void => {
    if (o['addressType'] === 'FQDN') return;
    send({ op: 'slice', slice: projectEndpointSlice(o) });
  };
  slices.on({
    add: upsertSlice,
    update: (_, o) => upsertSlice(o),
    delete: (o) =>
      send({
        op: 'slice-deleted',
        namespace: o.metadata.namespace ?? '',
        name: o.metadata.name ?? '',
      }),
  });
}

/** The worker's module, beside this one (compiled or run from source by a loader). */
const WORKER_URL = new URL(
  `./dns-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/** Starts the DNS thread; `listening` resolves once it listens (rejects with its error). */
function startWorker(
  config: DnsWorkerConfig,
  log: Logger,
): { worker: Worker; listening: Promise<ClusterDns['ports']> } {
  const worker = new Worker(WORKER_URL, { workerData: config });
  const listening = new Promise<ClusterDns['ports']>((resolve, reject) => {
    const onExit = (code: number): void => reject(new Error(`the DNS thread exited (${code})`));
    worker.once('exit', onExit);
    worker.once('error', reject);
    worker.on('message', (r: WorkerReport) => {
      if (r.type === 'listening') {
        worker.off('exit', onExit);
        worker.off('error', reject);
        // Past start-up, a thread that dies is reported; the node goes on without DNS.
        worker.on('error', (e) => log.error('the DNS thread failed', { error: String(e) }));
        resolve({ udp: r.udp, tcp: r.tcp, metrics: r.metrics });
      } else if (r.type === 'failed') {
        reject(Object.assign(new Error(r.message), { code: r.code }));
      } else if (r.type === 'warning') log.warn(`cluster DNS: ${r.message}`);
    });
  });
  return { worker, listening };
}

export async function startClusterDns(o: ClusterDnsOptions): Promise<ClusterDns> {
  const log = o.logger;
  const zone = o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
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
  // The thread starts listening while the informers list (their changes queue up for it).
  const { worker, listening } = startWorker(
    {
      host: o.address,
      port: o.port ?? DNS_PORT,
      metricsPort: o.metricsPort ?? METRICS_PORT,
      zone,
      ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
      upstreams,
      ...(o.forwardTimeoutMs !== undefined ? { forwardTimeoutMs: o.forwardTimeoutMs } : {}),
    },
    log,
  );
  const send = (op: IndexOp): void => worker.postMessage(op);

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
  feed(send, ns, svc, slices);
  const synced = Promise.all([ns.synced(), svc.synced(), slices.synced()]).then(() =>
    send({ op: 'synced' }),
  );
  let ports: ClusterDns['ports'];
  try {
    ports = await listening;
  } catch (e) {
    stop.abort();
    await worker.terminate();
    throw e;
  }
  // Until the first lists are in, unknown names are SERVFAIL (not NXDOMAIN): wait a little.
  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([synced, new Promise((r) => (timeout = setTimeout(r, SYNC_WAIT_MS)))]);
  clearTimeout(timeout);
  // The thread goes with the process when its owner forgets to close it.
  o.signal.addEventListener('abort', () => void worker.terminate(), { once: true });

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
    ports,
    async close() {
      clearInterval(timer);
      await registering;
      if (registration && !o.signal.aborted)
        await registration
          .withdraw()
          .catch((e: unknown) => log.warn('kube-dns endpoints not updated', { error: String(e) }));
      stop.abort();
      // The thread closes its sockets and says so; a thread that does not is ended.
      const closed = new Promise<void>((r) => {
        worker.on('message', (m: WorkerReport) => m.type === 'closed' && r());
        worker.once('exit', () => r());
      });
      send({ op: 'close' });
      let t: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((r) => (t = setTimeout(r, 2000)))]);
      clearTimeout(t);
      await worker.terminate();
    },
  };
}
