// Helpers for the cluster DNS tests: a DNS server fixture run inside a test's network
// namespace (dns-serve.ts), `dig` and `nslookup` run there, raw UDP messages sent there
// (dns-send.ts), and dig's output read into parts.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../src/api/types.js';

/** The repository (this file is test/support/dns.ts, or its build under dist/). */
const ROOT = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'test')}`)
    ? join(here, '..', '..', '..')
    : join(here, '..', '..');
})();

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after timeoutMs). */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface DnsNetns {
  name: string;
  path: string;
  /** Kills whatever still runs in the namespace, then deletes it. */
  remove(): void;
}

/** A network namespace of the test's own, loopback up. */
export function createDnsNetns(prefix = 'skiff-dns'): DnsNetns {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
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

export interface DnsFixture {
  udp: number;
  tcp: number;
  metrics: number;
  stop(): Promise<void>;
}

export interface DnsFixtureConfig {
  host: string;
  port: number;
  metricsPort?: number;
  upstreams?: string[];
  forwardTimeoutMs?: number;
  zone?: string;
}

const inNs = (netns: string, cmd: string, args: string[]): [string, string[]] => [
  'nsenter',
  [`--net=${netns}`, '--', cmd, ...args],
];

/** Starts dns-serve.ts in `netns` with these objects; resolves once it answers. */
export async function startDnsFixture(
  netns: string,
  objects: KubeObject[],
  config: DnsFixtureConfig,
): Promise<DnsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-dns-'));
  const file = join(dir, 'objects.json');
  writeFileSync(file, JSON.stringify(objects));
  const [cmd, args] = inNs(netns, process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'test', 'support', 'dns-serve.ts'),
    JSON.stringify({ ...config, objects: file }),
  ]);
  const child: ChildProcess = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const ports = await new Promise<{ udp: number; tcp: number; metrics: number }>(
    (resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`DNS fixture did not start: ${err}`)),
        30_000,
      );
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(JSON.parse(out.slice(0, nl)) as { udp: number; tcp: number; metrics: number });
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`DNS fixture exited (${code}): ${err}`));
      });
    },
  );
  return {
    ...ports,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `dig` in `netns`, one try with a 2 s wait unless the arguments say otherwise. */
export function dig(netns: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return run(...inNs(netns, 'dig', ['+time=2', '+tries=1', ...args]), { timeoutMs });
}

export function nslookup(netns: string, args: string[]): Promise<RunResult> {
  return run(...inNs(netns, 'nslookup', ['-timeout=2', '-retry=1', ...args]), {
    timeoutMs: 20_000,
  });
}

export interface DigResult {
  status: string;
  flags: string[];
  answers: string[];
  authority: string[];
  additional: string[];
  /** The server's EDNS0 UDP size, when it sent an OPT record. */
  udp?: number;
}

const record = (l: string): string => l.trim().split(/\s+/).join(' ');

/** The header and sections of dig's default output (the first message when there are several). */
export function parseDig(text: string): DigResult {
  const r: DigResult = { status: '', flags: [], answers: [], authority: [], additional: [] };
  let section: 'answers' | 'authority' | 'additional' | undefined;
  for (const line of text.split('\n')) {
    const status = /status: (\w+)/.exec(line);
    if (status && !r.status) r.status = status[1] ?? '';
    const flags = /;; flags: ([^;]*);/.exec(line);
    if (flags && r.flags.length === 0) r.flags = (flags[1] ?? '').trim().split(/\s+/);
    const udp = /; EDNS: .*udp: (\d+)/.exec(line);
    if (udp) r.udp = Number(udp[1]);
    if (line.startsWith(';; ANSWER SECTION')) section = 'answers';
    else if (line.startsWith(';; AUTHORITY SECTION')) section = 'authority';
    else if (line.startsWith(';; ADDITIONAL SECTION')) section = 'additional';
    else if (line.trim() === '' || line.startsWith(';')) {
      if (line.trim() === '') section = undefined;
    } else if (section) r[section].push(record(line));
  }
  return r;
}

/** Sends raw UDP messages to host:port from inside `netns`; each answer, or null. */
export async function sendRaw(
  netns: string,
  host: string,
  port: number,
  packets: Buffer[],
  waitMs = 300,
  burst = false,
): Promise<(Buffer | null)[]> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-dns-send-'));
  try {
    const file = join(dir, 'packets.txt');
    writeFileSync(file, packets.map((p) => p.toString('hex')).join('\n') + '\n');
    const r = await run(
      ...inNs(netns, process.execPath, [
        '--import',
        'tsx',
        join(ROOT, 'test', 'support', 'dns-send.ts'),
        host,
        String(port),
        file,
        String(waitMs),
        burst ? 'burst' : 'one-by-one',
      ]),
      { timeoutMs: 120_000, cwd: ROOT },
    );
    if (r.code !== 0) throw new Error(`dns-send failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as (string | null)[]).map((h) =>
      h === null ? null : Buffer.from(h, 'hex'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Objects for fixtures, written as the API returns them. */
export const k8s = {
  namespace: (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  }),
  service: (namespace: string, name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec,
  }),
  slice: (
    namespace: string,
    service: string,
    endpoints: Record<string, unknown>[],
    ports: Record<string, unknown>[],
  ): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-x1`,
      namespace,
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  }),
};
