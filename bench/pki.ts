// 9. Cluster PKI: generating the CA, serving and client certificates on a fresh data dir
// (what the first `skiff up` pays) and loading them again (every later start).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki } from '../src/pki/index.js';
import type { Benchmark } from './lib/bench.js';
import { ms } from './lib/report.js';

const ROUNDS = 5;

export const pki: Benchmark = {
  name: 'pki',
  title: 'cluster PKI generation and loading',
  budgetMs: 30_000,
  async run(ctx) {
    const root = mkdtempSync(join(tmpdir(), 'skiff-bench-pki-'));
    try {
      const create: number[] = [];
      const load: number[] = [];
      ctx.log(`${ROUNDS} fresh PKIs…`);
      for (let i = 0; i < ROUNDS; i++) {
        const dir = join(root, String(i));
        let t0 = performance.now();
        ensureClusterPki({ dir, ips: ['192.0.2.10'] });
        create.push(performance.now() - t0);
        t0 = performance.now();
        ensureClusterPki({ dir, ips: ['192.0.2.10'] });
        load.push(performance.now() - t0);
      }
      const best = (xs: number[]): number => Math.min(...xs);
      return [
        {
          metric: `generation, best of ${ROUNDS}`,
          measured: ms(best(create)),
          goal: '< 100 ms',
          pass: best(create) < 100,
        },
        {
          metric: `loading, best of ${ROUNDS}`,
          measured: ms(best(load)),
          goal: '< 20 ms',
          pass: best(load) < 20,
        },
      ];
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
