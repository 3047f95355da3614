// 10. Streams into a pod on a real node, each beside what it is measured against, in one run:
// port-forward throughput and connection rate next to a direct connection to the pod IP and
// next to a plain one-hop relay written with `net`; the exec round trip (WebSocket, `true`);
// proxy-verb requests per second next to the same requests straight to the pod. The cluster
// is `skiff up` in a network namespace made for the run; the client side runs inside it
// (lib/streams-probe.ts), since pod IPs are reachable only there.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestImages, IMAGES } from '../test/images/index.js';
import {
  kubectlPath,
  nodeSkipReason,
  ok,
  startNodeCluster,
  until,
  type TestCluster,
} from '../test/e2e/harness.js';
import type { Benchmark } from './lib/bench.js';
import { ms, perSec } from './lib/report.js';
import { median, summarize } from './lib/stats.js';
import type { ProbeConfig, ProbeResult } from './lib/streams-probe.js';

const KUBECTL = 33;
const POD = 'bench-streams';
const BYTES = 256 * 1024 * 1024;
const THROUGHPUT_GOAL = 0.5;
const EXEC_P50_GOAL_MS = 50;

/** The pod's servers: 9000 sends as many bytes as it is asked for, 9001 echoes, 8080 HTTP. */
const POD_SERVERS = `
const net = require('node:net'), http = require('node:http');
const chunk = Buffer.alloc(65536);
net.createServer((s) => {
  s.on('error', () => {});
  let head = '';
  const onData = (d) => {
    head += d;
    const i = head.indexOf('\\n');
    if (i < 0) return;
    s.off('data', onData);
    let left = Number(head.slice(0, i));
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return s.once('drain', pump);
      }
      s.end();
    };
    pump();
  };
  s.on('data', onData);
}).listen(9000);
net.createServer((s) => { s.on('error', () => {}); s.pipe(s); }).listen(9001);
http.createServer((q, r) => r.end('ok\\n')).listen(8080);
`;

const mbps = (bytesPerSec: number): string => `${(bytesPerSec / 1024 / 1024).toFixed(0)} MB/s`;

/** The `skiff up` process among those in the network namespace at `netns`. */
function skiffPidIn(netns: string): number {
  const r = spawnSync('ip', ['netns', 'pids', basename(netns)], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  for (const pid of r.stdout.split('\n').filter(Boolean)) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (argv.some((a) => a.endsWith('skiff.js')) && argv.includes('up')) return Number(pid);
  }
  throw new Error(`no skiff up process in ${netns}`);
}

const seconds = (s: number): string => `${s.toFixed(2)} s`;

export const streams: Benchmark = {
  name: 'streams',
  title: 'port-forward, exec and proxy verbs next to direct connections, on a real node',
  budgetMs: 600_000,
  async run(ctx) {
    const skip = nodeSkipReason();
    if (skip) return [{ metric: 'streams', measured: `skipped: ${skip}` }];
    const built = await ensureTestImages({ images: [IMAGES.kubiaNode] });
    let c: TestCluster | undefined;
    try {
      c = startNodeCluster({ images: [built.archives[IMAGES.kubiaNode] as string] });
      const cluster = c;
      const kubectl = (args: string[]) => cluster.kubectl(KUBECTL, args);
      ok(
        await kubectl([
          'run',
          POD,
          `--image=${IMAGES.kubiaNode}`,
          '--image-pull-policy=Never',
          '--command',
          '--',
          'node',
          '-e',
          POD_SERVERS,
        ]),
      );
      const podIP = await until(
        'the benchmark pod Running with an IP',
        async () => {
          const out = ok(
            await kubectl(['get', 'pod', POD, '-o', 'jsonpath={.status.phase} {.status.podIP}']),
          );
          const [phase, ip] = out.trim().split(' ');
          return phase === 'Running' && ip ? ip : undefined;
        },
        120_000,
      );
      // The servers listen a moment after the container starts.
      await until('the pod servers listening', async () =>
        (await cluster.exec('curl', ['-sf', '-m', '2', `http://${podIP}:8080/`])).code === 0
          ? true
          : undefined,
      );
      const config: ProbeConfig = {
        podIP,
        pod: POD,
        namespace: 'default',
        sourcePort: 9000,
        echoPort: 9001,
        httpPort: 8080,
        server: cluster.server,
        caPath: cluster.caPath,
        certPath: join(cluster.dataDir, 'pki', 'admin.crt'),
        keyPath: join(cluster.dataDir, 'pki', 'admin.key'),
        kubectl: kubectlPath(KUBECTL),
        kubeconfig: cluster.kubeconfig,
        skiffPid: skiffPidIn(cluster.netns ?? ''),
        bytes: BYTES,
        connections: 500,
        execRuns: 50,
        proxyRequests: 2000,
        concurrency: 8,
      };
      const probe = fileURLToPath(new URL('./lib/streams-probe.js', import.meta.url));
      ctx.log('measuring inside the node namespace');
      const r = await cluster.exec(process.execPath, [probe, JSON.stringify(config)], {
        timeoutMs: 480_000,
      });
      if (r.code !== 0) throw new Error(`streams probe failed (${r.code}): ${r.stderr}`);
      const p = JSON.parse(r.stdout) as ProbeResult;
      const share = median(p.portForwardShares);
      const exec = summarize(p.execMs);
      const kubectlExec = summarize(p.kubectlExecMs);
      return [
        {
          metric: `throughput, ${BYTES / 1024 / 1024} MB from the pod: direct / relay / port-forward`,
          measured: `${mbps(p.direct.throughput)} / ${mbps(p.relay.throughput)} / ${mbps(p.portForward.throughput)}`,
        },
        {
          metric: `port-forward throughput as a share of the plain relay (median of ${p.portForwardShares.length} turns)`,
          measured: `${Math.round(share * 100)} %`,
          goal: `≥ ${THROUGHPUT_GOAL * 100} %`,
          pass: share >= THROUGHPUT_GOAL,
        },
        {
          // On 2 cores both paths are bound by CPU: what each byte costs, by process, says
          // where the port-forward's time goes (the pod's sender is the same for both).
          metric:
            'CPU per GiB moved: relay (relay and client, one process) / port-forward: skiff / kubectl / client',
          measured: `${seconds(p.cpuPerGiB.relay.client)} / ${seconds(p.cpuPerGiB.portForward.skiff)} / ${seconds(p.cpuPerGiB.portForward.kubectl)} / ${seconds(p.cpuPerGiB.portForward.client)}`,
        },
        {
          metric: `connections (${config.connections}, ${config.concurrency} at a time): direct / relay / port-forward`,
          measured: `${perSec(p.direct.connectionRate)} / ${perSec(p.relay.connectionRate)} / ${perSec(p.portForward.connectionRate)}`,
        },
        {
          metric: `exec round trip over WebSocket (\`true\`, ${exec.n} runs): p50 / max`,
          measured: `${ms(exec.p50)} / ${ms(exec.max)}`,
          goal: `p50 < ${EXEC_P50_GOAL_MS} ms`,
          pass: exec.p50 < EXEC_P50_GOAL_MS,
        },
        {
          metric: '`kubectl exec … true` wall time (5 runs, process start included): p50',
          measured: ms(kubectlExec.p50),
        },
        {
          metric: `GET through pods/proxy vs straight to the pod (${config.proxyRequests}, ${config.concurrency} at a time)`,
          measured: `${perSec(p.proxy.proxied)} vs ${perSec(p.proxy.direct)}`,
        },
      ];
    } finally {
      c?.stop();
    }
  },
};
