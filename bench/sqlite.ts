// 6. Raw storage write throughput beside the API's: createSqliteStore().create() awaited in a
// loop with values the size of the API's stored ConfigMaps, alone and under the watch cache
// the server puts in front of it (createCachedStore), compared with the API's creates/s.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCachedStore,
  createMemoryStore,
  createSqliteStore,
  type Store,
} from '../src/storage/index.js';
import type { Benchmark } from './lib/bench.js';
import { configMap } from './lib/objects.js';
import { count, ms, perSec, type Row } from './lib/report.js';

const WRITES = 5000;
const WARMUP = 300;

/** A value of exactly `bytes` bytes, shaped like a stored object. */
function valueOf(bytes: number, name: string): string {
  const base = configMap(name);
  const pad = Math.max(0, bytes - base.length - 12);
  const v = JSON.stringify({ ...(JSON.parse(base) as object), padding: 'x'.repeat(pad) });
  return v.length >= bytes ? v : v + ' '.repeat(bytes - v.length);
}

async function createLoop(store: Store, prefix: string, n: number, bytes: number): Promise<number> {
  const values = Array.from({ length: n }, (_, i) => valueOf(bytes, `cm-${i}`));
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    await store.create(`/registry/configmaps/${prefix}/cm-${i}`, values[i] ?? '');
  return (n / (performance.now() - t0)) * 1000;
}

/**
 * Best of three: one list of 10,000 keys from the watch cache, then the same keys again in
 * 20 pages of 500 (what a paging client such as kubectl does).
 */
async function cachedListMs(): Promise<number> {
  const cached = await createCachedStore(createMemoryStore());
  try {
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const ns = `ns${i % 10}`;
      const value = JSON.stringify({ metadata: { name: `pod-${i}`, namespace: ns } });
      writes.push(cached.create(`/registry/pods/${ns}/pod-${i}`, value));
    }
    await Promise.all(writes);
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      await cached.list('/registry/pods/');
      let startAfter: string | undefined;
      for (;;) {
        const page = await cached.list('/registry/pods/', { limit: 500, startAfter });
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1]?.key;
      }
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  } finally {
    await cached.close();
  }
}

export const sqlite: Benchmark = {
  name: 'sqlite',
  title: 'storage create() throughput beside the API',
  budgetMs: 60_000,
  async run(ctx) {
    const apiRate = ctx.figures.get('api.createsPerSec');
    // Without the api benchmark in this run: the size of a stored ConfigMap, measured once.
    const bytes = ctx.figures.get('api.valueBytes') ?? 1100;
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-sqlite-'));
    try {
      const raw = createSqliteStore({ path: join(dir, 'raw.db') });
      await createLoop(raw, 'warm', WARMUP, bytes);
      ctx.log(`${count(WRITES)} raw creates of ${bytes} B…`);
      const rawRate = await createLoop(raw, 'bench', WRITES, bytes);
      await raw.close();

      const backing = createSqliteStore({ path: join(dir, 'cached.db') });
      const cached = await createCachedStore(backing);
      await createLoop(cached, 'warm', WARMUP, bytes);
      ctx.log(`${count(WRITES)} creates through the watch cache…`);
      const cachedRate = await createLoop(cached, 'bench', WRITES, bytes);
      await cached.close();
      await backing.close().catch(() => undefined);

      ctx.log('watch cache lists of 10,000 keys…');
      const listMs = await cachedListMs();
      const rows: Row[] = [
        { metric: `createSqliteStore create(), ${bytes} B values`, measured: perSec(rawRate) },
        { metric: 'the same under createCachedStore (as served)', measured: perSec(cachedRate) },
        {
          metric: 'watch cache: list 10,000 keys whole + in 20 pages (best of 3)',
          measured: ms(listMs),
          goal: '< 50 ms',
          pass: listMs < 50,
        },
      ];
      if (apiRate === undefined)
        rows.push({ metric: 'API creates/s', measured: 'not measured (run with `api`)' });
      else
        rows.push(
          { metric: 'API creates/s (api benchmark, 100 clients)', measured: perSec(apiRate) },
          {
            metric: 'API throughput as a share of raw storage',
            measured: `${((apiRate / rawRate) * 100).toFixed(1)} %`,
          },
        );
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
