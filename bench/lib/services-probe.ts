// The client side of the `services` benchmark, run inside the node's network namespace (where
// pod IPs, cluster IPs and NodePorts all answer). Two jobs, chosen by the config's `job`:
//
// - "paths": bulk throughput and connection rate over several paths to the same pod (pod IP,
//   cluster IP, NodePort), the paths taking turns round after round so that other load on the
//   machine falls on all of them alike.
// - "flip": flips a pod's readiness (its readiness probe asks the pod's HTTP server, which the
//   probe toggles), watches the service's EndpointSlices, and connects to the cluster IP in a
//   loop: the time from each EndpointSlice change to the first connection that sees it (the
//   service has no other endpoint, so "not ready" means refused).
//
// Prints one JSON object on stdout.
//
//   node dist/bench/lib/services-probe.js '<ProbeConfig as JSON>'

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

export interface PathTarget {
  label: string;
  host: string;
  /** Sends as many bytes as the first line asks for, then ends. */
  sourcePort: number;
  /** Echoes. */
  echoPort: number;
}

export interface PathsConfig {
  job: 'paths';
  targets: PathTarget[];
  bytes: number;
  rounds: number;
  /** Connections per target per round. */
  connections: number;
  concurrency: number;
}

export interface FlipConfig {
  job: 'flip';
  podIP: string;
  /** The pod's HTTP server: GET /ready/on and /ready/off switch what its /ready answers. */
  httpPort: number;
  clusterIP: string;
  port: number;
  service: string;
  namespace: string;
  flips: number;
  server: string;
  caPath: string;
  certPath: string;
  keyPath: string;
}

export type ProbeConfig = PathsConfig | FlipConfig;

export interface PathsResult {
  /** Per target label: bytes/s and connections/s of every round. */
  throughput: Record<string, number[]>;
  connectionRate: Record<string, number[]>;
}

export interface FlipResult {
  /** EndpointSlice change → first connection that sees it, ms; one list per direction. */
  becameReady: number[];
  becameUnready: number[];
  /** Readiness switched in the pod → EndpointSlice change (kubelet probe period included). */
  probeToSlice: number[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Asks the source for `bytes` bytes and reads them all: bytes per second. */
function transfer(host: string, port: number, bytes: number): Promise<number> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      let got = 0;
      const s = connect(port, host, () => s.write(`${bytes}\n`));
      s.on('data', (d: Buffer) => (got += d.length));
      s.on('error', reject);
      s.on('close', () => {
        if (got !== bytes) reject(new Error(`read ${got} of ${bytes} bytes from ${host}:${port}`));
        else resolve(bytes / ((performance.now() - t0) / 1000));
      });
    }),
    120_000,
    `transfer from ${host}:${port}`,
  );
}

/** One byte there and back on a fresh connection. */
function pingConnection(host: string, port: number): Promise<void> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const s = connect(port, host, () => s.write('x'));
      s.once('data', () => {
        s.end();
        resolve();
      });
      s.on('error', reject);
    }),
    10_000,
    `connection to ${host}:${port}`,
  );
}

async function connectionRate(
  host: string,
  port: number,
  total: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await pingConnection(host, port);
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function runPaths(c: PathsConfig): Promise<PathsResult> {
  const out: PathsResult = { throughput: {}, connectionRate: {} };
  for (const t of c.targets) {
    await pingConnection(t.host, t.echoPort); // warm-up
    await transfer(t.host, t.sourcePort, c.bytes);
    out.throughput[t.label] = [];
    out.connectionRate[t.label] = [];
  }
  for (let round = 0; round < c.rounds; round++) {
    // Each round in a different order: no path always runs right after the same one.
    const order = c.targets.map((_, i) => c.targets[(i + round) % c.targets.length] as PathTarget);
    for (const t of order)
      out.throughput[t.label]?.push(await transfer(t.host, t.sourcePort, c.bytes));
    for (const t of order)
      out.connectionRate[t.label]?.push(
        await connectionRate(t.host, t.echoPort, c.connections, c.concurrency),
      );
  }
  return out;
}

/**
 * One byte to the echo behind the service and back on a fresh connection: true when it came
 * back; false when the connection was refused, reset or closed without it (a userspace proxy
 * accepts first and closes when it has no endpoint); undefined without an answer in a second
 * (the kernel rate-limits the ICMP of rejected SYNs, so some of them go unanswered).
 */
function reachesPod(host: string, port: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, host, () => s.write('x'));
    const done = (ok: boolean | undefined): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(undefined), 1000);
    s.once('data', () => done(true));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

function get(host: string, port: number, path: string): Promise<number> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = httpRequest({ host, port, path }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    }),
    10_000,
    `GET http://${host}:${port}${path}`,
  );
}

interface Slice {
  endpoints?: { conditions?: { ready?: boolean } }[] | null;
}

/** Watches the service's EndpointSlices; calls back with "has a ready endpoint" on each event. */
function watchSlices(c: FlipConfig, onChange: (ready: boolean) => void): () => void {
  const agent = new HttpsAgent({
    ca: readFileSync(c.caPath),
    cert: readFileSync(c.certPath),
    key: readFileSync(c.keyPath),
  });
  const url = new URL(
    `/apis/discovery.k8s.io/v1/namespaces/${c.namespace}/endpointslices?watch=1` +
      `&labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${c.service}`)}`,
    c.server,
  );
  const slices = new Map<string, boolean>();
  const req = httpsRequest(url, { agent }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as {
          type: string;
          object: Slice & { metadata: { name: string } };
        };
        const ready = (ev.object.endpoints ?? []).some((e) => e.conditions?.ready !== false);
        if (ev.type === 'DELETED') slices.delete(ev.object.metadata.name);
        else slices.set(ev.object.metadata.name, ready);
        onChange([...slices.values()].some(Boolean));
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => {
    req.destroy();
    agent.destroy();
  };
}

async function runFlip(c: FlipConfig): Promise<FlipResult> {
  const out: FlipResult = { becameReady: [], becameUnready: [], probeToSlice: [] };
  let sliceReady: boolean | undefined;
  let sliceChangedAt = 0;
  const stopWatch = watchSlices(c, (ready) => {
    if (ready === sliceReady) return;
    sliceReady = ready;
    sliceChangedAt = performance.now();
  });
  // What the connecting clients see, and since when: a new attempt every few ms, several in
  // flight, so that one left unanswered does not hide the change; a result counts only when
  // its attempt started after the one that set the current view.
  let seen: boolean | undefined;
  let seenSince = 0;
  let seenStartedAt = -Infinity;
  let inFlight = 0;
  const attempts = new Set<Promise<void>>();
  const attempt = (): void => {
    const startedAt = performance.now();
    inFlight++;
    const p = reachesPod(c.clusterIP, c.port).then((ok) => {
      inFlight--;
      attempts.delete(p);
      if (ok === undefined || startedAt < seenStartedAt || ok === seen) return;
      seen = ok;
      seenSince = performance.now();
      seenStartedAt = startedAt;
    });
    attempts.add(p);
  };
  const ticker = setInterval(() => {
    if (inFlight < 256) attempt();
  }, 3);
  const waitFor = async (what: string, cond: () => boolean, ms: number): Promise<void> => {
    const t0 = performance.now();
    while (!cond()) {
      if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    await waitFor('the service ready at first', () => sliceReady === true, 60_000);
    await waitFor('a connection through the service', () => seen === true, 30_000);
    for (let i = 0; i < c.flips; i++) {
      const want = i % 2 === 1;
      const t0 = performance.now();
      await get(c.podIP, c.httpPort, want ? '/ready/on' : '/ready/off');
      await waitFor(`EndpointSlice ready=${want}`, () => sliceReady === want, 30_000);
      out.probeToSlice.push(sliceChangedAt - t0);
      await waitFor(`a connection seeing ready=${want}`, () => seen === want, 30_000);
      // Below zero (as 0) when the proxy heard of the change before this watch did.
      (want ? out.becameReady : out.becameUnready).push(Math.max(0, seenSince - sliceChangedAt));
    }
  } finally {
    clearInterval(ticker);
    await Promise.all(attempts);
    stopWatch();
  }
  return out;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ProbeConfig;
const result = config.job === 'paths' ? runPaths(config) : runFlip(config);
result.then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
