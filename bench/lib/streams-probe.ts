// The client side of the `streams` benchmark, run inside the node's network namespace (the only
// place pod IPs are reachable): throughput and connection rate straight to the pod, through a
// plain one-hop relay written with `net`, and through `kubectl port-forward`; the exec round
// trip over the API server's WebSocket; proxy-verb requests next to the same requests straight
// to the pod. Prints one JSON object on stdout.
//
//   node dist/bench/lib/streams-probe.js '<ProbeConfig as JSON>'

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';

export interface ProbeConfig {
  podIP: string;
  pod: string;
  namespace: string;
  /** Ports inside the pod: a source (sends the byte count it is sent, then ends), an echo. */
  sourcePort: number;
  echoPort: number;
  httpPort: number;
  server: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  kubectl: string;
  kubeconfig: string;
  /** The `skiff up` process (API server and node agent), whose CPU time is counted. */
  skiffPid: number;
  bytes: number;
  connections: number;
  execRuns: number;
  proxyRequests: number;
  concurrency: number;
}

export interface PathFigures {
  /** Bytes per second, the best transfer (three straight to the pod; one a turn for the others). */
  throughput: number;
  /** Connections per second (connect, one byte there and back, close). */
  connectionRate: number;
}

export interface ProbeResult {
  direct: PathFigures;
  relay: PathFigures;
  portForward: PathFigures;
  /** Port-forward's throughput over the relay's, round by round (the two take turns). */
  portForwardShares: number[];
  /** CPU seconds per GiB moved over all the turns, by process. */
  cpuPerGiB: {
    relay: { client: number };
    portForward: { client: number; kubectl: number; skiff: number };
  };
  execMs: number[];
  kubectlExecMs: number[];
  proxy: { direct: number; proxied: number };
}

const config = JSON.parse(process.argv[2] ?? '{}') as ProbeConfig;
/** Turns of relay and port-forward for the throughput share. */
const SHARE_ROUNDS = 7;

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

async function connectionRate(host: string, port: number, total: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: config.concurrency }, async () => {
      while (next < total) {
        next++;
        await pingConnection(host, port);
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function measurePath(host: string, source: number, echo: number): Promise<PathFigures> {
  await pingConnection(host, echo); // warm-up
  let best = 0;
  for (let i = 0; i < 3; i++) best = Math.max(best, await transfer(host, source, config.bytes));
  return { throughput: best, connectionRate: await connectionRate(host, echo, config.connections) };
}

/** A plain one-hop TCP relay: what port-forward is compared with. */
function startRelay(targetPort: number): Promise<Server> {
  const server = createServer((client: Socket) => {
    const upstream = connect(targetPort, config.podIP);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (s: Server): number => (s.address() as { port: number }).port;

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

/** This process's CPU seconds so far (the client, and for the relay the relay too). */
function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** `kubectl port-forward` on two local ports; resolves once both are listening. */
function startPortForward(): Promise<{ child: ChildProcess; source: number; echo: number }> {
  const child = spawn(
    config.kubectl,
    [
      '--kubeconfig',
      config.kubeconfig,
      '-n',
      config.namespace,
      'port-forward',
      `pod/${config.pod}`,
      `:${config.sourcePort}`,
      `:${config.echoPort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return withTimeout(
    new Promise((resolve, reject) => {
      let out = '';
      const ports = new Map<number, number>();
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        for (const m of out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g))
          ports.set(Number(m[2]), Number(m[1]));
        const source = ports.get(config.sourcePort);
        const echo = ports.get(config.echoPort);
        if (source && echo) resolve({ child, source, echo });
      });
      child.on('close', (code) => reject(new Error(`kubectl port-forward exited ${code}`)));
    }),
    30_000,
    'kubectl port-forward',
  );
}

const tls = {
  ca: readFileSync(config.caPath),
  cert: readFileSync(config.certPath),
  key: readFileSync(config.keyPath),
};

/** `true` in the pod over the exec WebSocket (v5.channel.k8s.io): open → exit status. */
function execOnce(): Promise<number> {
  const query = new URLSearchParams({ command: 'true', stdout: 'true', stderr: 'true' });
  const url = `${config.server.replace(/^https/, 'wss')}/api/v1/namespaces/${config.namespace}/pods/${config.pod}/exec?${query}`;
  return withTimeout(
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], tls);
      let status = '';
      ws.on('message', (data: Buffer) => {
        if (data[0] === 3) status += data.subarray(1).toString();
      });
      ws.on('error', reject);
      ws.on('close', () => {
        if (!status.includes('Success')) reject(new Error(`exec ended without success: ${status}`));
        else resolve(performance.now() - t0);
      });
    }),
    10_000,
    'exec',
  );
}

function kubectlExecOnce(): Promise<number> {
  const t0 = performance.now();
  const child = spawn(
    config.kubectl,
    ['--kubeconfig', config.kubeconfig, '-n', config.namespace, 'exec', config.pod, '--', 'true'],
    { stdio: 'ignore' },
  );
  return withTimeout(
    new Promise((resolve, reject) =>
      child.on('close', (code) =>
        code === 0
          ? resolve(performance.now() - t0)
          : reject(new Error(`kubectl exec exited ${code}`)),
      ),
    ),
    20_000,
    'kubectl exec',
  );
}

/** Keep-alive GETs, `concurrency` in flight: requests per second. */
async function requestRate(get: () => Promise<number>, total: number): Promise<number> {
  for (let i = 0; i < 20; i++) await get(); // warm-up
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: config.concurrency }, async () => {
      while (next < total) {
        next++;
        const status = await get();
        if (status !== 200) throw new Error(`proxy request answered ${status}`);
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

function getStatus(
  send: typeof httpRequest | typeof httpsRequest,
  url: string,
  agent: HttpAgent,
): Promise<number> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = send(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    }),
    10_000,
    `GET ${url}`,
  );
}

async function main(): Promise<ProbeResult> {
  const { podIP, sourcePort, echoPort } = config;
  const direct = await measurePath(podIP, sourcePort, echoPort);
  const relaySource = await startRelay(sourcePort);
  const relayEcho = await startRelay(echoPort);
  const pf = await startPortForward();
  let relay: PathFigures;
  let portForward: PathFigures;
  const portForwardShares: number[] = [];
  let cpuPerGiB: ProbeResult['cpuPerGiB'];
  try {
    // The relay and port-forward take turns, round after round: load that comes and goes on
    // a shared machine then weighs on both sides of each round's share alike.
    await pingConnection('127.0.0.1', portOf(relayEcho));
    await pingConnection('127.0.0.1', pf.echo);
    const best = { relay: 0, portForward: 0 };
    const cpu = { relay: 0, client: 0, kubectl: 0, skiff: 0 };
    const kubectlPid = pf.child.pid ?? 0;
    const throughRelay = async (): Promise<number> => {
      const own = ownCpuSeconds();
      const rate = await transfer('127.0.0.1', portOf(relaySource), config.bytes);
      cpu.relay += ownCpuSeconds() - own;
      return rate;
    };
    const throughPortForward = async (): Promise<number> => {
      const [own, k, s] = [ownCpuSeconds(), cpuSeconds(kubectlPid), cpuSeconds(config.skiffPid)];
      const rate = await transfer('127.0.0.1', pf.source, config.bytes);
      cpu.client += ownCpuSeconds() - own;
      cpu.kubectl += cpuSeconds(kubectlPid) - k;
      cpu.skiff += cpuSeconds(config.skiffPid) - s;
      return rate;
    };
    for (let round = 0; round < SHARE_ROUNDS; round++) {
      const first = round % 2 === 0;
      const a = await (first ? throughRelay() : throughPortForward());
      const b = await (first ? throughPortForward() : throughRelay());
      const [r, f] = first ? [a, b] : [b, a];
      best.relay = Math.max(best.relay, r);
      best.portForward = Math.max(best.portForward, f);
      portForwardShares.push(f / r);
    }
    const gib = (SHARE_ROUNDS * config.bytes) / 2 ** 30;
    cpuPerGiB = {
      relay: { client: cpu.relay / gib },
      portForward: {
        client: cpu.client / gib,
        kubectl: cpu.kubectl / gib,
        skiff: cpu.skiff / gib,
      },
    };
    relay = {
      throughput: best.relay,
      connectionRate: await connectionRate('127.0.0.1', portOf(relayEcho), config.connections),
    };
    portForward = {
      throughput: best.portForward,
      connectionRate: await connectionRate('127.0.0.1', pf.echo, config.connections),
    };
  } finally {
    relaySource.close();
    relayEcho.close();
    pf.child.kill('SIGTERM');
  }
  const execMs: number[] = [];
  await execOnce(); // warm-up
  for (let i = 0; i < config.execRuns; i++) execMs.push(await execOnce());
  const kubectlExecMs: number[] = [];
  for (let i = 0; i < 5; i++) kubectlExecMs.push(await kubectlExecOnce());

  const plain = new HttpAgent({ keepAlive: true, maxSockets: config.concurrency });
  const secure = new HttpsAgent({ keepAlive: true, maxSockets: config.concurrency, ...tls });
  process.stderr.write(
    `so far: ${JSON.stringify({ direct, relay, portForward, execMs, kubectlExecMs })}\n`,
  );
  const proxyUrl = `${config.server}/api/v1/namespaces/${config.namespace}/pods/${config.pod}:${config.httpPort}/proxy/`;
  const proxy = {
    direct: await requestRate(
      () => getStatus(httpRequest, `http://${podIP}:${config.httpPort}/`, plain),
      config.proxyRequests,
    ),
    proxied: await requestRate(
      () => getStatus(httpsRequest, proxyUrl, secure),
      config.proxyRequests,
    ),
  };
  plain.destroy();
  secure.destroy();
  return {
    direct,
    relay,
    portForward,
    portForwardShares,
    cpuPerGiB,
    execMs,
    kubectlExecMs,
    proxy,
  };
}

main().then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
