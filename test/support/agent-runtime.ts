// Helpers for tests that run real containers: a one-layer busybox root filesystem, a
// network namespace of the test's own (never the host's), and the reason to skip when
// this machine cannot run containers.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { findExecutable, findStaticBusybox, PACKAGES } from '../../src/agent/runtime/detect.js';

/** Why real-container tests cannot run here, or undefined when they can. */
export function containerTestSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to run containers';
  for (const tool of ['conmon', 'ip'] as const)
    if (!findExecutable(tool))
      return `${tool} is not installed (apt-get install ${PACKAGES[tool] ?? 'iproute2'})`;
  if (!findExecutable('runc') && !findExecutable('crun'))
    return 'neither runc nor crun is installed (apt-get install runc)';
  if (!findStaticBusybox())
    return 'a static busybox is not installed (apt-get install busybox-static)';
  return undefined;
}

/** A root filesystem layer: busybox with its applets linked in /bin, /etc/passwd and /etc/group. */
export function makeBusyboxLayer(dir: string): string {
  const busybox = findStaticBusybox();
  if (!busybox) throw new Error('no static busybox');
  for (const d of ['bin', 'proc', 'dev', 'sys', 'etc', 'tmp', 'root'])
    mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n');
  for (const a of applets) if (a && a !== 'busybox') symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n');
  return dir;
}

export interface TestNetns {
  name: string;
  path: string;
  remove(): void;
}

/** A fresh network namespace (only loopback), removed by remove(). */
export function createTestNetns(): TestNetns {
  const name = `skiff-rt-${process.pid}-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    path: `/run/netns/${name}`,
    remove: () => {
      try {
        execFileSync('ip', ['netns', 'del', name]);
      } catch {
        /* already gone */
      }
    },
  };
}

/** Removes a (now empty) cgroup parent the containers of a test were placed under. */
export function removeCgroupParent(parent: string): void {
  const rel = parent.replace(/^\/+/, '');
  if (!rel) return;
  const roots: string[] = [];
  try {
    for (const e of readdirSync('/sys/fs/cgroup', { withFileTypes: true }))
      if (e.isDirectory()) roots.push(join('/sys/fs/cgroup', e.name));
  } catch {
    return;
  }
  roots.push('/sys/fs/cgroup');
  for (const root of roots) {
    const dir = join(root, rel);
    if (!existsSync(dir)) continue;
    // Deepest first; cgroup directories go with rmdir only.
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }))
        if (e.isDirectory()) walk(join(d, e.name));
      try {
        rmdirSync(d);
      } catch {
        /* still in use */
      }
    };
    walk(dir);
  }
}
