// 2. Resident memory of an idle server: a fresh cluster left alone for a few seconds, then
// VmRSS of the server process (the detached `skiff up`, controllers included).

import type { Benchmark } from './lib/bench.js';
import { rssBytes, startCluster } from './lib/cluster.js';
import { mib } from './lib/report.js';
import { sleep } from './lib/objects.js';

const IDLE_MS = 4000;
const GOAL_BYTES = 120 * 1024 * 1024;

export const rss: Benchmark = {
  name: 'rss',
  title: 'idle RSS of the server process',
  budgetMs: 30_000,
  async run(ctx) {
    const c = await startCluster();
    try {
      const atStart = rssBytes(c.pid);
      ctx.log(`server pid ${c.pid}: ${mib(atStart)} just after ready; idling ${IDLE_MS} ms`);
      await sleep(IDLE_MS);
      const idle = rssBytes(c.pid);
      return [
        { metric: 'VmRSS just after ready', measured: mib(atStart) },
        {
          metric: `VmRSS after ${IDLE_MS / 1000} s idle`,
          measured: mib(idle),
          goal: `< ${mib(GOAL_BYTES)}`,
          pass: idle < GOAL_BYTES,
        },
      ];
    } finally {
      await c.stop();
    }
  },
};
