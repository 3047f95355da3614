// 1. `skiff up --detach` until the API is ready: five fresh data dirs, then restarts of an
// existing one, API-only; then fresh starts with the node agent (in a network namespace of
// their own), which `skiff up` reports ready once the node is Ready. The time is what a user
// waits: from spawning the command to its exit, once GET /readyz answered 200.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Benchmark } from './lib/bench.js';
import { nodeSkipReason, startCluster, tempDataDir } from './lib/cluster.js';
import { ms } from './lib/report.js';
import { median } from './lib/stats.js';

const FRESH = 5;
const RESTARTS = 3;
const WITH_NODE = 3;
const GOAL_MS = 1000;

/** The server's own "Skiff is ready in N ms." from the newest start in the log. */
function serverReadyMs(dataDir: string): number | undefined {
  const log = readFileSync(join(dataDir, 'skiff.log'), 'utf8');
  const all = [...log.matchAll(/Skiff is ready in (\d+) ms/g)];
  const last = all[all.length - 1]?.[1];
  return last === undefined ? undefined : Number(last);
}

export const startup: Benchmark = {
  name: 'startup',
  title: 'skiff up --detach until the API is ready',
  budgetMs: 60_000,
  async run(ctx) {
    const fresh: number[] = [];
    const server: number[] = [];
    const down: number[] = [];
    const restart: number[] = [];
    const withNode: number[] = [];
    const noNode = nodeSkipReason();
    let kept: string | undefined;
    try {
      for (let i = 0; i < FRESH; i++) {
        const c = await startCluster(tempDataDir('startup'));
        fresh.push(c.upMs);
        const s = serverReadyMs(c.dataDir);
        if (s !== undefined) server.push(s);
        const last = i === FRESH - 1;
        if (last) kept = c.dataDir;
        down.push((await c.stop({ keepDataDir: last })).ms);
        ctx.log(`fresh start ${i + 1}/${FRESH}: ${ms(c.upMs)}`);
      }
      for (let i = 0; i < RESTARTS && kept; i++) {
        const c = await startCluster(kept);
        restart.push(c.upMs);
        down.push((await c.stop({ keepDataDir: true })).ms);
        ctx.log(`restart ${i + 1}/${RESTARTS}: ${ms(c.upMs)}`);
      }
      for (let i = 0; i < WITH_NODE && !noNode; i++) {
        const c = await startCluster(tempDataDir('startup-node'), { node: true });
        withNode.push(c.upMs);
        await c.stop();
        ctx.log(`fresh start with the node agent ${i + 1}/${WITH_NODE}: ${ms(c.upMs)}`);
      }
    } finally {
      if (kept) rmSync(kept, { recursive: true, force: true });
    }
    const goal = `< ${ms(GOAL_MS)}`;
    const row = (metric: string, v: number) => ({
      metric,
      measured: ms(v),
      goal,
      pass: v < GOAL_MS,
    });
    return [
      row(`fresh data dir, median of ${FRESH}`, median(fresh)),
      row(`fresh data dir, max of ${FRESH}`, Math.max(...fresh)),
      row(`existing data dir, median of ${RESTARTS}`, median(restart)),
      row(`existing data dir, max of ${RESTARTS}`, Math.max(...restart)),
      noNode
        ? { metric: 'with the node agent', measured: `skipped: ${noNode}` }
        : row(`with the node agent (node Ready), median of ${WITH_NODE}`, median(withNode)),
      { metric: 'server-side start (its own log), median', measured: ms(median(server)) },
      { metric: 'skiff down, median', measured: ms(median(down)) },
    ];
  },
};
