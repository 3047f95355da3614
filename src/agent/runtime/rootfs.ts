// A container's copy-on-write root filesystem: an overlay of the image's layer
// directories (read-only) under a per-container upper and work directory. The runtime
// layer mounts it before `create` and unmounts it on delete.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { CommandRunner } from '../runner/index.js';

/** The kernel takes mount options up to one page; leave room for upper/work. */
const MAX_OPTIONS = 3500;

export interface RootfsPaths {
  /** The mount point, given to the OCI runtime as root.path. */
  rootfs: string;
  upper: string;
  work: string;
}

export function rootfsPaths(containerDir: string): RootfsPaths {
  return {
    rootfs: join(containerDir, 'rootfs'),
    upper: join(containerDir, 'upper'),
    work: join(containerDir, 'work'),
  };
}

function commonParent(paths: string[]): string {
  let parts = (paths[0] ?? '/').split(sep);
  for (const p of paths.slice(1)) {
    const q = p.split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || '/';
}

/** Mounts the overlay; layers are given base first (overlayfs wants the top first). */
export async function mountRootfs(
  runner: CommandRunner,
  layers: string[],
  paths: RootfsPaths,
): Promise<void> {
  if (!layers.length) throw new Error('a root filesystem needs at least one layer');
  // A directory that did not exist cannot be mounted on (and the mount table is long).
  const existed = existsSync(paths.rootfs);
  await Promise.all(
    [paths.rootfs, paths.upper, paths.work].map((d) => mkdir(d, { recursive: true })),
  );
  if (existed && (await isMounted(paths.rootfs))) return;
  const top = [...layers].reverse();
  let lower = top.join(':');
  let cwd: string | undefined;
  if (lower.length + paths.upper.length + paths.work.length > MAX_OPTIONS) {
    // Long layer lists: name the layers relative to their common parent, mounted from there.
    cwd = commonParent(top.map((l) => dirname(l)));
    lower = top.map((l) => relative(cwd as string, l)).join(':');
  }
  const options = `lowerdir=${lower},upperdir=${paths.upper},workdir=${paths.work}`;
  try {
    await runner.exec(
      'mount',
      ['-t', 'overlay', 'overlay', '-o', options, paths.rootfs],
      cwd ? { cwd } : {},
    );
  } catch (err) {
    throw new Error(`mounting the root filesystem at ${paths.rootfs} failed: ${stderrOf(err)}`);
  }
}

export async function unmountRootfs(runner: CommandRunner, paths: RootfsPaths): Promise<void> {
  if (!(await isMounted(paths.rootfs))) return;
  try {
    await runner.exec('umount', [paths.rootfs]);
  } catch {
    // Busy (a process still holds it): detach now, the kernel frees it when released.
    await runner.exec('umount', ['-l', paths.rootfs]);
  }
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export async function isMounted(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && unescapeMountPath(mp) === path) return true;
  }
  return false;
}

export function stderrOf(err: unknown): string {
  const e = err as { stderr?: string | Buffer; message?: string };
  const text = e.stderr ? String(e.stderr).trim() : '';
  return text || e.message || String(err);
}
