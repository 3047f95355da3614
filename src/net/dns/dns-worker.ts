// The DNS server's thread: the record index, the UDP/TCP server, the forwarder and the
// metrics endpoint run here, on an event loop of their own, so that answers never wait
// behind the API server, the controllers or the node agent sharing the process (and use a
// second core when there is one). The owning thread keeps the informers and sends each
// change as an IndexOp.

import { createServer, type Server } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { createForwarder, parseUpstream } from './forwarder.js';
import { createDnsMetrics } from './metrics.js';
import { createRecordIndex, type RecordIndex } from './records.js';
import { createDnsServer } from './server.js';
import type { DnsEndpointSlice, DnsService } from './types.js';

export interface DnsWorkerConfig {
  host: string;
  port: number;
  /** Negative: no metrics server. */
  metricsPort: number;
  zone: string;
  ttl?: number;
  upstreams: string[];
  forwardTimeoutMs?: number;
}

/** A change to the index, or an order to the thread. */
export type IndexOp =
  | { op: 'namespace'; name: string; exists: boolean }
  | { op: 'service'; service: DnsService }
  | { op: 'service-deleted'; namespace: string; name: string }
  | { op: 'slice'; slice: DnsEndpointSlice }
  | { op: 'slice-deleted'; namespace: string; name: string }
  | { op: 'synced' }
  | { op: 'close' };

/** What the thread tells its owner. */
export type WorkerReport =
  | { type: 'listening'; udp: number; tcp: number; metrics: number }
  | { type: 'failed'; code: string | undefined; message: string }
  | { type: 'warning'; message: string }
  | { type: 'closed' };

export function applyOp(index: RecordIndex, m: IndexOp): void {
  switch (m.op) {
    case 'namespace':
      return index.setNamespace(m.name, m.exists);
    case 'service':
      return index.upsertService(m.service);
    case 'service-deleted':
      return index.deleteService(m.namespace, m.name);
    case 'slice':
      return index.upsertSlice(m.slice);
    case 'slice-deleted':
      return index.deleteSlice(m.namespace, m.name);
    case 'synced':
      return index.setSynced(true);
    default:
      return undefined;
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const c = workerData as DnsWorkerConfig;
  const report = (r: WorkerReport): void => port.postMessage(r);
  const index = createRecordIndex({ zone: c.zone, ...(c.ttl !== undefined ? { ttl: c.ttl } : {}) });
  index.setSelfAddresses([c.host]);
  const metrics = createDnsMetrics(`dns://${c.host}:${c.port}`, '1.11.1');
  const forwarder = createForwarder({
    upstreams: c.upstreams.map(parseUpstream),
    metrics,
    ...(c.forwardTimeoutMs !== undefined ? { timeoutMs: c.forwardTimeoutMs } : {}),
  });
  const server = createDnsServer({ index, forwarder, metrics, host: c.host, port: c.port });
  let http: Server | undefined;
  port.on('message', (m: IndexOp) => {
    if (m.op !== 'close') return applyOp(index, m);
    forwarder.close();
    void Promise.all([
      server.close(),
      new Promise<void>((r) => (http ? http.close(() => r()) : r())),
    ]).then(() => {
      report({ type: 'closed' });
      port.close();
    });
  });
  let ports: { udp: number; tcp: number };
  try {
    ports = await server.listen();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    report({ type: 'failed', code: err.code, message: err.message });
    forwarder.close();
    port.close();
    return;
  }
  let metricsPort = -1;
  if (c.metricsPort >= 0) {
    const h = createServer((req, res) => {
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
        h.once('error', reject);
        h.listen(c.metricsPort, c.host, () => {
          const a = h.address();
          resolve(typeof a === 'object' && a ? a.port : 0);
        });
      });
      http = h;
    } catch (e) {
      report({ type: 'warning', message: `metrics not served: ${(e as Error).message}` });
    }
  }
  report({ type: 'listening', ...ports, metrics: metricsPort });
}

void main();
