// 12. The service proxy, each figure beside what it is measured against, in one run:
// - ClusterIP and NodePort throughput and connection rate next to the same pod by its IP, with
//   `skiff up` in nftables mode and then in userspace mode (a node cluster each, in a network
//   namespace made for the run; the client runs inside it, lib/services-probe.ts);
// - the time from an endpoint change (the pod's readiness flipped) to the rule being live, as
//   a client connecting to the cluster IP in a loop sees it; in nftables mode again with
//   1,000 more services of 10 endpoints each in the table (selector-less, their
//   EndpointSlices written by the benchmark);
// - rule programming for 1,000 services × 10 endpoints: the nftables mode on its own in an
//   empty namespace, one full sync, then single-endpoint changes (incremental syncs).

import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createLogger } from '../src/log/index.js';
import { createNftablesMode, NFT_TABLE } from '../src/net/proxy/nftables/index.js';
import { servicePortKey, type ProxyServicePort } from '../src/net/proxy/types.js';
import { ensureTestImages, IMAGES } from '../test/images/index.js';
import {
  nodeSkipReason,
  ok,
  startNodeCluster,
  until,
  type TestCluster,
} from '../test/e2e/harness.js';
import { createTestNetns } from '../test/support/agent-sandbox.js';
import type { Benchmark, BenchContext } from './lib/bench.js';
import { ms, perSec, type Row } from './lib/report.js';
import { median, summarize } from './lib/stats.js';
import type { FlipConfig, FlipResult, PathsConfig, PathsResult } from './lib/services-probe.js';

const KUBECTL = 33;
const APP = 'bench-svc';
const SOURCE_PORT = 9000;
const ECHO_PORT = 9001;
const HTTP_PORT = 8080;
const NODE_PORTS = { source: 30900, echo: 30901 };
// Many short rounds rather than a few long ones: a share is taken round by round (each path
// beside the pod IP in the same round), so load that comes and goes on a shared machine
// moves both sides of a ratio together. One transfer's rate varies by about 20 % on 2 cores
// (where the scheduler puts the sender, the reader and the softirq work), so the median of
// the rounds' shares needs a hundred rounds to settle within a few points. 54,000 connections
// to the pod's echo port in a minute (the userspace proxy's included) would run through the
// ephemeral port range while their TIME_WAITs last: the client namespace reuses them
// (`tcp_tw_reuse`, as load generators are set up).
const BYTES = 64 * 1024 * 1024;
const ROUNDS = 120;
const CONNECTIONS = 150;
const CONCURRENCY = 8;
const FLIPS = 20;
const SERVICES = 1000;
const ENDPOINTS = 10;
const INCREMENTAL_CHANGES = 20;
const SHARE_GOAL = 0.95;
const FLIP_P99_GOAL_MS = 100;

/** The pod's servers: a byte source, an echo, and HTTP whose /ready the benchmark switches. */
const POD_SERVERS = `
const net = require('node:net'), http = require('node:http');
const chunk = Buffer.alloc(65536);
net.createServer((s) => {
  s.on('error', () => {});
  let head = '';
  const onData = (d) => {
    head += d;
    const i = head.indexOf('\\n');
    if (i < 0) return;
    s.off('data', onData);
    let left = Number(head.slice(0, i));
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return s.once('drain', pump);
      }
      s.end();
    };
    pump();
  };
  s.on('data', onData);
}).listen(${SOURCE_PORT});
net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(${ECHO_PORT});
let ready = true;
http.createServer((q, r) => {
  if (q.url === '/ready/on') ready = true;
  if (q.url === '/ready/off') ready = false;
  r.statusCode = q.url === '/ready' && !ready ? 503 : 200;
  r.end('ok\\n');
}).listen(${HTTP_PORT});
`;

const MANIFEST = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: APP, labels: { app: APP } },
      spec: {
        containers: [
          {
            name: 'servers',
            image: IMAGES.kubiaNode,
            imagePullPolicy: 'Never',
            command: ['node', '-e', POD_SERVERS],
            readinessProbe: {
              httpGet: { path: '/ready', port: HTTP_PORT },
              periodSeconds: 1,
              failureThreshold: 1,
              successThreshold: 1,
            },
          },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: APP },
      spec: {
        type: 'NodePort',
        selector: { app: APP },
        ports: [
          { name: 'source', port: SOURCE_PORT, nodePort: NODE_PORTS.source },
          { name: 'echo', port: ECHO_PORT, nodePort: NODE_PORTS.echo },
        ],
      },
    },
  ],
});

/** Exits 0 once a byte came back from the echo at argv[1]:argv[2], 1 on an error or in 2 s. */
const CONNECT_ONCE = `
const s = require('node:net').connect(Number(process.argv[2]), process.argv[1], () => s.write('x'));
s.once('data', () => process.exit(0));
s.once('error', () => process.exit(1));
setTimeout(() => process.exit(1), 2000);
`;

const mbps = (bytesPerSec: number): string => `${(bytesPerSec / 1024 / 1024).toFixed(0)} MB/s`;
const pct = (v: number): string => `${Math.round(v * 100)} %`;

interface ModeFigures {
  paths: PathsResult;
  flip: FlipResult;
  /** The same flips with SERVICES × ENDPOINTS more in the table (nftables mode only). */
  flipAtScale?: FlipResult;
}

/** SERVICES selector-less services, each with an EndpointSlice of ENDPOINTS addresses. */
function scaleManifest(): string {
  const items: object[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const name = `scale-${i}`;
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'scale' },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    });
    items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-1`,
        namespace: 'scale',
        labels: {
          'kubernetes.io/service-name': name,
          'endpointslice.kubernetes.io/managed-by': 'bench.skiff.dev',
        },
      },
      addressType: 'IPv4',
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ENDPOINTS }, (_, j) => {
        const n = i * ENDPOINTS + j;
        return { addresses: [`10.245.${n >> 8}.${n & 255}`], conditions: { ready: true } };
      }),
    });
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

/** A node cluster in the given proxy mode, the pod and its service, then both probe jobs. */
async function measureMode(
  ctx: BenchContext,
  mode: 'nftables' | 'userspace',
  archive: string,
): Promise<ModeFigures> {
  let c: TestCluster | undefined;
  try {
    c = startNodeCluster({ images: [archive], upArgs: ['--proxy-mode', mode] });
    const cluster = c;
    const kubectl = (args: string[]) => cluster.kubectl(KUBECTL, args);
    ok(await kubectl(['apply', '-f', cluster.file('services.json', MANIFEST)]));
    const podIP = await until(
      'the benchmark pod Ready with an IP',
      async () => {
        const out = ok(
          await kubectl([
            'get',
            'pod',
            APP,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.podIP}',
          ]),
        );
        const [ready, ip] = out.trim().split(' ');
        return ready === 'True' && ip ? ip : undefined;
      },
      120_000,
    );
    const clusterIP = ok(
      await kubectl(['get', 'svc', APP, '-o', 'jsonpath={.spec.clusterIP}']),
    ).trim();
    const nodeIP = ok(
      await kubectl([
        'get',
        'node',
        cluster.nodeName ?? '',
        '-o',
        'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}',
      ]),
    ).trim();
    const probe = fileURLToPath(new URL('./lib/services-probe.js', import.meta.url));
    const runProbe = async <T>(config: PathsConfig | FlipConfig): Promise<T> => {
      const r = await cluster.exec(process.execPath, [probe, JSON.stringify(config)], {
        timeoutMs: 240_000,
      });
      if (r.code !== 0) throw new Error(`services probe (${config.job}) failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    };
    // The rules are live a moment after the service exists.
    const answers = async (host: string, port: number): Promise<boolean> =>
      (await cluster.exec(process.execPath, ['-e', CONNECT_ONCE, host, String(port)])).code === 0;
    await until('the cluster IP and the NodePort answering', async () =>
      (await answers(clusterIP, ECHO_PORT)) && (await answers(nodeIP, NODE_PORTS.echo))
        ? true
        : undefined,
    );
    ok(await cluster.exec('sysctl', ['-q', '-w', 'net.ipv4.tcp_tw_reuse=1']), 'sysctl');
    ctx.log(`${mode}: throughput and connection rate (pod ${podIP}, service ${clusterIP})`);
    const paths = await runProbe<PathsResult>({
      job: 'paths',
      targets: [
        { label: 'direct', host: podIP, sourcePort: SOURCE_PORT, echoPort: ECHO_PORT },
        { label: 'clusterIP', host: clusterIP, sourcePort: SOURCE_PORT, echoPort: ECHO_PORT },
        {
          label: 'nodePort',
          host: nodeIP,
          sourcePort: NODE_PORTS.source,
          echoPort: NODE_PORTS.echo,
        },
      ],
      bytes: BYTES,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      concurrency: CONCURRENCY,
    });
    ctx.log(`${mode}: ${FLIPS} readiness flips`);
    const flip = await runProbe<FlipResult>({
      job: 'flip',
      podIP,
      httpPort: HTTP_PORT,
      clusterIP,
      port: ECHO_PORT,
      service: APP,
      namespace: 'default',
      flips: FLIPS,
      server: cluster.server,
      caPath: cluster.caPath,
      certPath: join(cluster.dataDir, 'pki', 'admin.crt'),
      keyPath: join(cluster.dataDir, 'pki', 'admin.key'),
    });
    const list = (v: number[]): string => v.map((x) => Math.round(x)).join(' ');
    ctx.log(`${mode}: ready (ms) ${list(flip.becameReady)}; not ready ${list(flip.becameUnready)}`);
    if (mode !== 'nftables') return { paths, flip };
    ctx.log(`${mode}: ${SERVICES} more services × ${ENDPOINTS} endpoints, then the flips again`);
    ok(await kubectl(['create', 'namespace', 'scale']));
    ok(
      await cluster.kubectl(
        KUBECTL,
        ['create', '-f', cluster.file('scale.json', scaleManifest())],
        {
          timeoutMs: 600_000,
        },
      ),
    );
    // Programmed: every service's cluster IP has its element in the dispatch map.
    await until(
      'the proxy programming the added services',
      async () => {
        const r = await cluster.exec('nft', ['list', 'map', 'ip', NFT_TABLE, 'service-ips']);
        const n = (r.stdout.match(/ : goto service-/g) ?? []).length;
        return n >= SERVICES ? true : undefined;
      },
      300_000,
    );
    const flipAtScale = await runProbe<FlipResult>({
      job: 'flip',
      podIP,
      httpPort: HTTP_PORT,
      clusterIP,
      port: ECHO_PORT,
      service: APP,
      namespace: 'default',
      flips: FLIPS,
      server: cluster.server,
      caPath: cluster.caPath,
      certPath: join(cluster.dataDir, 'pki', 'admin.crt'),
      keyPath: join(cluster.dataDir, 'pki', 'admin.key'),
    });
    ctx.log(
      `${mode} at scale: ready (ms) ${list(flipAtScale.becameReady)}; not ready ${list(flipAtScale.becameUnready)}`,
    );
    return { paths, flip, flipAtScale };
  } finally {
    c?.stop();
  }
}

/** A synthetic cluster: `services` ClusterIP services of `endpoints` ready endpoints each. */
function syntheticServices(services: number, endpoints: number): Map<string, ProxyServicePort> {
  const state = new Map<string, ProxyServicePort>();
  for (let i = 0; i < services; i++) {
    const sp: ProxyServicePort = {
      namespace: 'bench',
      name: `svc-${i}`,
      portName: '',
      protocol: 'TCP',
      clusterIPs: [`10.96.${(i >> 8) + 10}.${i & 255}`],
      port: 80,
      externalIPs: [],
      loadBalancerIPs: [],
      loadBalancerSourceRanges: [],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      endpoints: Array.from({ length: endpoints }, (_, j) => ({
        ip: `10.244.${(i * endpoints + j) >> 8}.${(i * endpoints + j) & 255}`,
        port: 8080,
        ready: true,
        serving: true,
        terminating: false,
        local: true,
      })),
    };
    state.set(servicePortKey(sp), sp);
  }
  return state;
}

interface ProgrammingFigures {
  fullMs: number;
  incrementalMs: number[];
  restartFullMs: number;
  /** `nft` alone on the same table: a transaction of one rule, and one of a chain flush. */
  oneRuleMs: number[];
  flushOnlyMs: number[];
}

/** Wall times of `n` runs of argv inside the namespace. */
async function timeRuns(
  run: (argv: string[]) => Promise<string>,
  argv: string[],
  n: number,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(argv);
    out.push(performance.now() - t0);
  }
  return out;
}

/** The nftables mode alone, programming an empty namespace of the run's own. */
async function measureProgramming(ctx: BenchContext): Promise<ProgrammingFigures> {
  const ns = await createTestNetns('skiff-bench-rules');
  const opts = {
    node: { name: 'bench', addresses: ['192.168.77.1'], clusterCIDR: '10.244.0.0/16' },
    logger: createLogger({ level: 'error' }),
    netns: ns.path,
  };
  try {
    const state = syntheticServices(SERVICES, ENDPOINTS);
    const mode = createNftablesMode(opts);
    ctx.log(`programming ${SERVICES} services × ${ENDPOINTS} endpoints`);
    let t0 = performance.now();
    await mode.sync(state, new Set(state.keys()));
    const fullMs = performance.now() - t0;
    const incrementalMs: number[] = [];
    const keys = [...state.keys()];
    for (let i = 0; i < INCREMENTAL_CHANGES; i++) {
      // One endpoint of one service replaced by another address (a pod recreated).
      const key = keys[(i * 37) % keys.length] as string;
      const sp = state.get(key) as ProxyServicePort;
      const endpoints = [...sp.endpoints];
      endpoints[0] = { ...(endpoints[0] as (typeof endpoints)[0]), ip: `10.245.0.${i + 1}` };
      state.set(key, { ...sp, endpoints });
      t0 = performance.now();
      await mode.sync(state, new Set([key]));
      incrementalMs.push(performance.now() - t0);
    }
    // What any transaction costs at this size: nft reads every chain and set of the
    // ruleset before it adds a rule (or an element), a table list before a flush.
    const T = ['ip', NFT_TABLE];
    await ns.run(['nft', 'add', 'chain', ...T, 'bench-floor']);
    const oneRuleMs = await timeRuns(
      ns.run,
      ['nft', 'add', 'rule', ...T, 'bench-floor', 'counter'],
      5,
    );
    const flushOnlyMs = await timeRuns(ns.run, ['nft', 'flush', 'chain', ...T, 'bench-floor'], 5);
    await mode.close(true);
    // An agent restart: a new mode over the table the last one left behind.
    const again = createNftablesMode(opts);
    t0 = performance.now();
    await again.sync(state, new Set(state.keys()));
    const restartFullMs = performance.now() - t0;
    await again.close();
    return { fullMs, incrementalMs, restartFullMs, oneRuleMs, flushOnlyMs };
  } finally {
    await ns.remove();
  }
}

function modeRows(mode: string, f: ModeFigures, withGoal: boolean): Row[] {
  const med = (m: Record<string, number[]>, label: string): number => median(m[label] ?? []);
  const best = (label: string): number => Math.max(...(f.paths.throughput[label] ?? []));
  const tDirect = med(f.paths.throughput, 'direct');
  const tCluster = med(f.paths.throughput, 'clusterIP');
  const tNode = med(f.paths.throughput, 'nodePort');
  const cDirect = med(f.paths.connectionRate, 'direct');
  const cCluster = med(f.paths.connectionRate, 'clusterIP');
  const cNode = med(f.paths.connectionRate, 'nodePort');
  /** Median over rounds of the path's figure divided by the pod IP's in the same round. */
  const share = (m: Record<string, number[]>, label: string): number =>
    median((m[label] ?? []).map((v, i) => v / (m['direct']?.[i] ?? NaN)));
  const goal = (share: number): Partial<Row> =>
    withGoal ? { goal: `≥ ${SHARE_GOAL * 100} %`, pass: share >= SHARE_GOAL } : {};
  const ready = summarize(f.flip.becameReady);
  const unready = summarize(f.flip.becameUnready);
  const both = summarize([...f.flip.becameReady, ...f.flip.becameUnready]);
  const probe = summarize(f.flip.probeToSlice);
  return [
    {
      metric: `${mode}: throughput, ${BYTES / 1024 / 1024} MB, median of ${ROUNDS}: pod IP / cluster IP / NodePort`,
      measured: `${mbps(tDirect)} / ${mbps(tCluster)} / ${mbps(tNode)}`,
    },
    {
      metric: `${mode}: cluster IP throughput as a share of the pod IP (median of the ${ROUNDS} rounds' shares)`,
      measured: pct(share(f.paths.throughput, 'clusterIP')),
      ...goal(share(f.paths.throughput, 'clusterIP')),
    },
    {
      metric: `${mode}: NodePort throughput as a share of the pod IP (median of the rounds' shares)`,
      measured: pct(share(f.paths.throughput, 'nodePort')),
    },
    {
      // The least disturbed round of each path: other load on the machine only slows a transfer.
      metric: `${mode}: throughput, best of ${ROUNDS}: pod IP / cluster IP / NodePort (cluster IP's share)`,
      measured: `${mbps(best('direct'))} / ${mbps(best('clusterIP'))} / ${mbps(best('nodePort'))} (${pct(best('clusterIP') / best('direct'))})`,
    },
    {
      metric: `${mode}: connections (${CONNECTIONS} × ${ROUNDS}, ${CONCURRENCY} at a time), median: pod IP / cluster IP / NodePort`,
      measured: `${perSec(cDirect)} / ${perSec(cCluster)} / ${perSec(cNode)}`,
    },
    {
      metric: `${mode}: cluster IP connection rate as a share of the pod IP (median of the rounds' shares)`,
      measured: pct(share(f.paths.connectionRate, 'clusterIP')),
      ...goal(share(f.paths.connectionRate, 'clusterIP')),
    },
    {
      metric: `${mode}: NodePort connection rate as a share of the pod IP (median of the rounds' shares)`,
      measured: pct(share(f.paths.connectionRate, 'nodePort')),
    },
    {
      metric: `${mode}: EndpointSlice change → rule live (${both.n} flips): p50 / p99 / max`,
      measured: `${ms(both.p50)} / ${ms(both.p99)} / ${ms(both.max)} (ready ${ms(ready.p50)}, not ready ${ms(unready.p50)} p50)`,
      goal: `p99 < ${FLIP_P99_GOAL_MS} ms`,
      pass: both.p99 < FLIP_P99_GOAL_MS,
    },
    {
      metric: `${mode}: readiness switched in the pod → EndpointSlice change (probe every 1 s), p50 / max`,
      measured: `${ms(probe.p50)} / ${ms(probe.max)}`,
    },
    ...(f.flipAtScale ? scaleRows(mode, f.flipAtScale) : []),
  ];
}

function scaleRows(mode: string, flip: FlipResult): Row[] {
  const both = summarize([...flip.becameReady, ...flip.becameUnready]);
  const ready = summarize(flip.becameReady);
  const unready = summarize(flip.becameUnready);
  return [
    {
      metric: `${mode}, ${SERVICES.toLocaleString('en-US')} more services × ${ENDPOINTS} endpoints: EndpointSlice change → rule live (${both.n} flips): p50 / p99 / max`,
      measured: `${ms(both.p50)} / ${ms(both.p99)} / ${ms(both.max)} (ready ${ms(ready.p50)}, not ready ${ms(unready.p50)} p50)`,
      goal: `p99 < ${FLIP_P99_GOAL_MS} ms`,
      pass: both.p99 < FLIP_P99_GOAL_MS,
    },
  ];
}

export const services: Benchmark = {
  name: 'services',
  title:
    'service proxy: ClusterIP and NodePort next to the pod IP, endpoint changes, rule programming',
  budgetMs: 900_000,
  async run(ctx) {
    const skip = nodeSkipReason();
    if (skip) return [{ metric: 'services', measured: `skipped: ${skip}` }];
    const built = await ensureTestImages({ images: [IMAGES.kubiaNode] });
    const archive = built.archives[IMAGES.kubiaNode] as string;
    const programming = await measureProgramming(ctx);
    const nft = await measureMode(ctx, 'nftables', archive);
    const user = await measureMode(ctx, 'userspace', archive);
    const inc = summarize(programming.incrementalMs);
    return [
      ...modeRows('nftables', nft, true),
      ...modeRows('userspace', user, false),
      {
        metric: `nftables: program ${SERVICES.toLocaleString('en-US')} services × ${ENDPOINTS} endpoints, full sync into an empty table`,
        measured: ms(programming.fullMs),
      },
      {
        metric: `nftables: one endpoint of one service changed (${inc.n} changes): p50 / max`,
        measured: `${ms(inc.p50)} / ${ms(inc.max)}`,
      },
      {
        metric: `nftables: \`nft\` alone on that table, median of 5: a one-rule transaction / a chain flush`,
        measured: `${ms(median(programming.oneRuleMs))} / ${ms(median(programming.flushOnlyMs))}`,
      },
      {
        metric: 'nftables: full sync over the same table after an agent restart',
        measured: ms(programming.restartFullMs),
      },
    ];
  },
};
