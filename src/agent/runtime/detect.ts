// Which OCI runtime works on this host. Being on PATH is not enough (crun 1.8 refuses to
// start containers on hybrid cgroup hosts), so each candidate runs a throwaway container
// from a one-binary root filesystem (a static busybox) with our own spec generator,
// a memory limit and a fresh network namespace; the first that prints back wins.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsc, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { HostFacts } from './host.js';
import { generateSpec } from './spec.js';
import type { RuntimeInfo } from './types.js';

const run = promisify(execFile);

export const RUNTIME_CANDIDATES = ['runc', 'crun'];
/** The Debian packages that provide what this layer runs. */
export const PACKAGES: Record<string, string> = {
  runc: 'runc',
  crun: 'crun',
  conmon: 'conmon',
  busybox: 'busybox-static',
};

export class RuntimeUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeUnavailableError';
  }
}

/** Like `which`, also looking in the sbin directories a non-login PATH may lack. */
export function findExecutable(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [
    ...path.split(delimiter),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
    '/usr/bin',
    '/bin',
  ];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, fsc.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** A busybox that runs in an empty root filesystem (statically linked). */
export function findStaticBusybox(): string | undefined {
  for (const p of [findExecutable('busybox'), '/bin/busybox', '/usr/bin/busybox']) {
    if (!p) continue;
    try {
      // A dynamically linked ELF names its loader near the start of the file.
      const head = readFileSync(p).subarray(0, 8192).toString('latin1');
      if (!head.includes('ld-linux') && !head.includes('ld-musl')) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

async function versionOf(path: string): Promise<string> {
  const { stdout } = await run(path, ['--version']);
  const m = /version\s+(\S+)/i.exec(stdout);
  return m?.[1] ?? stdout.split('\n')[0]?.trim() ?? 'unknown';
}

/** Runs a throwaway container; resolves when it printed the marker, rejects with the reason. */
async function smokeTest(
  runtime: string,
  busybox: string,
  host: HostFacts,
  cgroupParent: string,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-probe-'));
  const id = `skiff-probe-${randomBytes(4).toString('hex')}`;
  const root = join(dir, 'state');
  const marker = `skiff-probe-ok-${id}`;
  try {
    await mkdir(join(dir, 'rootfs', 'bin'), { recursive: true });
    await copyFile(busybox, join(dir, 'rootfs', 'bin', 'busybox'));
    const spec = generateSpec({
      config: {
        id,
        layers: [],
        process: { args: ['/bin/busybox', 'echo', marker] },
        resources: { memoryLimitBytes: 64 << 20, cpuRequestMillis: 100 },
        log: { dir, attempt: 0 },
      },
      host,
      rootfs: join(dir, 'rootfs'),
      defaultCgroupParent: cgroupParent,
    });
    await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(runtime, [`--root=${root}`, 'run', '--bundle', dir, id], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout);
        else {
          const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1] ?? stderr.trim();
          reject(new Error(msg || `exit code ${code}`));
        }
      });
    });
    if (!out.includes(marker)) throw new Error('the test container printed nothing');
  } finally {
    await run(runtime, [`--root=${root}`, 'delete', '--force', id]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Detected {
  info: RuntimeInfo;
  conmon: string;
}

export interface DetectOptions {
  host: HostFacts;
  /** Runtime names to try, in order (runc, then crun, unless given). */
  candidates?: string[];
  cgroupParent: string;
}

export async function detectRuntime(o: DetectOptions): Promise<Detected> {
  if (process.getuid?.() !== 0)
    throw new RuntimeUnavailableError(
      'running containers needs root (the agent is not running as root)',
    );
  const conmon = findExecutable('conmon');
  if (!conmon)
    throw new RuntimeUnavailableError(
      `conmon (the container monitor) is not installed: apt-get install ${PACKAGES['conmon']}`,
    );
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay'))
    throw new RuntimeUnavailableError('the kernel has no overlay filesystem (modprobe overlay)');
  const busybox = findStaticBusybox();
  if (!busybox)
    throw new RuntimeUnavailableError(
      `a static busybox is needed to test the OCI runtime: apt-get install ${PACKAGES['busybox']}`,
    );
  const failures: string[] = [];
  const candidates = o.candidates ?? RUNTIME_CANDIDATES;
  for (const name of candidates) {
    const path = findExecutable(name);
    if (!path) {
      failures.push(`${name}: not installed`);
      continue;
    }
    try {
      const version = await versionOf(path);
      await smokeTest(path, busybox, o.host, o.cgroupParent);
      return {
        info: {
          name,
          version,
          path,
          runtimeVersion: `${name}://${version}`,
          cgroups: o.host.cgroups,
        },
        conmon,
      };
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  const install = candidates.map((c) => PACKAGES[c] ?? c).join(' or ');
  throw new RuntimeUnavailableError(
    `no working OCI runtime (${failures.join('; ')}); install one: apt-get install ${install}`,
  );
}
