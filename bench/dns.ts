// 11. Cluster DNS: queries per second with dnsperf (Debian's) against Skiff's DNS and, in
// the same run and the same network namespace, against unbound loaded with the same names
// as local data; latency percentiles at a paced rate for both; the time from a Service's
// create request until its name answers; and memory for 10,000 services (the record index
// on its own, and the growth of the whole `skiff up` process). The node is a network
// namespace made for the run (test/e2e/harness.ts); the client side runs in it
// (lib/dns-probe.ts).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, startNodeCluster, until, type TestCluster } from '../test/e2e/harness.js';
import type { Benchmark } from './lib/bench.js';
import { cpuMs, nodeSkipReason, rssBytes } from './lib/cluster.js';
import type { LatencyResult, ProbeConfig, ServicesResult } from './lib/dns-probe.js';
import { count, mib, ms, perSec } from './lib/report.js';
import { median, summarize } from './lib/stats.js';

const KUBECTL = 33;
/** Services created through the API: the memory of `skiff up` is measured with them all. */
const SERVICES = Number(process.env['BENCH_DNS_SERVICES'] ?? 10_000);
/** Services in the record index whose memory is measured on its own. */
const INDEX_SERVICES = 10_000;
const TIMED = Number(process.env['BENCH_DNS_TIMED'] ?? 200);
const DNSPERF_SECONDS = 5;
/** dnsperf rounds, Skiff and unbound alternating: the machine's other load varies. */
const ROUNDS = 3;
const PACED_RATE = 5_000;
const QPS_GOAL = 40_000;
const SHARE_GOAL = 0.5;
const RESOLVE_P99_GOAL_MS = 100;
/** unbound listens on the node's address too (another port): both see the same path. */
const UNBOUND_PORT = 5353;

interface Dnsperf {
  qps: number;
  avgMs: number;
  lost: number;
  completed: number;
  /** CPU time of the server's busiest thread during the run (its DNS thread), in ms. */
  serverCpuMs: number;
}

function parseDnsperf(out: string): Omit<Dnsperf, 'serverCpuMs'> {
  const num = (re: RegExp): number => Number(re.exec(out)?.[1] ?? NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    lost: num(/Queries lost:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
  };
}

/**
 * CPU time used so far by each thread of a process, in ms. The server's own CPU per query
 * is steadier than its queries per second when other work shares the machine: it says how
 * much a query costs, while qps also says how much CPU the scheduler gave the server.
 */
function threadCpuMs(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      // /proc/TID is a thread's own view (not listed in /proc, but there).
      byThread.set(tid, cpuMs(Number(tid)));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return byThread;
}

function busiestThreadMs(before: Map<string, number>, after: Map<string, number>): number {
  let most = 0;
  for (const [tid, ms] of after) most = Math.max(most, ms - (before.get(tid) ?? 0));
  return most;
}

function skipReason(): string | undefined {
  const node = nodeSkipReason();
  if (node) return node;
  for (const tool of ['dnsperf', 'unbound'])
    if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0)
      return `"${tool}" is not installed`;
  return undefined;
}

export const dns: Benchmark = {
  name: 'dns',
  title: 'cluster DNS: dnsperf against Skiff and unbound, create-to-resolve, memory',
  budgetMs: 420_000,
  async run(ctx) {
    const skip = skipReason();
    if (skip) return [{ metric: 'cluster DNS', measured: `skipped: ${skip}` }];
    const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-dns-'));
    let c: TestCluster | undefined;
    let unbound: ChildProcess | undefined;
    try {
      // No upstream: every name asked is the cluster's.
      writeFileSync(join(dir, 'resolv.conf'), '');
      ctx.log('starting a node cluster');
      c = startNodeCluster({ upArgs: ['--resolv-conf', join(dir, 'resolv.conf')] });
      const cluster = c;
      const kubectl = (args: string[]) => cluster.kubectl(KUBECTL, args, { timeoutMs: 120_000 });
      const dnsIP = await until('kube-dns endpoints', async () => {
        const r = await kubectl([
          'get',
          'endpoints',
          'kube-dns',
          '-n',
          'kube-system',
          '-o',
          'jsonpath={.subsets[0].addresses[0].ip}',
        ]);
        return r.code === 0 && r.stdout ? r.stdout : undefined;
      });
      const pid = (
        JSON.parse(readFileSync(join(cluster.dataDir, 'endpoint.json'), 'utf8')) as { pid: number }
      ).pid;
      ok(await kubectl(['create', 'namespace', 'bench']));
      const probePath = fileURLToPath(new URL('./lib/dns-probe.js', import.meta.url));
      const probe = async <T>(config: ProbeConfig): Promise<T> => {
        const r = await cluster.exec(process.execPath, [probePath, JSON.stringify(config)], {
          timeoutMs: 300_000,
        });
        if (r.code !== 0) throw new Error(`dns probe failed (${r.code}): ${r.stderr}`);
        return JSON.parse(r.stdout) as T;
      };

      const rssBefore = rssBytes(pid);
      ctx.log(`${TIMED} services one at a time, then up to ${count(SERVICES)}`);
      const made = await probe<ServicesResult>({
        mode: 'services',
        dns: dnsIP,
        server: cluster.server,
        caPath: cluster.caPath,
        certPath: join(cluster.dataDir, 'pki', 'admin.crt'),
        keyPath: join(cluster.dataDir, 'pki', 'admin.key'),
        namespace: 'bench',
        first: 0,
        timed: TIMED,
        total: SERVICES,
        inFlight: 20,
      });
      const resolve = summarize(made.resolveMs);
      const create = summarize(made.createMs);
      // Let the informers take in the last creates before the process is measured.
      await new Promise((r) => setTimeout(r, 2000));
      const rssAfter = rssBytes(pid);

      const memory = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          fileURLToPath(new URL('./lib/dns-memory.js', import.meta.url)),
          String(INDEX_SERVICES),
        ],
        { encoding: 'utf8' },
      );
      if (memory.status !== 0) throw new Error(`dns-memory failed: ${memory.stderr}`);
      const indexBytes = (JSON.parse(memory.stdout) as { bytes: number }).bytes;

      // The same names for both servers: every service's A record, in a shuffled order.
      const ips = ok(
        await kubectl([
          'get',
          'services',
          '-n',
          'bench',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name} {.spec.clusterIP}{"\\n"}{end}',
        ]),
      )
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]);
      const names = ips.map(([n]) => `${n}.bench.svc.cluster.local`);
      const order = names.map((_, i) => (i * 7919) % names.length);
      writeFileSync(join(dir, 'queries.txt'), order.map((i) => `${names[i]} A\n`).join(''));
      writeFileSync(
        join(dir, 'unbound.conf'),
        [
          'server:',
          `  interface: ${dnsIP}@${UNBOUND_PORT}`,
          '  do-daemonize: no',
          '  chroot: ""',
          '  username: ""',
          `  directory: "${dir}"`,
          '  pidfile: ""',
          '  use-syslog: no',
          '  logfile: ""',
          '  num-threads: 1',
          '  access-control: 0.0.0.0/0 allow',
          '  do-ip6: no',
          '  module-config: "iterator"',
          '  local-zone: "cluster.local." static',
          ...ips.map(([n, ip]) => `  local-data: "${n}.bench.svc.cluster.local. 5 IN A ${ip}"`),
          'remote-control:',
          '  control-enable: no',
          '',
        ].join('\n'),
      );
      unbound = spawn(
        'nsenter',
        [`--net=${cluster.netns}`, '--', 'unbound', '-d', '-c', join(dir, 'unbound.conf')],
        { stdio: 'ignore' },
      );
      await until('unbound answering', async () => {
        const r = await cluster.exec('dig', [
          '+time=1',
          '+tries=1',
          '+short',
          '-p',
          String(UNBOUND_PORT),
          `@${dnsIP}`,
          names[0] ?? '',
        ]);
        return r.stdout.trim() ? true : undefined;
      });

      const dnsperf = async (port: number): Promise<Dnsperf> => {
        const serverPid = port === UNBOUND_PORT ? (unbound?.pid ?? 0) : pid;
        const cpuBefore = threadCpuMs(serverPid);
        const r = await cluster.exec(
          'dnsperf',
          [
            '-s',
            dnsIP,
            '-p',
            String(port),
            '-d',
            join(dir, 'queries.txt'),
            '-l',
            String(DNSPERF_SECONDS),
            '-q',
            '200',
          ],
          { timeoutMs: (DNSPERF_SECONDS + 30) * 1000 },
        );
        const serverCpuMs = busiestThreadMs(cpuBefore, threadCpuMs(serverPid));
        if (r.code !== 0) throw new Error(`dnsperf failed: ${r.stderr}${r.stdout}`);
        return { ...parseDnsperf(r.stdout), serverCpuMs };
      };
      const paced = async (port: number) => {
        const r = await probe<LatencyResult>({
          mode: 'latency',
          dns: dnsIP,
          port,
          names: order.slice(0, 1000).map((i) => names[i] ?? ''),
          rate: PACED_RATE,
          seconds: 3,
        });
        return { ...summarize(r.latenciesMs), answered: r.answered, sent: r.sent };
      };
      ctx.log(
        `dnsperf, ${ROUNDS} rounds of ${DNSPERF_SECONDS} s each: Skiff at ${dnsIP}:53, unbound at ${dnsIP}:${UNBOUND_PORT}`,
      );
      const skiffRuns: Dnsperf[] = [];
      const unboundRuns: Dnsperf[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        skiffRuns.push(await dnsperf(53));
        unboundRuns.push(await dnsperf(UNBOUND_PORT));
      }
      const mid = (runs: Dnsperf[]): Dnsperf => ({
        qps: median(runs.map((r) => r.qps)),
        avgMs: median(runs.map((r) => r.avgMs)),
        lost: median(runs.map((r) => r.lost)),
        completed: median(runs.map((r) => r.completed)),
        serverCpuMs: median(runs.map((r) => r.serverCpuMs)),
      });
      const usPerQuery = (runs: Dnsperf[]): number =>
        median(runs.map((r) => (r.serverCpuMs * 1000) / r.completed));
      const busy = (runs: Dnsperf[]): string =>
        runs
          .map((r) => `${Math.round((r.serverCpuMs / (DNSPERF_SECONDS * 1000)) * 100)}`)
          .join(', ');
      const skiffPerf = mid(skiffRuns);
      const unboundPerf = mid(unboundRuns);
      // Each round's share, then their median: a round's two runs share the machine's load.
      const share = median(skiffRuns.map((r, i) => r.qps / (unboundRuns[i]?.qps ?? Infinity)));
      ctx.log(`paced at ${PACED_RATE}/s, 3 s each`);
      const skiffPaced = await paced(53);
      const unboundPaced = await paced(UNBOUND_PORT);
      return [
        {
          metric: `dnsperf qps, median of ${ROUNDS} (A, ${count(names.length)} names, 200 outstanding): Skiff / unbound (1 thread)`,
          measured: `${perSec(skiffPerf.qps)} / ${perSec(unboundPerf.qps)} (rounds: ${skiffRuns.map((r) => Math.round(r.qps / 1000)).join(', ')}k / ${unboundRuns.map((r) => Math.round(r.qps / 1000)).join(', ')}k)`,
          goal: `≥ ${perSec(QPS_GOAL)}`,
          pass: skiffPerf.qps >= QPS_GOAL,
        },
        {
          metric: 'Skiff as a share of unbound (median of the rounds)',
          measured: `${Math.round(share * 100)} %`,
          goal: `≥ ${SHARE_GOAL * 100} %`,
          pass: share >= SHARE_GOAL,
        },
        {
          metric: 'server CPU per answered query (its busiest thread), median: Skiff / unbound',
          measured: `${usPerQuery(skiffRuns).toFixed(1)} / ${usPerQuery(unboundRuns).toFixed(1)} µs (CPU share of the 5 s: ${busy(skiffRuns)} % / ${busy(unboundRuns)} %)`,
        },
        {
          metric: 'dnsperf average latency at saturation; lost: Skiff / unbound',
          measured: `${ms(skiffPerf.avgMs)}, ${skiffPerf.lost} lost / ${ms(unboundPerf.avgMs)}, ${unboundPerf.lost} lost`,
        },
        {
          metric: `latency p50 / p99 at ${perSec(PACED_RATE)} paced: Skiff`,
          measured: `${ms(skiffPaced.p50)} / ${ms(skiffPaced.p99)} (${count(skiffPaced.answered)} of ${count(skiffPaced.sent)})`,
        },
        {
          metric: `latency p50 / p99 at ${perSec(PACED_RATE)} paced: unbound`,
          measured: `${ms(unboundPaced.p50)} / ${ms(unboundPaced.p99)} (${count(unboundPaced.answered)} of ${count(unboundPaced.sent)})`,
        },
        {
          metric: `service create request → name answers, p50 / p99 (${TIMED}, one at a time)`,
          measured: `${ms(resolve.p50)} / ${ms(resolve.p99)}`,
          goal: `p99 < ${RESOLVE_P99_GOAL_MS} ms`,
          pass: resolve.p99 < RESOLVE_P99_GOAL_MS,
        },
        {
          metric: 'of which the create request itself, p50 / p99',
          measured: `${ms(create.p50)} / ${ms(create.p99)}`,
        },
        {
          metric: `record index for ${count(INDEX_SERVICES)} services (+ a slice of 3 endpoints each)`,
          measured: `${mib(indexBytes)} (${Math.round(indexBytes / INDEX_SERVICES)} bytes per service)`,
        },
        {
          metric: `skiff up process RSS growth, ${count(made.created)} services created (API server, storage, DNS)`,
          measured: `${mib(rssAfter - rssBefore)} (${mib(rssBefore)} → ${mib(rssAfter)}); created at ${perSec((made.created - TIMED) / (made.bulkMs / 1000))}`,
        },
      ];
    } finally {
      if (unbound && unbound.exitCode === null) {
        const exited = new Promise((r) => unbound?.once('exit', r));
        unbound.kill('SIGTERM');
        await exited;
      }
      c?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
