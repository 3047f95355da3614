// Clusters for benchmarks: the real `skiff up --detach` / `skiff down` in temporary data dirs.
// API-only (`--disable-agent`, on the machine's loopback) unless a node is asked for; a node
// cluster runs in a network namespace of its own, as the agent adds a bridge and nftables
// rules to the namespace it runs in.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/bench/lib/cluster.js). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SKIFF_BIN = join(ROOT, 'bin', 'skiff.js');

export interface SkiffRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawning the command to its exit. */
  ms: number;
}

/** Runs `skiff ARGS` as a user would, timing it from spawn to exit. */
export function runSkiff(args: string[], timeoutMs = 60_000, netns?: string): Promise<SkiffRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const argv = [SKIFF_BIN, ...args];
    const child = netns
      ? spawn('nsenter', [`--net=${netns}`, '--', process.execPath, ...argv], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export function tempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `skiff-bench-${label}-`));
}

export interface Credentials {
  ca: string;
  cert: string;
  key: string;
}

export interface BenchCluster {
  dataDir: string;
  pid: number;
  port: number;
  credentials: Credentials;
  /** Wall time of `skiff up --detach` until it reported the API ready. */
  upMs: number;
  /** `skiff down`; removes the data dir unless keepDataDir. */
  stop(options?: { keepDataDir?: boolean }): Promise<SkiffRun>;
}

/** Clusters started and not yet stopped, so an interrupted run can stop them. */
const live = new Set<BenchCluster>();

/** Stops every cluster this process started and has not stopped. */
export async function stopAllClusters(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop().catch(() => undefined)));
}

/** Why node clusters cannot be benchmarked here, or undefined. */
export function nodeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the node agent)';
  for (const tool of ['nsenter', 'ip', 'nft', 'runc', 'conmon'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `"${tool}" is not installed`;
  return undefined;
}

/** A network namespace of our own, and how to remove it with anything still inside. */
function createNetns(): { path: string; remove(): void } {
  const name = `skiff-bench-${randomBytes(4).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    path: `/run/netns/${name}`,
    remove() {
      const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout;
      for (const pid of pids.split('\n').filter(Boolean))
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
}

/**
 * `skiff up --detach` in dataDir (a fresh temporary one by default), on a free port. With
 * `node`, the node agent runs too, inside a network namespace made for it (only the
 * process is measured then: the API is not reachable from the benchmark's namespace).
 */
export async function startCluster(
  dataDir = tempDataDir('cluster'),
  o: { node?: boolean; args?: string[] } = {},
): Promise<BenchCluster> {
  const netns = o.node ? createNetns() : undefined;
  const up = await runSkiff(
    [
      'up',
      '--detach',
      '--data-dir',
      dataDir,
      '--api-port',
      '0',
      ...(netns ? [] : ['--disable-agent']),
      ...(o.args ?? []),
    ],
    60_000,
    netns?.path,
  );
  if (up.code !== 0) {
    const log = readLog(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    netns?.remove();
    throw new Error(`skiff up failed (exit ${up.code}): ${up.stderr.trim()}\n${log}`);
  }
  const cluster: BenchCluster = {
    ...readRunning(dataDir),
    upMs: up.ms,
    async stop(options = {}) {
      live.delete(cluster);
      const down = await runSkiff(['down', '--data-dir', dataDir], 60_000, netns?.path);
      netns?.remove();
      if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
      if (down.code !== 0) throw new Error(`skiff down failed (exit ${down.code}): ${down.stderr}`);
      return down;
    },
  };
  live.add(cluster);
  return cluster;
}

function readLog(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, 'skiff.log'), 'utf8')
      .trim()
      .split('\n')
      .slice(-10)
      .join('\n');
  } catch {
    return '';
  }
}

/**
 * A cluster someone else started (e.g. `node --cpu-prof bin/skiff.js up --data-dir DIR` to
 * profile the server), used as is and left running.
 */
export function attachCluster(dataDir: string): BenchCluster {
  return {
    ...readRunning(dataDir),
    upMs: NaN,
    stop: () => Promise.resolve({ code: 0, stdout: '', stderr: '', ms: 0 }),
  };
}

/** The endpoint and admin credentials a running cluster wrote to its data dir. */
function readRunning(
  dataDir: string,
): Pick<BenchCluster, 'dataDir' | 'pid' | 'port' | 'credentials'> {
  const endpoint = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as {
    pid: number;
    port: number;
  };
  const pki = join(dataDir, 'pki');
  return {
    dataDir,
    pid: endpoint.pid,
    port: endpoint.port,
    credentials: {
      ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
      cert: readFileSync(join(pki, 'admin.crt'), 'utf8'),
      key: readFileSync(join(pki, 'admin.key'), 'utf8'),
    },
  };
}

/** Resident set size of a process in bytes (VmRSS in /proc/PID/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** CPU time (user + system) a process has used so far, in ms (from /proc/PID/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / CLOCK_TICKS) * 1000;
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;
