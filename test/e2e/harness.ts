// End-to-end harness: a real `skiff up --detach` in a temporary data dir, and the real
// kubectl binaries (each server gets its own discovery cache).
//
// Two kinds of cluster. API-only ones (`--disable-agent`) listen on the machine's loopback and
// run no pods. Node clusters (`startCluster({ node: true })`) run the node agent, which adds
// a bridge, veths and nftables rules to the namespace it runs in; so skiff, kubectl and curl
// all run inside a network namespace the test creates and deletes.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/eventually.js';

/** The checkout: the nearest folder above this file with a package.json (src or dist/). */
export const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
export const SKIFF_BIN = join(ROOT, 'bin', 'skiff.js');
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

/** The kubectl minors every end-to-end file runs against (oldest, middle, newest). */
export const VERSIONS = [27, 30, 33] as const;

export const kubectlPath = (minor: number): string => join(KUBECTL_DIR, `kubectl.1.${minor}`);
export const hasKubectl = (minor: number): boolean => existsSync(kubectlPath(minor));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

/**
 * Runs `skiff ARGS`. Outside a test namespace, `up` gets `--disable-agent`: the agent must
 * never touch the machine's own network namespace.
 */
export function runSkiff(args: string[], env: NodeJS.ProcessEnv = {}, netns?: string): RunResult {
  const argv =
    args[0] === 'up' && !netns && !args.includes('--disable-agent')
      ? ['up', '--disable-agent', ...args.slice(1)]
      : args;
  const [cmd, cmdArgs] = inNetns(netns, process.execPath, [SKIFF_BIN, ...argv]);
  const r = spawnSync(cmd, cmdArgs, {
    encoding: 'utf8',
    // A cluster outlives `skiff up --detach`, not this test process, even when it is killed.
    env: { ...process.env, SKIFF_EXIT_WITH_PID: String(process.pid), ...env },
    timeout: 90_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A long-running kubectl (e.g. `get -w`) whose output is collected until it is stopped. */
export interface Background {
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once stdout matches, rejects after timeoutMs (default 10 s). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and resolves with everything printed. */
  stop(): Promise<RunResult>;
}

/** argv that runs `cmd args` inside the network namespace at `netns` (when given). */
export function inNetns(
  netns: string | undefined,
  cmd: string,
  args: string[],
): [string, string[]] {
  return netns ? ['nsenter', [`--net=${netns}`, '--', cmd, ...args]] : [cmd, args];
}

export interface TestCluster {
  dataDir: string;
  /** Node clusters: the network namespace everything runs in, and the node's name. */
  netns?: string | undefined;
  nodeName?: string;
  /** Runs any command in the cluster's network namespace (the machine's for API-only ones). */
  exec(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  kubeconfig: string;
  port: number;
  server: string;
  caPath: string;
  adminToken: string;
  /** Runs kubectl 1.<minor> with the cluster's kubeconfig and this server's cache dir. */
  kubectl(minor: number, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Like kubectl(), but the process keeps running until stop(). */
  background(minor: number, args: string[], opts?: RunOptions): Background;
  /** Runs kubectl 1.<minor> with no --kubeconfig flag (KUBECONFIG comes from opts.env). */
  kubectlBare(minor: number, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Writes a file under the cluster's scratch dir and returns its path. */
  file(name: string, content: string, mode?: number): string;
  stop(): void;
}

export interface ClusterOptions {
  /** Extra static bearer tokens, passed to `skiff up --token-auth-file`. */
  tokens?: { token: string; user: string; uid: string; groups?: string[] }[];
  /** More flags for `skiff up` (e.g. `--disable-agent --bind-address 0.0.0.0`). */
  upArgs?: string[];
}

export const E2E_NODE = 'skiff-e2e-node';

export interface NodeClusterOptions extends ClusterOptions {
  /** Archives imported into the node's image store before it starts (`skiff images import`). */
  images?: string[];
  /** Files written into the data dir before start (e.g. registries.yaml). */
  dataFiles?: Record<string, string>;
}

/** Why node clusters cannot run here (not root, tools missing), or undefined. */
export function nodeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runs pods)';
  for (const tool of ['nsenter', 'ip', 'nft', 'runc', 'conmon'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `"${tool}" is not installed`;
  return undefined;
}

/** A network namespace of the test's own (loopback up), by name and path. */
export interface TestNetns {
  name: string;
  path: string;
  /** Kills whatever still runs in the namespace, then deletes it. */
  remove(): void;
}

export function createNetns(prefix = 'skiff-e2e'): TestNetns {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    path: `/run/netns/${name}`,
    remove() {
      // Anything still running in the namespace (our skiff, conmon) goes with it.
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

/** A cluster running the node agent, inside a network namespace of its own. */
export function startNodeCluster(opts: NodeClusterOptions = {}): TestCluster {
  const ns = createNetns();
  const netns = ns.path;
  const removeNetns = ns.remove;
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
    for (const [file, content] of Object.entries(opts.dataFiles ?? {}))
      writeFileSync(join(dataDir, file), content);
    if (opts.images?.length) {
      const r = runSkiff(['images', 'import', ...opts.images, '--data-dir', dataDir]);
      if (r.code !== 0) throw new Error(`skiff images import failed: ${r.stdout}${r.stderr}`);
    }
    const c = startCluster(opts, { netns, dataDir, nodeName: E2E_NODE });
    const stop = c.stop;
    return {
      ...c,
      stop() {
        stop();
        removeNetns();
      },
    };
  } catch (e) {
    removeNetns();
    throw e;
  }
}

/**
 * A cluster from `skiff up --detach`; with `node`, inside that network namespace, running
 * the node agent as node `nodeName` (without one, `opts.upArgs` says `--disable-agent`).
 */
export function startCluster(
  opts: ClusterOptions = {},
  node?: { netns: string; dataDir: string; nodeName?: string },
): TestCluster {
  const netns = node?.netns;
  const dataDir = node?.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-e2e-files-'));
  const args = ['up', '--detach', '--data-dir', dataDir, '--api-port', '0'];
  if (node?.nodeName) args.push('--node-name', node.nodeName);
  args.push(...(opts.upArgs ?? []));
  if (opts.tokens?.length) {
    const lines = opts.tokens.map(
      (t) => `${t.token},${t.user},${t.uid}${t.groups ? `,"${t.groups.join(',')}"` : ''}`,
    );
    const path = join(scratch, 'extra-tokens.csv');
    writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
    args.push('--token-auth-file', path);
  }
  const r = runSkiff(args, {}, netns);
  if (r.code !== 0) throw new Error(`skiff up failed (${r.code}): ${r.stdout}\n${r.stderr}`);
  const endpoint = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as {
    port: number;
  };
  const cacheDirs = new Map<number, string>();
  const cacheFor = (minor: number): string => {
    let cache = cacheDirs.get(minor);
    if (!cache) {
      cache = mkdtempSync(join(tmpdir(), `skiff-kcache-${minor}-`));
      cacheDirs.set(minor, cache);
    }
    return cache;
  };
  const kubeconfig = join(dataDir, 'kubeconfig');
  const adminToken = (readFileSync(join(dataDir, 'tokens.csv'), 'utf8').split(',')[0] ?? '').trim();
  const children = new Set<ChildProcess>();
  const exec = (cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> =>
    run(...inNetns(netns, cmd, args), opts);
  return {
    dataDir,
    ...(node ? { netns, ...(node.nodeName ? { nodeName: node.nodeName } : {}) } : {}),
    kubeconfig,
    port: endpoint.port,
    server: `https://127.0.0.1:${endpoint.port}`,
    caPath: join(dataDir, 'pki', 'ca.crt'),
    adminToken,
    exec,
    kubectl(minor, args, opts = {}) {
      return exec(
        kubectlPath(minor),
        ['--kubeconfig', kubeconfig, '--cache-dir', cacheFor(minor), ...args],
        opts,
      );
    },
    kubectlBare(minor, args, opts = {}) {
      return exec(kubectlPath(minor), ['--cache-dir', cacheFor(minor), ...args], opts);
    },
    background(minor, args, opts = {}) {
      const bg = startBackground(
        ...inNetns(netns, kubectlPath(minor), [
          '--kubeconfig',
          kubeconfig,
          '--cache-dir',
          cacheFor(minor),
          ...args,
        ]),
        opts,
      );
      children.add(bg.child);
      bg.child.on('close', () => children.delete(bg.child));
      return bg.handle;
    },
    file(name, content, mode) {
      const path = join(scratch, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content, mode !== undefined ? { mode } : {});
      return path;
    },
    stop() {
      for (const c of children) c.kill('SIGKILL');
      runSkiff(['down', '--data-dir', dataDir], {}, netns);
      // Never recurse into a mount (a container's root or a hostPath volume) left behind.
      unmountUnder(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
      for (const c of cacheDirs.values()) rmSync(c, { recursive: true, force: true });
    },
  };
}

/** Lazily unmounts everything mounted at or below `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    // A process that cannot start (missing binary or cwd) reports here, not on 'close'.
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${err.message}\n` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export function startBackground(
  cmd: string,
  args: string[],
  opts: RunOptions,
): { child: ChildProcess; handle: Background } {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let code: number | null = null;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    wake();
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<void>((res) => {
    child.on('close', (c) => {
      code = c ?? -1;
      wake();
      res();
    });
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
      code = -1;
      wake();
      res();
    });
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const handle: Background = {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout)) done(resolve);
          else if (code !== null)
            done(() =>
              reject(new Error(`exited (${code}) before ${pattern}:\n${stdout}${stderr}`)),
            );
        };
        const t = setTimeout(
          () =>
            done(() => reject(new Error(`timed out waiting for ${pattern}:\n${stdout}${stderr}`))),
          timeoutMs,
        );
        const done = (f: () => void): void => {
          clearTimeout(t);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (code === null) child.kill('SIGTERM');
      await closed;
      clearTimeout(timer);
      return { code: code ?? -1, stdout, stderr };
    },
  };
  return { child, handle };
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

/** Asserts a zero exit and returns stdout; the message carries stderr for diagnosis. */
export function ok(r: RunResult, what = 'kubectl'): string {
  if (r.code !== 0)
    throw new Error(`${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** Asserts a non-zero exit and returns stderr. */
export function fails(r: RunResult, what = 'kubectl'): string {
  if (r.code === 0) throw new Error(`${what} unexpectedly succeeded\nstdout: ${r.stdout}`);
  return r.stderr;
}

/**
 * Splits kubectl's column output into records keyed by header, using the header's column
 * positions (so empty cells and cells with single spaces survive).
 */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  const starts: number[] = [];
  for (let i = 0; i < header.length; i++) {
    if (header[i] !== ' ' && (i === 0 || header.slice(Math.max(0, i - 2), i) === '  '))
      starts.push(i);
  }
  const names = starts.map((s, j) => header.slice(s, starts[j + 1]).trim());
  return lines.slice(1).map((line) => {
    const rec: Record<string, string> = {};
    names.forEach((n, j) => {
      const end = starts[j + 1];
      rec[n] = line.slice(starts[j], end === undefined ? undefined : end).trim();
    });
    return rec;
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `eventually` with the argument order and pace of the end-to-end tests (every 300 ms). */
export const until = <T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> =>
  eventually(fn, what, { timeoutMs: ms, intervalMs: 300 });

/** Escapes a literal for use inside a RegExp. */
export const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** An AGE cell as kube prints it for something created moments ago. */
export const AGE = '\\d+s';
