// 8. Pods on a real node: startup latency from the create request to the Ready condition
// (as a watch sees it), for pods one at a time and for 100 created together (10 requests in
// flight, as `kubectl apply` of many objects would), with the image present; then the memory
// Skiff itself spends per idle pod: the growth of this process (API server + scheduler +
// agent, in-process) plus the conmon monitor each container gets. The node is a network
// namespace made for the run.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../src/api/types.js';
import { createCommandRunner, createNodeAgent, type NodeAgent } from '../src/agent/index.js';
import { createTestNetns, type TestNetns } from '../test/support/agent-sandbox.js';
import { createInformer, resources } from '../src/client/index.js';
import { startControllerManager } from '../src/controllers/index.js';
import { createLogger } from '../src/log/index.js';
import { scheduler } from '../src/scheduler/index.js';
import { ensureTestImages, IMAGES } from '../test/images/index.js';
import { startTestApi, type TestApi } from '../test/support/inprocess.js';
import type { Benchmark } from './lib/bench.js';
import { nodeSkipReason, rssBytes } from './lib/cluster.js';
import { mib, ms } from './lib/report.js';
import { summarize } from './lib/stats.js';

const SEQUENTIAL = 10;
const BATCH = 100;
const IN_FLIGHT = 10;
const P99_GOAL_MS = 1000;
const PER_POD_GOAL_BYTES = 5 * 1024 * 1024;
const NODE = 'bench-node';

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { bench: 'pods' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: 'sleep',
        image: IMAGES.busybox,
        imagePullPolicy: 'Never',
        command: ['sleep', '3600'],
      },
    ],
  },
});

const isReady = (p: KubeObject): boolean =>
  (
    (p['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ??
    []
  ).some((c) => c.type === 'Ready' && c.status === 'True');

/** CPU time of this process's waited-for children (runc, ip, mount…), from /proc/self/stat. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) / 100) * 1000;
}

/** Sum of VmRSS of every conmon process (the per-container monitors). */
function conmonRss(): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'conmon') continue;
      bytes += rssBytes(Number(pid));
      count++;
    } catch {
      /* gone */
    }
  }
  return { count, bytes };
}

export const pods: Benchmark = {
  name: 'pods',
  title: 'pod startup latency and memory per idle pod, on a real node',
  budgetMs: 240_000,
  async run(ctx) {
    const skip = nodeSkipReason();
    if (skip) return [{ metric: 'pod startup', measured: `skipped: ${skip}` }];
    const built = await ensureTestImages({ images: [IMAGES.busybox] });
    let api: TestApi | undefined;
    let host: TestNetns | undefined;
    let agent: NodeAgent | undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-pods-'));
    const ac = new AbortController();
    const commandRunner = createCommandRunner();
    const readyAt = new Map<string, number>();
    const waiters = new Map<string, () => void>();
    try {
      api = await startTestApi({ serviceAccounts: true });
      host = await createTestNetns('skiff-bench');
      const logger = createLogger({ level: 'error' });
      agent = createNodeAgent({
        client: api.client,
        nodeName: NODE,
        dataDir,
        podCIDR: '10.244.0.0/24',
        caPem: '',
        logger,
        signal: ac.signal,
        nodeNetns: host.path,
        commandRunner,
      });
      await agent.images.importArchive(built.archives[IMAGES.busybox] as string);
      await agent.start();
      await startControllerManager({
        client: api.client,
        controllers: [scheduler],
        logger,
        signal: ac.signal,
      });
      // Readiness as a client sees it: the first watch event with Ready=True.
      const informer = createInformer({
        client: api.client,
        resource: resources.pods,
        namespace: 'default',
        signal: ac.signal,
      });
      const seen = (p: KubeObject): void => {
        const name = p.metadata.name ?? '';
        if (!readyAt.has(name) && isReady(p)) {
          readyAt.set(name, performance.now());
          waiters.get(name)?.();
        }
      };
      informer.on({ add: seen, update: (_o, p) => seen(p) });
      await informer.synced();
      const client = api.client;
      const ready = (name: string): Promise<void> =>
        readyAt.has(name)
          ? Promise.resolve()
          : new Promise((resolve) => waiters.set(name, resolve));
      const startOne = async (name: string): Promise<number> => {
        const wait = ready(name);
        const t0 = performance.now();
        await client.create(resources.pods, 'default', pod(name));
        await wait;
        return (readyAt.get(name) ?? NaN) - t0;
      };

      const rssBefore = rssBytes(process.pid);
      const conmonBefore = conmonRss();
      const sequential: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) sequential.push(await startOne(`seq-${i}`));
      ctx.log(`one at a time: ${sequential.map((v) => ms(v)).join(', ')}`);

      const batch: number[] = [];
      const cpu0 = process.cpuUsage();
      const children0 = childrenCpuMs();
      const tBatch = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (next < BATCH) {
            const i = next++;
            batch.push(await startOne(`batch-${i}`));
          }
        }),
      );
      const batchWall = performance.now() - tBatch;
      const cpu = process.cpuUsage(cpu0);
      ctx.log(
        `${BATCH} pods Ready ${ms(batchWall)} after the first create; CPU: this process ${ms((cpu.user + cpu.system) / 1000)}, reaped children ${ms(childrenCpuMs() - children0)}`,
      );

      // Idle: let start-up garbage go before measuring what stays.
      await new Promise((r) => setTimeout(r, 5000));
      (globalThis as { gc?: () => void }).gc?.();
      const idlePods = SEQUENTIAL + BATCH;
      const rssGrowth = rssBytes(process.pid) - rssBefore;
      const monitors = conmonRss();
      const monitorBytes = monitors.bytes - conmonBefore.bytes;
      const perPod = (Math.max(0, rssGrowth) + monitorBytes) / idlePods;
      ctx.log(
        `${idlePods} idle pods: process +${mib(rssGrowth)}, ${monitors.count - conmonBefore.count} conmon using ${mib(monitorBytes)}`,
      );

      const seq = summarize(sequential);
      const all = summarize(batch);
      const p90 = [...batch].sort((a, b) => a - b)[Math.ceil(batch.length * 0.9) - 1] ?? NaN;
      return [
        {
          metric: `create → Ready, one at a time (median of ${SEQUENTIAL})`,
          measured: ms(seq.p50),
        },
        {
          metric: `create → Ready, ${BATCH} pods ${IN_FLIGHT} at a time: p50 / p90`,
          measured: `${ms(all.p50)} / ${ms(p90)}`,
        },
        {
          metric: `create → Ready, ${BATCH} pods: p99 (max ${ms(all.max)})`,
          measured: ms(all.p99),
          goal: `< ${ms(P99_GOAL_MS)}`,
          pass: all.p99 < P99_GOAL_MS,
        },
        { metric: `all ${BATCH} Ready after the first create`, measured: ms(batchWall) },
        {
          metric: 'memory per idle pod: Skiff process growth + its conmon',
          measured: `${mib(perPod)} (${mib(Math.max(0, rssGrowth) / idlePods)} + ${mib(monitorBytes / idlePods)})`,
          goal: `< ${mib(PER_POD_GOAL_BYTES)}`,
          pass: perPod < PER_POD_GOAL_BYTES,
        },
      ];
    } finally {
      // The agent stops every pod (containers, sandboxes, mounts) before the node goes.
      await agent?.stopPods(1).catch(() => undefined);
      ac.abort();
      commandRunner.close();
      await host?.remove();
      await api?.close();
      for (const m of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
        const path = m.split(' ')[1] ?? '';
        if (path.startsWith(dataDir)) execFileSync('umount', ['-l', path]);
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
