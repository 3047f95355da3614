// Clusters for benchmarks: the real `skiff up --detach` / `skiff down` in temporary data dirs.

import { spawn } from 'node:child_process';
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
export function runSkiff(args: string[], timeoutMs = 60_000): Promise<SkiffRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [SKIFF_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

/** `skiff up --detach` in dataDir (a fresh temporary one by default), on a free port. */
export async function startCluster(dataDir = tempDataDir('cluster')): Promise<BenchCluster> {
  const up = await runSkiff(['up', '--detach', '--data-dir', dataDir, '--api-port', '0']);
  if (up.code !== 0) {
    const log = readLog(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`skiff up failed (exit ${up.code}): ${up.stderr.trim()}\n${log}`);
  }
  const cluster: BenchCluster = {
    ...readRunning(dataDir),
    upMs: up.ms,
    async stop(options = {}) {
      live.delete(cluster);
      const down = await runSkiff(['down', '--data-dir', dataDir]);
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
