// 3. create / get / list / watch at 100 concurrent clients over HTTP/2: a few TLS sessions
// with the admin certificate, each carrying many concurrent streams. One watcher on the
// namespace times each create until its ADDED event arrives. Beside the latencies, the
// server's CPU time per operation (from /proc), which other load on the machine disturbs less.

import type { Benchmark } from './lib/bench.js';
import { cpuMs } from './lib/cluster.js';
import { createH2Client, expectStatus, type H2Client } from './lib/h2.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { configMap, ensureNamespace, listResourceVersion, waitFor } from './lib/objects.js';
import { count, ms, perSec, type Row } from './lib/report.js';
import { summarize } from './lib/stats.js';

const CLIENTS = 100;
const SESSIONS = 4;
const WARMUP = 300;
const CREATES = 5000;
const SEQUENTIAL_CREATES = 300;
const GETS = 5000;
const LIST_NAMESPACE_SIZE = 100;
const LISTS = 1000;
const CREATE_P99_GOAL_MS = 10;

const NS = 'bench-api';
const cmPath = (ns: string): string => `/api/v1/namespaces/${ns}/configmaps`;

interface Phase extends LoadResult {
  /** Server CPU time per operation, ms. */
  cpuPerOp: number;
}

/** Runs a load phase and charges the server's CPU time to it. */
async function phase(pid: number, run: () => Promise<LoadResult>): Promise<Phase> {
  const c0 = cpuMs(pid);
  const r = await run();
  return { ...r, cpuPerOp: (cpuMs(pid) - c0) / r.latencies.length };
}

function creates(
  client: H2Client,
  o: { ns: string; total: number; prefix: string; clients?: number; sent?: Map<string, number> },
): Promise<LoadResult> {
  return runLoad({
    clients: o.clients ?? CLIENTS,
    total: o.total,
    op: async (i, c) => {
      const name = `${o.prefix}-${i}`;
      o.sent?.set(name, performance.now());
      const r = await client.request(cmPath(o.ns), {
        method: 'POST',
        body: configMap(name),
        session: c,
      });
      expectStatus(r, 201, `create ${name}`);
    },
  });
}

function phaseRows(what: string, r: Phase, p99Goal?: number): Row[] {
  const s = summarize(r.latencies);
  const p99: Row = { metric: `${what} p99`, measured: ms(s.p99) };
  if (p99Goal !== undefined)
    Object.assign(p99, { goal: `< ${ms(p99Goal)}`, pass: s.p99 < p99Goal });
  return [
    { metric: `${what} p50 / max`, measured: `${ms(s.p50)} / ${ms(s.max)}` },
    p99,
    {
      metric: `${what} throughput (${count(s.n)}); server CPU/op`,
      measured: `${perSec(r.opsPerSec)}; ${ms(r.cpuPerOp)}`,
    },
  ];
}

export const api: Benchmark = {
  name: 'api',
  title: `create/get/list/watch, ${CLIENTS} concurrent clients over ${SESSIONS} HTTP/2 sessions`,
  budgetMs: 90_000,
  async run(ctx) {
    const cluster = await ctx.cluster();
    const client = await createH2Client({
      port: cluster.port,
      credentials: cluster.credentials,
      sessions: SESSIONS,
    });
    try {
      for (const ns of [NS, `${NS}-warm`, `${NS}-list`]) await ensureNamespace(client, ns);
      // Warm-up (not measured): JIT, caches, the first SQLite pages.
      await creates(client, { ns: `${NS}-warm`, total: WARMUP, prefix: 'warm' });

      // One watcher sees each create; its latency is event arrival − request sent.
      const sent = new Map<string, number>();
      const watchLatency: number[] = [];
      let watchError: string | undefined;
      const rv = await listResourceVersion(client, cmPath(NS));
      const watch = client.watch(
        `${cmPath(NS)}?watch=true&resourceVersion=${rv}&timeoutSeconds=300`,
        (ev) => {
          const name = ev.object.metadata?.name;
          const t = name === undefined ? undefined : sent.get(name);
          if (ev.type === 'ADDED' && t !== undefined) watchLatency.push(performance.now() - t);
          else if (ev.type === 'ERROR') watchError ??= ev.object.message ?? 'ERROR event';
        },
      );
      await watch.ready;

      ctx.log(`${count(CREATES)} creates…`);
      const created = await phase(cluster.pid, () =>
        creates(client, { ns: NS, total: CREATES, prefix: 'cm', sent }),
      );
      await waitFor(
        () => watchLatency.length >= CREATES || watchError !== undefined,
        15_000,
        'the watcher to see every create',
      );
      watch.close();
      if (watchError) throw new Error(`the watch failed: ${watchError}`);
      const sample = expectStatus(await client.request(`${cmPath(NS)}/cm-0`), 200, 'get cm-0');
      ctx.figures.set('api.createsPerSec', created.opsPerSec);
      ctx.figures.set('api.valueBytes', Buffer.byteLength(sample.body));

      // The same creates one at a time: the latency of a request that does not queue.
      const alone = await phase(cluster.pid, () =>
        creates(client, { ns: NS, total: SEQUENTIAL_CREATES, prefix: 'seq', clients: 1 }),
      );

      ctx.log(`${count(GETS)} gets…`);
      const gets = await phase(cluster.pid, () =>
        runLoad({
          clients: CLIENTS,
          total: GETS,
          op: async (i, c) => {
            const name = `cm-${(i * 7919) % CREATES}`;
            const r = await client.request(`${cmPath(NS)}/${name}`, { session: c });
            expectStatus(r, 200, `get ${name}`);
          },
        }),
      );

      ctx.log(`${count(LISTS)} lists of a namespace of ${LIST_NAMESPACE_SIZE}…`);
      await creates(client, { ns: `${NS}-list`, total: LIST_NAMESPACE_SIZE, prefix: 'item' });
      const lists = await phase(cluster.pid, () =>
        runLoad({
          clients: CLIENTS,
          total: LISTS,
          op: async (_i, c) => {
            const r = await client.request(cmPath(`${NS}-list`), { session: c });
            expectStatus(r, 200, 'list');
            const n = (JSON.parse(r.body) as { items: unknown[] }).items.length;
            // The namespace also holds kube-root-ca.crt, published by a controller.
            if (n < LIST_NAMESPACE_SIZE) throw new Error(`list returned ${n} items`);
          },
        }),
      );

      const w = summarize(watchLatency);
      const a = summarize(alone.latencies);
      return [
        ...phaseRows('create', created, CREATE_P99_GOAL_MS),
        {
          metric: `create, 1 client (${SEQUENTIAL_CREATES}) p50 / p99`,
          measured: `${ms(a.p50)} / ${ms(a.p99)}`,
        },
        ...phaseRows('get', gets),
        ...phaseRows(`list of ${LIST_NAMESPACE_SIZE}`, lists),
        {
          metric: 'create → watch event p50 / p99 / max',
          measured: `${ms(w.p50)} / ${ms(w.p99)} / ${ms(w.max)}`,
        },
        {
          metric: 'watch events received',
          measured: `${count(w.n)} of ${count(CREATES)}`,
          goal: 'all',
          pass: w.n === CREATES,
        },
      ];
    } finally {
      await client.close();
    }
  },
};
