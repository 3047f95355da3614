// Runs the benchmarks (all, or those named) and prints one table per benchmark:
//   node dist/bench/run.js [startup|rss|api|list|watch|sqlite|controllers|pods|pki|streams|dns|ingress|services|rbac|dashboard]...
// A goal missed is reported, not failed; an error exits non-zero.

import { availableParallelism, loadavg } from 'node:os';
import { api } from './api.js';
import { controllers } from './controllers.js';
import { dashboard } from './dashboard.js';
import { dns } from './dns.js';
import { ingress } from './ingress.js';
import type { BenchContext, Benchmark } from './lib/bench.js';
import {
  attachCluster,
  rssBytes,
  startCluster,
  stopAllClusters,
  type BenchCluster,
} from './lib/cluster.js';
import { formatTable, mib, ms } from './lib/report.js';
import { list } from './list.js';
import { pki } from './pki.js';
import { pods } from './pods.js';
import { rbac } from './rbac.js';
import { rss } from './rss.js';
import { services } from './services.js';
import { sqlite } from './sqlite.js';
import { startup } from './startup.js';
import { streams } from './streams.js';
import { watch } from './watch.js';

/** In run order: startup and rss use their own clusters; api, list and watch share one. */
const BENCHMARKS: readonly Benchmark[] = [
  startup,
  rss,
  api,
  list,
  watch,
  sqlite,
  controllers,
  pods,
  pki,
  streams,
  dns,
  ingress,
  services,
  rbac,
  dashboard,
];

function usage(): string {
  return [
    'Usage: node dist/bench/run.js [NAME]...',
    '',
    ...BENCHMARKS.map((b) => `  ${b.name.padEnd(12)} ${b.title}`),
  ].join('\n');
}

function withBudget<T>(p: Promise<T>, budgetMs: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name} took longer than its budget of ${ms(budgetMs)}`)),
      budgetMs,
    );
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const unknown = argv.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length) {
    process.stderr.write(`error: unknown benchmark "${unknown[0]}"\n${usage()}\n`);
    return 2;
  }
  const selected = argv.length ? BENCHMARKS.filter((b) => argv.includes(b.name)) : BENCHMARKS;

  // BENCH_DATA_DIR: use a cluster already running from that data dir (e.g. one started with
  // `node --cpu-prof bin/skiff.js up --data-dir DIR --api-port 0` to profile it).
  const attachTo = process.env['BENCH_DATA_DIR'];
  let shared: Promise<BenchCluster> | undefined;
  const figures = new Map<string, number>();
  let failed = 0;
  process.stdout.write(
    `Skiff benchmarks — ${new Date().toISOString()}, Node ${process.version}, ` +
      `${availableParallelism()} cores, ${process.platform}/${process.arch}, ` +
      `load average ${loadavg()[0]?.toFixed(1)} (other work on the machine skews the figures)\n`,
  );
  const tAll = performance.now();
  try {
    for (const b of selected) {
      const ctx: BenchContext = {
        cluster: () =>
          (shared ??= attachTo ? Promise.resolve(attachCluster(attachTo)) : startCluster()),
        figures,
        log: (line) => process.stderr.write(`  [${b.name}] ${line}\n`),
      };
      process.stdout.write(`\n== ${b.name}: ${b.title} ==\n`);
      const t0 = performance.now();
      try {
        const rows = await withBudget(b.run(ctx), b.budgetMs, b.name);
        process.stdout.write(formatTable(rows) + '\n');
      } catch (e) {
        failed++;
        process.stdout.write(`  ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
        // A failed benchmark may leave load behind: the next one gets a cluster of its own.
        if (!attachTo && shared) {
          const c = await shared.catch(() => undefined);
          shared = undefined;
          await c?.stop().catch(() => undefined);
        }
      }
      process.stdout.write(`  (${ms(performance.now() - t0)})\n`);
    }
    const c = await shared?.catch(() => undefined);
    if (c)
      process.stdout.write(
        `\nServer RSS after the shared-cluster benchmarks: ${mib(rssBytes(c.pid))}\n`,
      );
  } finally {
    await stopAllClusters();
  }
  process.stdout.write(
    `\n${selected.length - failed} of ${selected.length} benchmarks ran` +
      `${failed ? `, ${failed} failed` : ''} in ${ms(performance.now() - tAll)}.\n`,
  );
  return failed ? 1 : 0;
}

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('interrupted: stopping clusters…\n');
  void stopAllClusters().finally(() => process.exit(130));
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
