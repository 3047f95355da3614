// 6. Raw storage write throughput beside the API's: createSqliteStore().create() awaited in a
// loop with values the size of the API's stored ConfigMaps, alone and under the watch cache
// the server puts in front of it (createCachedStore), compared with the API's creates/s.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCachedStore, createSqliteStore, type Store } from '../src/storage/index.js';
import type { Benchmark } from './lib/bench.js';
import { configMap } from './lib/objects.js';
import { count, perSec, type Row } from './lib/report.js';

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

      const rows: Row[] = [
        { metric: `createSqliteStore create(), ${bytes} B values`, measured: perSec(rawRate) },
        { metric: 'the same under createCachedStore (as served)', measured: perSec(cachedRate) },
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
