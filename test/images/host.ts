// Files taken from this machine: a binary plus the shared libraries ldd says it loads,
// each placed at the path the dynamic loader will look for it.

import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { run } from './exec.js';

export interface HostFile {
  /** Where the file goes in the image (absolute). */
  path: string;
  /** The file on this machine, symlinks resolved. */
  source: string;
  mode: number;
}

/** Parses `ldd` output into the absolute paths of the objects it loads (vdso excluded). */
export function parseLdd(output: string, binary: string): string[] {
  const libs: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('linux-vdso') || line.startsWith('linux-gate')) continue;
    if (line.includes('statically linked')) continue;
    const arrow = /^(\S+)\s+=>\s+(\S+)/.exec(line);
    if (arrow) {
      if (arrow[2] === 'not') throw new Error(`${binary} needs ${arrow[1]}, which ldd cannot find`);
      if (arrow[2] && isAbsolute(arrow[2])) libs.push(arrow[2]);
      continue;
    }
    const direct = /^(\/\S+)\s+\(/.exec(line);
    if (direct?.[1]) libs.push(direct[1]);
  }
  return libs;
}

/** The binary and, if libraries is set, everything it loads; sorted, without duplicates. */
export async function hostFiles(path: string, libraries: boolean): Promise<HostFile[]> {
  if (!existsSync(path)) {
    throw new Error(`${path} is not on this machine; the test images need it (install it first)`);
  }
  const paths = [path];
  if (libraries) {
    let out = '';
    try {
      out = (await run('ldd', [path])).stdout;
    } catch (err) {
      // ldd exits non-zero for static binaries ("not a dynamic executable").
      if (!/not a dynamic executable/.test(String(err))) throw err;
    }
    paths.push(...parseLdd(out, path));
  }
  const seen = new Map<string, HostFile>();
  for (const p of paths) {
    const source = realpathSync(p);
    seen.set(p, { path: p, source, mode: statSync(source).mode & 0o7777 });
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
