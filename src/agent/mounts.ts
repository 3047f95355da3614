// Mounts under a directory of the agent's: found in the mount table, and detached deepest
// first before the directory is removed (removing a mount point fails with EBUSY, and a
// recursive removal must never walk into what is mounted there).

import { readFileSync } from 'node:fs';
import type { CommandRunner } from './runner/index.js';

const unescape = (p: string): string =>
  p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or below dir, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[1] ?? ''))
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or below dir; the first failure is thrown after trying all. */
export async function unmountUnder(dir: string, runner: CommandRunner): Promise<void> {
  let first: unknown;
  for (const m of mountsUnder(dir))
    await runner.exec('umount', ['-l', m]).catch((e: unknown) => (first ??= e));
  if (first !== undefined) throw first;
}
