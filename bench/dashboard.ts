// The dashboard: the first page's compressed JavaScript (dist/dashboard/sizes.json, the
// entry and the chunks it imports statically; goal < 300 KB), the memory the dashboard adds
// to `skiff up` (idle, against `--disable-dashboard`, and per idle watch it passes on, against
// the same watches made straight to the API server), and the pods list's first meaningful
// paint with 1,000 pods in headless Chromium (navigation → the 1,000th row; goal < 1 s).

import { readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Benchmark } from './lib/bench.js';
import { ROOT, rssBytes, startCluster, type BenchCluster } from './lib/cluster.js';
import { createH2Client, expectStatus, type H2Client } from './lib/h2.js';
import { ensureNamespace, pod, sleep } from './lib/objects.js';
import { mib, ms } from './lib/report.js';

const FIRST_PAGE_GOAL_BYTES = 300 * 1024;
const PAINT_GOAL_MS = 1000;
const PODS = 1000;
const WATCHES = 200;
const IDLE_MS = 4000;
const NAMESPACE = 'bench-dashboard';
const CHROMIUM = '/usr/bin/chromium';

type Sizes = Record<string, { bytes: number; gzip: number }>;
/** The little of the page's document the timing reads. */
interface Element {
  querySelector(selector: string): Element | null;
}
type Document = Element;

/** The entry's JavaScript and every chunk it imports statically (not `import()`), gzipped. */
export function firstPageBytes(dir: string, sizes: Sizes, entry = 'assets/main.js'): number {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !sizes[file]) return;
    seen.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    const base = file.slice(0, file.lastIndexOf('/') + 1);
    for (const m of text.matchAll(/\bfrom\s*"(\.{1,2}\/[^"]+)"|\bimport\s*"(\.{1,2}\/[^"]+)"/g)) {
      const rel = m[1] ?? m[2] ?? '';
      visit(new URL(rel, `file:///${base}`).pathname.slice(1));
    }
  };
  visit(entry);
  return [...seen].reduce((n, f) => n + (sizes[f]?.gzip ?? 0), 0);
}

/** The dashboard's port, from its Service. */
async function dashboardPort(client: H2Client): Promise<number> {
  const r = expectStatus(
    await client.request('/api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard'),
    200,
    'the dashboard Service',
  );
  return (JSON.parse(r.body) as { spec: { ports: { targetPort: number }[] } }).spec.ports[0]!
    .targetPort;
}

const adminToken = (c: BenchCluster): string =>
  (readFileSync(join(c.dataDir, 'tokens.csv'), 'utf8').split(',')[0] ?? '').trim();

/** N idle watches, each on a connection of its own (as N browser tabs would hold). */
async function openWatches(
  port: number,
  path: string,
  headers: Record<string, string>,
  n: number,
): Promise<ClientRequest[]> {
  const open = (): Promise<ClientRequest> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path, headers, rejectUnauthorized: false, agent: false },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
          else resolve(req);
          res.resume();
        },
      );
      req.on('error', reject);
      req.end();
    });
  const out: ClientRequest[] = [];
  for (let i = 0; i < n; i += 20)
    out.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, open))));
  return out;
}

/** RSS of the process once it settles (after a short idle). */
async function settledRss(pid: number): Promise<number> {
  await sleep(1500);
  return rssBytes(pid);
}

async function memory(): Promise<{
  without: number;
  withDashboard: number;
  perWatch: number;
  perDirect: number;
}> {
  const plain = await startCluster(undefined, { args: ['--disable-dashboard'] });
  let without: number;
  try {
    await sleep(IDLE_MS);
    without = rssBytes(plain.pid);
  } finally {
    await plain.stop();
  }
  const c = await startCluster(undefined, { args: ['--dashboard-port', '0'] });
  try {
    await sleep(IDLE_MS);
    const withDashboard = rssBytes(c.pid);
    const client = await createH2Client({ port: c.port, credentials: c.credentials, sessions: 1 });
    const port = await dashboardPort(client);
    await client.close();
    const token = adminToken(c);
    const path = '/api/v1/namespaces/default/configmaps?watch=1';
    // Straight to the API server first, then through the dashboard: the difference per watch
    // is what the dashboard adds.
    const before = await settledRss(c.pid);
    const direct = await openWatches(c.port, path, { authorization: `Bearer ${token}` }, WATCHES);
    const afterDirect = await settledRss(c.pid);
    const via = await openWatches(port, `/k8s${path}`, { 'x-dashboard-token': token }, WATCHES);
    const afterVia = await settledRss(c.pid);
    for (const r of [...direct, ...via]) r.destroy();
    return {
      without,
      withDashboard,
      perDirect: (afterDirect - before) / WATCHES,
      perWatch: (afterVia - afterDirect) / WATCHES,
    };
  } finally {
    await c.stop();
  }
}

/** Navigation → the 1,000th pod row, in fresh pages: the first (cold) and the median of 3 more. */
async function paint(log: (l: string) => void): Promise<{ cold: number; warm: number }> {
  const { chromium } = await import('playwright-core');
  const c = await startCluster(undefined, { args: ['--dashboard-port', '0'] });
  const browserContext = await chromium.launchPersistentContext('', {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const client = await createH2Client({ port: c.port, credentials: c.credentials, sessions: 2 });
    const port = await dashboardPort(client);
    await ensureNamespace(client, NAMESPACE);
    for (let i = 0; i < PODS; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client
            .request(`/api/v1/namespaces/${NAMESPACE}/pods`, {
              method: 'POST',
              body: pod(`pod-${String(i + j).padStart(4, '0')}`),
            })
            .then((r) => expectStatus(r, 201, 'create pod')),
        ),
      );
    await client.close();
    log(`${PODS} pods created; timing the pods page`);
    const token = adminToken(c);
    await browserContext.addInitScript(
      ([ns, t]) => {
        // Runs in the page (DOM globals, which this file's types do not have).
        const w = globalThis as unknown as Record<string, { setItem(k: string, v: string): void }>;
        w['localStorage']?.setItem('skiff.dashboard.namespace', ns as string);
        w['sessionStorage']?.setItem('skiff.dashboard.token', t as string);
      },
      [NAMESPACE, token],
    );
    const times: number[] = [];
    for (let run = 0; run < 4; run++) {
      const page = await browserContext.newPage();
      await page.goto(`https://127.0.0.1:${port}/#/pods`);
      // performance.now() counts from the navigation's start.
      const handle = await page.waitForFunction(
        (n) => {
          const doc = (globalThis as unknown as Record<string, Document>)['document'];
          // The list draws only the rows in view; aria-rowcount says it holds all of them.
          const table = doc?.querySelector(`table[aria-rowcount="${(n as number) + 1}"]`);
          return table && table.querySelector('tbody tr') ? performance.now() : 0;
        },
        PODS,
        { polling: 'raf', timeout: 30_000 },
      );
      times.push((await handle.jsonValue()) as number);
      await page.close();
    }
    const warm = times.slice(1).sort((a, b) => a - b)[1] ?? NaN;
    return { cold: times[0] ?? NaN, warm };
  } finally {
    await browserContext.close().catch(() => undefined);
    await c.stop();
  }
}

export const dashboard: Benchmark = {
  name: 'dashboard',
  title: 'the dashboard: first-page bundle, memory, pods page with 1,000 pods',
  budgetMs: 240_000,
  async run(ctx) {
    const dir = join(ROOT, 'dist', 'dashboard');
    const sizes = JSON.parse(readFileSync(join(dir, 'sizes.json'), 'utf8')) as Sizes;
    const first = firstPageBytes(dir, sizes);
    const allJs = Object.entries(sizes)
      .filter(([f]) => f.endsWith('.js'))
      .reduce((n, [, s]) => n + s.gzip, 0);
    const css = Object.entries(sizes)
      .filter(([f]) => f.endsWith('.css'))
      .reduce((n, [, s]) => n + s.gzip, 0);
    const kb = (b: number): string => `${(b / 1024).toFixed(1)} KB`;
    const rows = [
      {
        metric: 'first page JavaScript, gzip',
        measured: kb(first),
        goal: `< ${kb(FIRST_PAGE_GOAL_BYTES)}`,
        pass: first < FIRST_PAGE_GOAL_BYTES,
      },
      {
        metric: 'all JavaScript (lazy chunks too) / CSS, gzip',
        measured: `${kb(allJs)} / ${kb(css)}`,
      },
    ];
    ctx.log('memory: a cluster without the dashboard, then one with it');
    const m = await memory();
    rows.push(
      {
        metric: 'idle VmRSS without / with the dashboard',
        measured: `${mib(m.without)} / ${mib(m.withDashboard)} (${m.withDashboard >= m.without ? '+' : ''}${mib(m.withDashboard - m.without)})`,
      },
      {
        metric: `RSS per idle watch (${WATCHES}): straight / through the dashboard (added)`,
        measured: `${(m.perDirect / 1024).toFixed(1)} KB / ${(m.perWatch / 1024).toFixed(1)} KB`,
      },
    );
    if (spawnSync(CHROMIUM, ['--version'], { timeout: 30_000 }).status !== 0) {
      rows.push({ metric: 'pods page paint', measured: `skipped: ${CHROMIUM} is not installed` });
      return rows;
    }
    const p = await paint(ctx.log);
    rows.push(
      {
        metric: `pods page, ${PODS} pods: navigation → last row, first load`,
        measured: ms(p.cold),
        goal: `< ${ms(PAINT_GOAL_MS)}`,
        pass: p.cold < PAINT_GOAL_MS,
      },
      { metric: '… median of the 3 loads after it', measured: ms(p.warm) },
    );
    return rows;
  },
};
