// 4. Listing 10,000 pods: created first through the API (100 concurrent clients), then full
// GETs of the namespace as JSON and as the Table kubectl get asks for, each timed until the
// whole body arrived.

import type { Benchmark } from './lib/bench.js';
import { cpuMs } from './lib/cluster.js';
import { createH2Client, expectStatus, type H2Client } from './lib/h2.js';
import { runLoad } from './lib/load.js';
import { ensureNamespace, pod } from './lib/objects.js';
import { count, mib, ms, perSec, type Row } from './lib/report.js';
import { median } from './lib/stats.js';

const PODS = 10_000;
const CLIENTS = 100;
const SESSIONS = 4;
const REPEATS = 5;
const GOAL_MS = 300;
const NS = 'bench';
const PATH = `/api/v1/namespaces/${NS}/pods`;
/** What kubectl get sends. */
const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

interface Timed {
  ms: number;
  bytes: number;
  rows: number;
}

async function timedList(client: H2Client, path: string, accept: string): Promise<Timed> {
  const t0 = performance.now();
  const r = expectStatus(await client.request(path, { accept, session: 0 }), 200, `list ${path}`);
  const elapsed = performance.now() - t0;
  const body = JSON.parse(r.body) as {
    items?: unknown[];
    rows?: unknown[];
    metadata?: { continue?: string };
  };
  return {
    ms: elapsed,
    bytes: Buffer.byteLength(r.body),
    rows: (body.items ?? body.rows ?? []).length,
  };
}

/** kubectl get's own way: pages of 500 followed by their continue tokens. */
async function pagedTable(client: H2Client): Promise<Timed> {
  const t0 = performance.now();
  let token = '';
  let rows = 0;
  let bytes = 0;
  do {
    const q = `?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const r = expectStatus(
      await client.request(PATH + q, { accept: TABLE_ACCEPT, session: 0 }),
      200,
      'page',
    );
    const body = JSON.parse(r.body) as { rows: unknown[]; metadata?: { continue?: string } };
    rows += body.rows.length;
    bytes += Buffer.byteLength(r.body);
    token = body.metadata?.continue ?? '';
  } while (token);
  return { ms: performance.now() - t0, bytes, rows };
}

interface Runs {
  runs: Timed[];
  /** Server CPU time per run, ms. */
  cpuPerRun: number;
}

async function repeat(pid: number, n: number, f: () => Promise<Timed>): Promise<Runs> {
  const runs: Timed[] = [];
  const c0 = cpuMs(pid);
  for (let i = 0; i < n; i++) runs.push(await f());
  return { runs, cpuPerRun: (cpuMs(pid) - c0) / n };
}

function listRow(what: string, { runs, cpuPerRun }: Runs, goalMs?: number): Row {
  const m = median(runs.map((r) => r.ms));
  const bad = runs.find((r) => r.rows !== PODS);
  if (bad) throw new Error(`${what} returned ${bad.rows} of ${PODS} pods`);
  const size = mib(runs[0]?.bytes ?? 0);
  const measured = `${ms(m)} (max ${ms(Math.max(...runs.map((r) => r.ms)))}; ${size}; server CPU ${ms(cpuPerRun)})`;
  const row: Row = { metric: `${what}, median of ${runs.length}`, measured };
  return goalMs === undefined ? row : { ...row, goal: `< ${ms(goalMs)}`, pass: m < goalMs };
}

export const list: Benchmark = {
  name: 'list',
  title: `list ${count(PODS)} pods`,
  budgetMs: 90_000,
  async run(ctx) {
    const cluster = await ctx.cluster();
    const client = await createH2Client({
      port: cluster.port,
      credentials: cluster.credentials,
      sessions: SESSIONS,
    });
    try {
      await ensureNamespace(client, NS);
      ctx.log(`creating ${count(PODS)} pods…`);
      const created = await runLoad({
        clients: CLIENTS,
        total: PODS,
        op: async (i, c) => {
          const r = await client.request(PATH, {
            method: 'POST',
            body: pod(`pod-${i}`),
            session: c,
          });
          expectStatus(r, 201, `create pod-${i}`);
        },
      });
      // One unmeasured pass of each, as a warm-up.
      await timedList(client, PATH, 'application/json');
      await timedList(client, PATH, TABLE_ACCEPT);
      ctx.log('timing lists…');
      const asJson = await repeat(cluster.pid, REPEATS, () =>
        timedList(client, PATH, 'application/json'),
      );
      const asTable = await repeat(cluster.pid, REPEATS, () =>
        timedList(client, PATH, TABLE_ACCEPT),
      );
      const paged = await repeat(cluster.pid, 3, () => pagedTable(client));
      return [
        {
          metric: `create ${count(PODS)} pods (${CLIENTS} clients)`,
          measured: perSec(created.opsPerSec),
        },
        listRow('full list as JSON', asJson, GOAL_MS),
        listRow('full list as Table', asTable, GOAL_MS),
        listRow('Table in pages of 500 (kubectl get), all pages', paged),
      ];
    } finally {
      await client.close();
    }
  },
};
