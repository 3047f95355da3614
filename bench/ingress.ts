// 11. The ingress on a real node, beside plain nginx, in one run: `wrk` through Skiff's
// ingress controller (nginx configured from an Ingress) and through Debian's nginx set up
// by hand as a reverse proxy to the same pods (a Node.js HTTP server with keep-alive, so
// the proxies rather than the pods are measured), over HTTP and over HTTPS. The cluster is
// `skiff up` in a network namespace made for the run; wrk and the plain nginx run in it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureTestImages, IMAGES } from '../test/images/index.js';
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
      containers:
      - name: web
        image: ${IMAGES.kubiaNode}
        # Port 81 answers otherwise: the change-to-live probe routes a new path there.
        command: ["node", "-e", "const h = require('node:http'); h.createServer((q, r) => r.end('ok')).listen(80); h.createServer((q, r) => r.end('other')).listen(81)"]
        ports:
        - containerPort: 80
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
 * (a new Exact path to the pods' other port) and polls through the ingress until that path
 * answers "other", from the PATCH's response on. `reload`: nginx alone, the plain one
 * here: rewrites its configuration with a new generation, sends SIGHUP and polls until the
 * new generation answers. `check`: `nginx -t` of that configuration.
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
    const req = http.get({ host: rest[mode === 'ingress' ? 3 : 0], port, path, agent: false, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
  });
const patch = (server, token, ca, i) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify([{ op: 'add', path: '/spec/rules/0/http/paths/-', value: {
      path: '/live-' + i, pathType: 'Exact', backend: { service: { name: 'web', port: { number: 81 } } } } }]);
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
  for (let i = 0; i < Number(rounds); i++) {
    if (mode === 'ingress') {
      const [server, token, caPath, , host] = rest;
      const tag = Date.now() + '-' + i;
      await patch(server, token, fs.readFileSync(caPath), tag);
      const t0 = performance.now();
      while ((await get(80, '/live-' + tag, host)) !== 'other') await sleep(1);
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
  console.log(JSON.stringify(times));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const LIVE_ROUNDS = 10;

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

export const ingress: Benchmark = {
  name: 'ingress',
  title: "wrk through Skiff's ingress next to plain nginx to the same pods, HTTP and HTTPS",
  budgetMs: 600_000,
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
    let c: TestCluster | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-nginx-'));
    try {
      c = startNodeCluster({ images: [built.archives[IMAGES.kubiaNode] as string] });
      const cluster = c;
      const kubectl = (args: string[], input?: string) =>
        cluster.kubectl(KUBECTL, args, input === undefined ? {} : { input });
      ok(await kubectl(['apply', '-f', '-'], APP));
      const address = await until('the Ingress ADDRESS', async () => {
        const [row] = parseTable(ok(await kubectl(['get', 'ingress', 'bench'])));
        return row?.['ADDRESS'] || undefined;
      });
      const pods = await until('two ready endpoints', async () => {
        const ips = ok(
          await kubectl([
            'get',
            'endpoints',
            'web',
            '-o',
            'jsonpath={.subsets[*].addresses[*].ip}',
          ]),
        )
          .split(' ')
          .filter(Boolean);
        return ips.length === 2 ? ips : undefined;
      });
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
      const probe = async (mode: string, args: string[]): Promise<number[]> => {
        const r = await cluster.exec(
          process.execPath,
          ['-e', LIVE_PROBE_JS, mode, String(LIVE_ROUNDS), ...args],
          { timeoutMs: 120_000 },
        );
        if (r.code !== 0) throw new Error(`live probe (${mode}): ${r.stderr}`);
        return (JSON.parse(r.stdout) as number[]).sort((a, b) => a - b);
      };
      const underLoad = async (mode: string, args: string[]): Promise<number[]> => {
        const load = cluster.exec(
          'wrk',
          [
            '-t',
            '2',
            '-c',
            String(CONNECTIONS),
            '-d',
            '15s',
            '-H',
            `Host: ${HOST}`,
            `http://${address}/`,
          ],
          { timeoutMs: 60_000 },
        );
        try {
          return await probe(mode, args);
        } finally {
          await load;
        }
      };
      const change = [cluster.server, cluster.adminToken, cluster.caPath, address, HOST];
      const reload = [address, join(dir, 'nginx.conf'), join(dir, 'nginx.pid')];
      const liveIdle = await probe('ingress', change);
      const liveLoaded = await underLoad('ingress', change);
      const reloadIdle = await probe('reload', reload);
      const reloadLoaded = await underLoad('reload', reload);
      const check = await probe('check', [address, join(dir, 'nginx.conf'), dir]);
      const spread = (t: number[]) =>
        `${ms(t[Math.floor(t.length / 2)] ?? NaN)} / ${ms(t[t.length - 1] ?? NaN)}`;
      const median = (t: number[]) => t[Math.floor(t.length / 2)] ?? NaN;
      return [
        ...row('HTTP', skiffHttp, plainHttp),
        ...row('HTTPS', skiffHttps, plainHttps),
        {
          metric: `Ingress edit → served (API PATCH answered → first request routed by it), idle: median / max of ${LIVE_ROUNDS}`,
          measured: spread(liveIdle),
          goal: '< 100 ms',
          pass: median(liveIdle) < 100,
        },
        {
          metric: `the same, under wrk through the ingress (${CONNECTIONS} connections)`,
          measured: spread(liveLoaded),
          goal: '< 100 ms',
          pass: median(liveLoaded) < 100,
        },
        {
          metric: 'nginx reload alone (SIGHUP → new configuration answers), idle: median / max',
          measured: spread(reloadIdle),
        },
        {
          metric: 'nginx reload alone, under wrk',
          measured: spread(reloadLoaded),
        },
        {
          metric:
            'nginx -t alone (the check before a reload that is not only endpoints): median / max',
          measured: spread(check),
        },
      ];
    } finally {
      if (c)
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
