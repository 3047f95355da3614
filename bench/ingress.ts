// 11. The ingress on a real node, beside plain nginx, in one run: `wrk` through Skiff's
// ingress controller (nginx configured from an Ingress) and through Debian's nginx set up
// by hand as a reverse proxy to the same pods (a Node.js HTTP server with keep-alive, so
// the proxies rather than the pods are measured), over HTTP and over HTTPS. The cluster is
// `skiff up` in a network namespace made for the run; wrk and the plain nginx run in it.
// Then change → live: endpoint changes (a backend scaled up until the new pod answers) and
// Ingress edits (a new path, a new host), with nginx's Lua module (no reload for either) and,
// on a second cluster started with SKIFF_INGRESS_NO_LUA, without it (every change a reload),
// so before and after side by side.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { ensureTestImages, IMAGES } from '../test/images/index.js';
import { NO_LUA_ENV } from '../src/net/ingress/index.js';
import {
  nodeSkipReason,
  ok,
  parseTable,
  run,
  startNodeCluster,
  until,
  type TestCluster,
} from '../test/e2e/harness.js';
import type { Benchmark } from './lib/bench.js';
import { ms, perSec } from './lib/report.js';

const KUBECTL = 33;
const HOST = 'bench.example.com';
/** Requests/s through Skiff's ingress as a share of plain nginx's. */
const GOAL = 0.7;
const DURATION_S = 6;
const CONNECTIONS = 32;
const PLAIN_HTTP = 8081;
const PLAIN_HTTPS = 8444;

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: ${IMAGES.kubiaNode}
        # Port 80 answers the pod's IP (the endpoint probe waits for a new pod's); port 81
        # answers otherwise: the route probe routes a new path there.
        command: ["node", "-e", "const h = require('node:http'); const ip = Object.values(require('node:os').networkInterfaces()).flat().find((a) => a.family === 'IPv4' && !a.internal).address; h.createServer((q, r) => r.end(ip)).listen(80); h.createServer((q, r) => r.end('other')).listen(81)"]
        ports:
        - containerPort: 80
        # Ready once it listens: an endpoint change is then the ingress's to serve, not the
        # pod's start (an unready listener is passed over for the other pods).
        readinessProbe:
          httpGet:
            path: /
            port: 80
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
  - name: other
    port: 81
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bench
  annotations:
    skiff.dev/ssl-redirect: "false"
spec:
  tls:
  - hosts:
    - ${HOST}
  rules:
  - host: ${HOST}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`;

/** A reverse proxy as one would write it by hand: keep-alive upstream, forwarded headers. */
const plainConfig = (dir: string, pods: string[], generation = 0): string => `
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream web {
${pods.map((ip) => `    server ${ip}:80;`).join('\n')}
    keepalive 64;
  }
  server {
    listen ${PLAIN_HTTP};
    location = /generation { return 200 "${generation}"; }
    listen ${PLAIN_HTTPS} ssl http2;
    ssl_certificate ${dir}/tls.pem;
    ssl_certificate_key ${dir}/tls.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`;

/**
 * Times, in the cluster's namespace, how long a change takes to serve (run with node -e;
 * prints one JSON array of milliseconds). `ingress`: PATCHes the Ingress through the API
 * (a new Exact path, or every other round a new host, to the pods' other port) and polls
 * through the ingress until it answers "other", from the PATCH's response on. `reload`: nginx alone, the plain one
 * here: rewrites its configuration with a new generation, sends SIGHUP and polls until the
 * new generation answers. `check`: `nginx -t` of that configuration. `endpoints`: scales
 * the Deployment from 2 to 3 replicas and, from the watch event with the new pod's ready
 * endpoint on, polls through the ingress until that pod answers; then scales back to 2 and
 * waits until the slices show 2 ready endpoints.
 */
const LIVE_PROBE_JS = String.raw`
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
const [mode, rounds, ...rest] = process.argv.slice(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const get = (port, path, host) =>
  new Promise((resolve) => {
    // A new connection each time: what a new client sees (a keep-alive connection stays
    // with an old worker until that worker closes it, idle, after the reload).
    const req = http.get({ host: rest[mode === 'reload' || mode === 'check' ? 0 : 3], port, path, agent: false, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
  });
const api = (server, token, ca, method, path, body, type) =>
  new Promise((resolve, reject) => {
    const req = https.request(new URL(server + path), { method, ca, headers: {
      authorization: 'Bearer ' + token, 'content-type': type || 'application/merge-patch+json' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(method + ' ' + path + ' ' + res.statusCode))));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
const SLICES = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb';
const readyIps = (slices) => slices.flatMap((s) => (s.endpoints || []).filter((e) => e.conditions && e.conditions.ready).map((e) => e.addresses[0]));
/** Resolves with the first ready address not in known, seen on a watch from rv. */
const watchNewReady = (server, token, ca, rv, known, wantCount) =>
  new Promise((resolve, reject) => {
    const slices = new Map();
    const req = https.get(new URL(server + SLICES + '&watch=1&allowWatchBookmarks=false&resourceVersion=' + rv), { ca, headers: { authorization: 'Bearer ' + token } }, (res) => {
      let buf = '';
      res.on('data', (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          const o = ev.object;
          if (ev.type === 'DELETED') slices.delete(o.metadata.name); else slices.set(o.metadata.name, o);
          const ready = readyIps([...slices.values()]);
          const fresh = known ? ready.find((ip) => !known.includes(ip)) : undefined;
          if (fresh || (wantCount !== undefined && ready.length === wantCount)) {
            const t = performance.now();
            req.destroy();
            resolve({ ip: fresh, t });
          }
        }
      });
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
  });
// Even rounds add a path to the bench host, odd ones a new host: both to the pods' other port.
const patch = (server, token, ca, tag, newHost) =>
  new Promise((resolve, reject) => {
    const backend = { service: { name: 'web', port: { number: 81 } } };
    const op = newHost
      ? { op: 'add', path: '/spec/rules/-', value: { host: newHost, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } } }
      : { op: 'add', path: '/spec/rules/0/http/paths/-', value: { path: '/live-' + tag, pathType: 'Exact', backend } };
    const body = JSON.stringify([op]);
    const u = new URL(server + '/apis/networking.k8s.io/v1/namespaces/default/ingresses/bench');
    const req = https.request(u, { method: 'PATCH', ca, headers: {
      authorization: 'Bearer ' + token, 'content-type': 'application/json-patch+json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error('PATCH ' + res.statusCode))));
    });
    req.on('error', reject);
    req.end(body);
  });
(async () => {
  const times = [];
  const written = [];
  for (let i = 0; i < Number(rounds); i++) {
    if (mode === 'endpoints') {
      const [server, token, caPath, , host, stateFile] = rest;
      const ca = fs.readFileSync(caPath);
      const list = await api(server, token, ca, 'GET', SLICES);
      const known = readyIps(list.items);
      const seen = watchNewReady(server, token, ca, list.metadata.resourceVersion, known);
      // When the controller writes a new pod's address into the data plane's file.
      let writtenAt;
      const ipsIn = () => [...fs.readFileSync(stateFile, 'utf8').matchAll(/(\d+\.\d+\.\d+\.\d+):80\b/g)].map((m) => m[1]);
      const poll = setInterval(() => {
        if (writtenAt === undefined && ipsIn().some((a) => !known.includes(a))) writtenAt = performance.now();
      }, 1);
      const scale = (n) => api(server, token, ca, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { replicas: n } });
      await scale(known.length + 1);
      const { ip, t: t0 } = await seen;
      while ((await get(80, '/', host)) !== ip) await sleep(1);
      const t1 = performance.now();
      clearInterval(poll);
      times.push(t1 - t0);
      written.push((writtenAt ?? t1) - t0);
      const now = await api(server, token, ca, 'GET', SLICES);
      const back = watchNewReady(server, token, ca, now.metadata.resourceVersion, undefined, known.length);
      await scale(known.length);
      if (readyIps(now.items).length !== known.length) await back;
    } else if (mode === 'ingress') {
      const [server, token, caPath, , host] = rest;
      const tag = Date.now() + '-' + i;
      const newHost = i % 2 ? 'live-' + tag + '.example.com' : undefined;
      await patch(server, token, fs.readFileSync(caPath), tag, newHost);
      const t0 = performance.now();
      while ((await get(80, newHost ? '/' : '/live-' + tag, newHost || host)) !== 'other') await sleep(1);
      times.push(performance.now() - t0);
    } else if (mode === 'check') {
      const [, confPath, prefix] = rest;
      const t0 = performance.now();
      const r = require('node:child_process').spawnSync('nginx', ['-t', '-q', '-p', prefix, '-c', confPath]);
      if (r.status !== 0) throw new Error('nginx -t: ' + r.stderr);
      times.push(performance.now() - t0);
    } else {
      const [, confPath, pidPath] = rest;
      const generation = String(Date.now() + i);
      const conf = fs.readFileSync(confPath, 'utf8').replace(/return 200 "\d+";/, 'return 200 "' + generation + '";');
      fs.writeFileSync(confPath, conf);
      const t0 = performance.now();
      process.kill(Number(fs.readFileSync(pidPath, 'utf8')), 'SIGHUP');
      while ((await get(${PLAIN_HTTP}, '/generation', 'x')) !== generation) await sleep(1);
      times.push(performance.now() - t0);
    }
    await sleep(200);
  }
  console.log(JSON.stringify(written.length ? { times, written } : times));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const LIVE_ROUNDS = 20;

interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: string;
}

/** wrk's "Requests/sec" and the 99% line of --latency (units us, ms or s). */
function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const m = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const scale = { us: 0.001, ms: 1, s: 1000 } as const;
  const p99Ms = m ? Number(m[1]) * scale[m[2] as keyof typeof scale] : NaN;
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(out)?.[0] ?? '';
  if (!Number.isFinite(rps)) throw new Error(`wrk printed no rate:\n${out}`);
  return { rps, p99Ms, errors };
}

/** The app on a cluster: its Ingress's ADDRESS and the two pods' IPs once ready. */
async function deploy(cluster: TestCluster): Promise<{ address: string; pods: string[] }> {
  const kubectl = (args: string[], input?: string) =>
    cluster.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  ok(await kubectl(['apply', '-f', '-'], APP));
  const address = await until('the Ingress ADDRESS', async () => {
    const [row] = parseTable(ok(await kubectl(['get', 'ingress', 'bench'])));
    return row?.['ADDRESS'] || undefined;
  });
  const pods = await until('two ready endpoints', async () => {
    const ips = ok(
      await kubectl(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']),
    )
      .split(' ')
      .filter(Boolean);
    return ips.length === 2 ? ips : undefined;
  });
  return { address, pods };
}

/**
 * Runs LIVE_PROBE_JS in the cluster's namespace: the times, sorted; for endpoint changes
 * also split where the controller wrote the new address into the data plane's file
 * (`written`: watch event → written; `served`: written → the pod answers), each sorted.
 */
async function probeSplit(
  cluster: TestCluster,
  mode: string,
  args: string[],
): Promise<{ times: number[]; written: number[]; served: number[] }> {
  const r = await cluster.exec(
    process.execPath,
    ['-e', LIVE_PROBE_JS, mode, String(LIVE_ROUNDS), ...args],
    { timeoutMs: 240_000 },
  );
  if (r.code !== 0) throw new Error(`live probe (${mode}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as number[] | { times: number[]; written: number[] };
  const times = Array.isArray(out) ? out : out.times;
  const written = Array.isArray(out) ? [] : out.written;
  const sorted = (t: number[]) => [...t].sort((a, b) => a - b);
  return {
    times: sorted(times),
    written: sorted(written),
    served: sorted(times.map((t, i) => t - (written[i] ?? 0))),
  };
}
const probe = async (cluster: TestCluster, mode: string, args: string[]): Promise<number[]> =>
  (await probeSplit(cluster, mode, args)).times;

/** The configuration generation the ingress's nginx workers answer (each reload bumps it). */
async function generation(cluster: TestCluster): Promise<number> {
  const socket = join(cluster.dataDir, 'ingress', 'status.sock');
  const r = await run(
    'curl',
    ['-s', '--max-time', '5', '--unix-socket', socket, 'http://x/generation'],
    {
      timeoutMs: 20_000,
    },
  );
  return Number(ok(r, 'generation'));
}

/** The probe, and how many times nginx reloaded meanwhile. */
async function probeReloads(
  cluster: TestCluster,
  mode: string,
  args: string[],
): Promise<{ times: number[]; reloads: number }> {
  const before = await generation(cluster);
  const times = await probe(cluster, mode, args);
  return { times, reloads: (await generation(cluster)) - before };
}

/** The probe while wrk loads the ingress (in 5 s runs until the probe is done). */
async function underLoad(
  cluster: TestCluster,
  address: string,
  mode: string,
  args: string[],
): Promise<{ times: number[]; written: number[]; served: number[] }> {
  let done = false;
  const load = (async () => {
    while (!done)
      await cluster.exec(
        'wrk',
        [
          '-t',
          '2',
          '-c',
          String(CONNECTIONS),
          '-d',
          '5s',
          '-H',
          `Host: ${HOST}`,
          `http://${address}/`,
        ],
        { timeoutMs: 60_000 },
      );
  })();
  try {
    return await probeSplit(cluster, mode, args);
  } finally {
    done = true;
    await load;
  }
}

/** Nearest-rank percentile of sorted times. */
const percentile = (t: number[], q: number): number =>
  t[Math.min(t.length - 1, Math.max(0, Math.ceil(q * t.length) - 1))] ?? NaN;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export const ingress: Benchmark = {
  name: 'ingress',
  title:
    "wrk through Skiff's ingress next to plain nginx to the same pods, HTTP and HTTPS; change → live with and without nginx's Lua module",
  budgetMs: 900_000,
  async run(ctx) {
    const skip =
      nodeSkipReason() ??
      (['nginx', 'wrk', 'openssl'].find(
        (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
      ) !== undefined
        ? 'needs nginx, wrk and openssl (scripts/setup.mjs installs them)'
        : undefined);
    if (skip) return [{ metric: 'ingress', measured: `skipped: ${skip}` }];
    const built = await ensureTestImages({ images: [IMAGES.kubiaNode] });
    const images = [built.archives[IMAGES.kubiaNode] as string];
    const loadAtStart = load();
    let c: TestCluster | undefined;
    let plainRunning = false;
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-nginx-'));
    try {
      c = startNodeCluster({ images });
      const cluster = c;
      const { address, pods } = await deploy(cluster);
      ctx.log(`ingress at ${address}, pods ${pods.join(', ')}`);
      // The plain proxy gets a certificate of the same kind (ECDSA P-256) as the ingress's.
      ok(
        await run(
          'sh',
          [
            '-c',
            `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=${HOST} -days 1 -keyout ${dir}/k.pem -out ${dir}/c.pem 2>/dev/null && cat ${dir}/c.pem ${dir}/k.pem > ${dir}/tls.pem`,
          ],
          { timeoutMs: 30_000 },
        ),
        'openssl',
      );
      writeFileSync(join(dir, 'nginx.conf'), plainConfig(dir, pods));
      ok(
        await cluster.exec('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
          timeoutMs: 30_000,
        }),
        'nginx',
      );
      plainRunning = true;
      const wrk = async (url: string): Promise<WrkResult> => {
        const u = new URL(url);
        // wrk sends the name from the URL as Host and SNI: connect by address, name the host.
        const r = await cluster.exec(
          'wrk',
          [
            '-t',
            '2',
            '-c',
            String(CONNECTIONS),
            '-d',
            `${DURATION_S}s`,
            '--latency',
            '-H',
            `Host: ${HOST}`,
            url,
          ],
          { timeoutMs: (DURATION_S + 30) * 1000 },
        );
        if (r.code !== 0) throw new Error(`wrk ${u.href}: ${r.stderr}`);
        return parseWrk(r.stdout);
      };
      // Warm both (pools, TLS sessions), then measure in the order A B B A and keep each
      // one's better run, so that neither gains from going first on a busy machine.
      await wrk(`http://${address}/`);
      await wrk(`http://${address}:${PLAIN_HTTP}/`);
      const better = (a: WrkResult, b: WrkResult): WrkResult => (a.rps >= b.rps ? a : b);
      const pair = async (skiffUrl: string, plainUrl: string): Promise<[WrkResult, WrkResult]> => {
        const s1 = await wrk(skiffUrl);
        const p1 = await wrk(plainUrl);
        const p2 = await wrk(plainUrl);
        const s2 = await wrk(skiffUrl);
        return [better(s1, s2), better(p1, p2)];
      };
      const [skiffHttp, plainHttp] = await pair(
        `http://${address}/`,
        `http://${address}:${PLAIN_HTTP}/`,
      );
      const [skiffHttps, plainHttps] = await pair(
        `https://${address}/`,
        `https://${address}:${PLAIN_HTTPS}/`,
      );
      const row = (what: string, s: WrkResult, p: WrkResult) => {
        const share = s.rps / p.rps;
        return [
          {
            metric: `${what}: requests/s, Skiff ingress vs plain nginx (${CONNECTIONS} connections, better of 2 × ${DURATION_S} s)`,
            measured: `${perSec(s.rps)} vs ${perSec(p.rps)} (${Math.round(share * 100)} %)`,
            goal: `≥ ${GOAL * 100} %`,
            pass: share >= GOAL,
          },
          {
            metric: `${what}: p99 latency, Skiff ingress vs plain nginx`,
            measured: `${ms(s.p99Ms)} vs ${ms(p.p99Ms)}${s.errors || p.errors ? ` (errors: ${s.errors} / ${p.errors})` : ''}`,
          },
        ];
      };
      // Change → live, idle and under wrk's load through the ingress.
      // The file the controller writes endpoints into: the Lua state, else nginx.conf.
      const change = [
        cluster.server,
        cluster.adminToken,
        cluster.caPath,
        address,
        HOST,
        join(cluster.dataDir, 'ingress', 'lua-state.txt'),
      ];
      const reload = [address, join(dir, 'nginx.conf'), join(dir, 'nginx.pid')];
      const endpointsIdle = await probeSplit(cluster, 'endpoints', change);
      const endpointsLoaded = await underLoad(cluster, address, 'endpoints', change);
      const liveIdle = await probeReloads(cluster, 'ingress', change);
      const liveLoaded = (await underLoad(cluster, address, 'ingress', change)).times;
      const reloadIdle = await probe(cluster, 'reload', reload);
      const reloadLoaded = (await underLoad(cluster, address, 'reload', reload)).times;
      const check = await probe(cluster, 'check', [address, join(dir, 'nginx.conf'), dir]);
      await cluster
        .exec('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-s', 'quit'], {
          timeoutMs: 10_000,
        })
        .catch(() => undefined);
      plainRunning = false;
      cluster.stop();
      c = undefined;
      // Before: the same changes on a node whose ingress reloads nginx for each of them.
      process.env[NO_LUA_ENV] = '1';
      try {
        c = startNodeCluster({ images });
      } finally {
        delete process.env[NO_LUA_ENV];
      }
      const reloading = c;
      const before = await deploy(reloading);
      ctx.log(`ingress without Lua at ${before.address}`);
      const beforeChange = [
        reloading.server,
        reloading.adminToken,
        reloading.caPath,
        before.address,
        HOST,
        join(reloading.dataDir, 'ingress', 'nginx.conf'),
      ];
      const beforeEndpoints = await probeSplit(reloading, 'endpoints', beforeChange);
      const beforeEndpointsLoaded = await underLoad(
        reloading,
        before.address,
        'endpoints',
        beforeChange,
      );
      const beforeRoutes = await probeReloads(reloading, 'ingress', beforeChange);
      const spread = (t: number[]) => `${ms(percentile(t, 0.5))} / ${ms(percentile(t, 0.99))}`;
      const median = (t: number[]) => percentile(t, 0.5);
      /** Where an endpoint change's time went: the controller's part and the data plane's. */
      const split = (r: { written: number[]; served: number[] }) => [
        {
          metric: '  of which watch event → address written by the controller',
          measured: spread(r.written),
        },
        { metric: '  of which address written → the new pod answers', measured: spread(r.served) },
      ];
      return [
        ...row('HTTP', skiffHttp, plainHttp),
        ...row('HTTPS', skiffHttps, plainHttps),
        {
          metric: `Endpoint change → served (a new pod's ready endpoint seen in a watch → that pod answers through the ingress), idle: p50 / p99 of ${LIVE_ROUNDS}, with Lua`,
          measured: spread(endpointsIdle.times),
          goal: '< 100 ms',
          pass: median(endpointsIdle.times) < 100,
        },
        ...split(endpointsIdle),
        {
          metric: `the same, under wrk through the ingress (${CONNECTIONS} connections)`,
          measured: spread(endpointsLoaded.times),
          goal: '< 100 ms',
          pass: median(endpointsLoaded.times) < 100,
        },
        ...split(endpointsLoaded),
        {
          metric: `the same, idle, before: the ingress without Lua (${NO_LUA_ENV}; a reload each)`,
          measured: spread(beforeEndpoints.times),
        },
        ...split(beforeEndpoints),
        {
          metric: 'the same, under wrk, before: the ingress without Lua',
          measured: spread(beforeEndpointsLoaded.times),
        },
        ...split(beforeEndpointsLoaded),
        {
          metric: `Ingress edit → served (API PATCH answered → first request routed by it: a new path or a new host), idle: p50 / p99 of ${LIVE_ROUNDS}, with Lua (routes in the shared dict)`,
          measured: `${spread(liveIdle.times)} (nginx reloads: ${liveIdle.reloads})`,
          goal: '< 100 ms',
          pass: median(liveIdle.times) < 100,
        },
        {
          metric: `the same, under wrk through the ingress (${CONNECTIONS} connections)`,
          measured: spread(liveLoaded),
        },
        {
          metric: `the same, idle, before: the ingress without Lua (${NO_LUA_ENV}; a reload each)`,
          measured: `${spread(beforeRoutes.times)} (nginx reloads: ${beforeRoutes.reloads})`,
        },
        {
          metric: 'nginx reload alone (SIGHUP → new configuration answers), idle: p50 / p99',
          measured: spread(reloadIdle),
        },
        {
          metric: 'nginx reload alone, under wrk',
          measured: spread(reloadLoaded),
        },
        {
          metric:
            'nginx -t alone (the check before a reload that is not only endpoints): p50 / p99',
          measured: spread(check),
        },
        {
          metric: 'load average (1, 5, 15 min) at the start; at the end',
          measured: `${loadAtStart}; ${load()}`,
        },
      ];
    } finally {
      if (c && plainRunning)
        await c
          .exec('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-s', 'quit'], {
            timeoutMs: 10_000,
          })
          .catch(() => undefined);
      c?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
