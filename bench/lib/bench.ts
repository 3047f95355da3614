// The contract between run.ts and each benchmark.

import type { BenchCluster } from './cluster.js';
import type { Row } from './report.js';

export interface BenchContext {
  /** The cluster shared by the API benchmarks, started by `skiff up --detach` on first use. */
  cluster(): Promise<BenchCluster>;
  /** Figures one benchmark leaves for a later one (e.g. the API's creates/s for sqlite). */
  figures: Map<string, number>;
  /** A progress line on stderr. */
  log(line: string): void;
}

export interface Benchmark {
  /** The name given on the command line: `node dist/bench/run.js NAME`. */
  name: string;
  title: string;
  /** The benchmark fails as an error if it takes longer than this. */
  budgetMs: number;
  run(ctx: BenchContext): Promise<Row[]>;
}
