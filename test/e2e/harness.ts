// End-to-end harness: a real `skiff up --detach` in a temporary data dir, and the real
// kubectl binaries (each server gets its own discovery cache).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SKIFF_BIN = join(ROOT, 'bin', 'skiff.js');
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

export const kubectlPath = (minor: number): string => join(KUBECTL_DIR, `kubectl.1.${minor}`);
export const hasKubectl = (minor: number): boolean => existsSync(kubectlPath(minor));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runSkiff(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync(process.execPath, [SKIFF_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 90_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface TestCluster {
  dataDir: string;
  kubeconfig: string;
  port: number;
  server: string;
  caPath: string;
  adminToken: string;
  kubectl(
    minor: number,
    args: string[],
    opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<RunResult>;
  stop(): void;
}

export function startCluster(): TestCluster {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const r = runSkiff(['up', '--detach', '--data-dir', dataDir, '--api-port', '0']);
  if (r.code !== 0) throw new Error(`skiff up failed (${r.code}): ${r.stdout}\n${r.stderr}`);
  const endpoint = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as {
    port: number;
  };
  const cacheDirs = new Map<number, string>();
  const kubeconfig = join(dataDir, 'kubeconfig');
  const adminToken = (readFileSync(join(dataDir, 'tokens.csv'), 'utf8').split(',')[0] ?? '').trim();
  return {
    dataDir,
    kubeconfig,
    port: endpoint.port,
    server: `https://127.0.0.1:${endpoint.port}`,
    caPath: join(dataDir, 'pki', 'ca.crt'),
    adminToken,
    kubectl(minor, args, opts = {}) {
      let cache = cacheDirs.get(minor);
      if (!cache) {
        cache = mkdtempSync(join(tmpdir(), `skiff-kcache-${minor}-`));
        cacheDirs.set(minor, cache);
      }
      return run(
        kubectlPath(minor),
        ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args],
        opts,
      );
    },
    stop() {
      runSkiff(['down', '--data-dir', dataDir]);
      rmSync(dataDir, { recursive: true, force: true });
      for (const c of cacheDirs.values()) rmSync(c, { recursive: true, force: true });
    },
  };
}

export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** curl against the cluster, returning status code and body. */
export async function curl(
  args: string[],
): Promise<{ status: number; body: string; raw: RunResult }> {
  const r = await run('curl', ['-s', '-w', '\n%{http_code}', ...args]);
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n'), raw: r };
}
