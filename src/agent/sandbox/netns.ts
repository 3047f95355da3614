// Named network namespaces kept alive by a bind mount on a file, as `ip netns add` does,
// but in a directory of our choosing (the data dir's netns/), so the namespace outlives
// the agent and a restarted agent finds it by path.

import { mkdir, open, readdir, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner } from '../runner/index.js';
import { run, runIgnoring } from './exec.js';

const NSFS_MAGIC = 0x6e736673;

/** True when `path` is a mounted network namespace (the bind mount is in place). */
export async function isNetnsMounted(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Makes sure a namespace is mounted at `path`. Returns true when it was created now,
 * false when one was already there.
 */
export async function ensureNetns(runner: CommandRunner, path: string): Promise<boolean> {
  if (await isNetnsMounted(path)) return false;
  await mkdir(join(path, '..'), { recursive: true });
  await (await open(path, 'a')).close(); // the mount point
  await run(runner, ['unshare', `--net=${path}`, 'true']);
  if (!(await isNetnsMounted(path))) throw new Error(`network namespace at "${path}" not mounted`);
  return true;
}

/** Unmounts and removes the namespace file; fine when it is half-made or gone. */
export async function removeNetns(runner: CommandRunner, path: string): Promise<void> {
  // A crash between two set-ups can stack mounts; peel them all.
  for (let i = 0; i < 8 && (await isNetnsMounted(path)); i++)
    await runIgnoring(runner, ['umount', '--lazy', path], /not mounted|no mount point/i);
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** The names of the namespace files in `dir` (mounted or left half-made). */
export async function listNetns(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
