// 5. Fan-out: 1,000 watches of one namespace (HTTP/2 streams over several sessions), then
// 100 creates; measured until every watcher has seen every event, and checked that none
// was missed, duplicated or replaced by an ERROR.

import type { Benchmark } from './lib/bench.js';
import { cpuMs } from './lib/cluster.js';
import { createH2Client, expectStatus, type WatchHandle } from './lib/h2.js';
import { runLoad } from './lib/load.js';
import { configMap, ensureNamespace, listResourceVersion, waitFor } from './lib/objects.js';
import { count, ms, perSec } from './lib/report.js';
import { summarize } from './lib/stats.js';

const WATCHERS = 1000;
const SESSIONS = 5;
const WRITES = 100;
const WRITERS = 10;
const DELIVERY_TIMEOUT_MS = 30_000;
const NS = 'bench-watch';
const PATH = `/api/v1/namespaces/${NS}/configmaps`;

export const watch: Benchmark = {
  name: 'watch',
  title: `${count(WATCHERS)} watchers receiving every one of ${WRITES} events`,
  budgetMs: 60_000,
  async run(ctx) {
    const cluster = await ctx.cluster();
    const watchers = await createH2Client({
      port: cluster.port,
      credentials: cluster.credentials,
      sessions: SESSIONS,
    });
    const writer = await createH2Client({
      port: cluster.port,
      credentials: cluster.credentials,
      sessions: 1,
    });
    const handles: WatchHandle[] = [];
    try {
      await ensureNamespace(writer, NS);
      const rv = await listResourceVersion(writer, PATH);
      const names = Array.from({ length: WRITES }, (_, i) => `event-${i}`);
      const index = new Map(names.map((n, i) => [n, i]));
      // seen[w * WRITES + e]: watcher w received event e.
      const seen = new Uint8Array(WATCHERS * WRITES);
      const lastArrival = new Float64Array(WRITES);
      const sentAt = new Float64Array(WRITES);
      let delivered = 0;
      let duplicates = 0;
      let unexpected = 0;
      const errors: string[] = [];

      ctx.log(`opening ${count(WATCHERS)} watches…`);
      const t0 = performance.now();
      for (let w = 0; w < WATCHERS; w++) {
        const h = watchers.watch(
          `${PATH}?watch=true&resourceVersion=${rv}&timeoutSeconds=300`,
          (ev) => {
            const e = index.get(ev.object.metadata?.name ?? '');
            if (ev.type === 'ERROR') errors.push(ev.object.message ?? 'ERROR event');
            else if (ev.type !== 'ADDED' || e === undefined) unexpected++;
            else if (seen[w * WRITES + e]) duplicates++;
            else {
              seen[w * WRITES + e] = 1;
              delivered++;
              lastArrival[e] = performance.now();
            }
          },
          w,
        );
        handles.push(h);
      }
      await Promise.all(handles.map((h) => h.ready));
      const openMs = performance.now() - t0;

      ctx.log(`${WRITES} writes…`);
      const tWrites = performance.now();
      const cpu0 = cpuMs(cluster.pid);
      await runLoad({
        clients: WRITERS,
        total: WRITES,
        op: async (i) => {
          sentAt[i] = performance.now();
          const r = await writer.request(PATH, { method: 'POST', body: configMap(names[i] ?? '') });
          expectStatus(r, 201, `create ${names[i]}`);
        },
      });
      const expected = WATCHERS * WRITES;
      let timedOut = false;
      await waitFor(
        () => delivered >= expected || errors.length > 0,
        DELIVERY_TIMEOUT_MS,
        '',
      ).catch(() => (timedOut = true));
      const cpuPerDelivery = (cpuMs(cluster.pid) - cpu0) / Math.max(delivered, 1);
      const allMs = Math.max(...lastArrival) - tWrites;
      if (errors.length)
        throw new Error(`${errors.length} watch ERROR event(s); first: ${errors[0]}`);
      const fanOut = summarize(Array.from(lastArrival, (t, i) => t - (sentAt[i] ?? 0)));
      const complete = delivered === expected && duplicates === 0 && unexpected === 0;
      return [
        { metric: `open ${count(WATCHERS)} watches (${SESSIONS} sessions)`, measured: ms(openMs) },
        {
          metric: 'deliveries (watchers × events)',
          measured: `${count(delivered)} of ${count(expected)}${timedOut ? ' (timed out)' : ''}`,
          goal: 'all, no duplicates',
          pass: complete,
        },
        { metric: 'duplicate / unexpected events', measured: `${duplicates} / ${unexpected}` },
        {
          metric: `first write → every watcher saw all ${WRITES}`,
          measured: timedOut ? `> ${ms(DELIVERY_TIMEOUT_MS)}` : ms(allMs),
        },
        {
          metric: 'per event: write sent → last watcher, p50 / p99 / max',
          measured: `${ms(fanOut.p50)} / ${ms(fanOut.p99)} / ${ms(fanOut.max)}`,
        },
        {
          metric: 'delivery rate; server CPU per delivery',
          measured: `${perSec((delivered / allMs) * 1000)} events; ${(cpuPerDelivery * 1000).toFixed(0)} µs`,
        },
      ];
    } finally {
      for (const h of handles) h.close();
      await Promise.all([watchers.close(), writer.close()]);
    }
  },
};
