// The client side of the `dns` benchmark, run inside the node's network namespace (where the
// node's DNS address and the API server's loopback port are reachable). Prints one JSON
// object on stdout.
//
//   node dist/bench/lib/dns-probe.js '<ProbeConfig as JSON>'
//
// mode "services": creates services through the API, the first `timed` of them one at a
//   time, each timed from its create request until the DNS server answers its name; then the
//   rest with `inFlight` requests at once.
// mode "latency": queries paced at `rate` per second for `seconds` against `dns` (one name
//   after another from `names`), and the latency of each answer.

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import * as packet from 'dns-packet';

export interface ProbeConfig {
  mode: 'services' | 'latency';
  dns: string;
  port?: number;
  zone?: string;
  // services
  server?: string;
  caPath?: string;
  certPath?: string;
  keyPath?: string;
  namespace?: string;
  first?: number;
  timed?: number;
  total?: number;
  inFlight?: number;
  // latency
  names?: string[];
  rate?: number;
  seconds?: number;
}

export interface ServicesResult {
  /** Create request sent → the name answers, per timed service (ms). */
  resolveMs: number[];
  /** The create requests' own latency, per timed service (ms). */
  createMs: number[];
  created: number;
  bulkMs: number;
}

export interface LatencyResult {
  sent: number;
  answered: number;
  latenciesMs: number[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as ProbeConfig;

function serviceBody(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
}

async function services(): Promise<ServicesResult> {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: config.inFlight ?? 20,
    ca: readFileSync(config.caPath ?? ''),
    cert: readFileSync(config.certPath ?? ''),
    key: readFileSync(config.keyPath ?? ''),
  });
  const url = new URL(`${config.server}/api/v1/namespaces/${config.namespace}/services`);
  const create = (name: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = serviceBody(name);
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 201
              ? resolve()
              : reject(new Error(`create ${name}: ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, () => r()));
  let waiting: ((m: Buffer) => void) | undefined;
  sock.on('message', (m) => waiting?.(m));
  let id = 0;
  /** One A question; true when it is answered with an address. */
  const ask = (name: string): Promise<boolean> =>
    new Promise((resolve) => {
      const qid = ++id & 0xffff;
      const timer = setTimeout(() => {
        waiting = undefined;
        resolve(false);
      }, 20);
      waiting = (m) => {
        if (m.readUInt16BE(0) !== qid) return;
        clearTimeout(timer);
        waiting = undefined;
        resolve((m.readUInt16BE(2) & 0xf) === 0 && m.readUInt16BE(6) > 0);
      };
      sock.send(
        packet.encode({
          type: 'query',
          id: qid,
          flags: packet.RECURSION_DESIRED,
          questions: [{ type: 'A', name }],
        }),
        config.port ?? 53,
        config.dns,
      );
    });
  const resolveMs: number[] = [];
  const createMs: number[] = [];
  const first = config.first ?? 0;
  const timed = config.timed ?? 0;
  for (let i = first; i < first + timed; i++) {
    const name = `svc-${i}`;
    const fqdn = `${name}.${config.namespace}.svc.${config.zone ?? 'cluster.local'}`;
    const t0 = performance.now();
    await create(name);
    createMs.push(performance.now() - t0);
    while (!(await ask(fqdn))) {
      if (performance.now() - t0 > 10_000) throw new Error(`${fqdn} did not resolve in 10 s`);
    }
    resolveMs.push(performance.now() - t0);
  }
  sock.close();
  const t0 = performance.now();
  let next = first + timed;
  const end = first + (config.total ?? timed);
  await Promise.all(
    Array.from({ length: config.inFlight ?? 20 }, async () => {
      while (next < end) await create(`svc-${next++}`);
    }),
  );
  agent.destroy();
  return { resolveMs, createMs, created: end - first, bulkMs: performance.now() - t0 };
}

async function latency(): Promise<LatencyResult> {
  const names = config.names ?? [];
  const rate = config.rate ?? 1000;
  const total = Math.round(rate * (config.seconds ?? 3));
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, () => r()));
  const queries = names.map((name) =>
    packet.encode({
      type: 'query',
      id: 0,
      flags: packet.RECURSION_DESIRED,
      questions: [{ type: 'A', name }],
    }),
  );
  const sentAt = new Float64Array(65536);
  const latencies: number[] = [];
  sock.on('message', (m) => {
    const t = sentAt[m.readUInt16BE(0)] ?? 0;
    if (t > 0) latencies.push(performance.now() - t);
  });
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    // Paced: query i leaves at t0 + i/rate (in bursts of whatever is due).
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const q = Buffer.from(queries[i % queries.length] as Buffer);
    const qid = i & 0xffff;
    q.writeUInt16BE(qid, 0);
    sentAt[qid] = performance.now();
    sock.send(q, config.port ?? 53, config.dns);
  }
  await new Promise((r) => setTimeout(r, 1000));
  sock.close();
  return { sent: total, answered: latencies.length, latenciesMs: latencies };
}

const result = config.mode === 'services' ? await services() : await latency();
process.stdout.write(JSON.stringify(result) + '\n');
