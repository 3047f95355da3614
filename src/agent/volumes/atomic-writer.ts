// Writes a set of files into a volume directory so that readers see either the old set or
// the new set, never a mix, as the kubelet's AtomicWriter does: the files live in a
// timestamped directory, `..data` is a symlink to it (swapped with a rename), and each
// visible path is a symlink through `..data`.

import {
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  readdirSync,
  lstatSync,
  existsSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export interface Payload {
  /** Relative path inside the volume (may contain directories). */
  path: string;
  data: Buffer;
  mode: number;
}

const DATA = '..data';

function currentTarget(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, DATA));
  } catch {
    return undefined;
  }
}

/** Writes the payload; returns true when something changed. */
export function writeAtomically(dir: string, files: Payload[]): boolean {
  mkdirSync(dir, { recursive: true });
  const old = currentTarget(dir);
  if (old && sameContent(join(dir, old), files)) return false;
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const next = join(dir, stamp);
  mkdirSync(next, { recursive: true });
  for (const f of files) {
    const p = join(next, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.data);
    chmodSync(p, f.mode);
  }
  // Swap ..data in one rename.
  const tmpLink = join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, join(dir, DATA));
  // Visible entries: top-level names of the payload, each a symlink through ..data.
  const tops = new Set(files.map((f) => f.path.split('/')[0] as string));
  for (const t of tops) {
    const link = join(dir, t);
    if (!existsSync(link) || !lstatSync(link).isSymbolicLink()) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(join(DATA, t), link);
    }
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..')) continue;
    if (!tops.has(e)) rmSync(join(dir, e), { force: true, recursive: true });
  }
  if (old && old !== stamp) rmSync(join(dir, old), { recursive: true, force: true });
  return true;
}

function sameContent(dir: string, files: Payload[]): boolean {
  try {
    const want = new Map(files.map((f) => [f.path, f]));
    const have: string[] = [];
    const walk = (d: string, prefix: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) walk(join(d, e.name), rel);
        else have.push(rel);
      }
    };
    walk(dir, '');
    if (have.length !== want.size) return false;
    for (const rel of have) {
      const f = want.get(rel);
      if (!f) return false;
      const st = lstatSync(join(dir, rel));
      if ((st.mode & 0o777) !== f.mode) return false;
      if (!f.data.equals(readFileSync(join(dir, rel)))) return false;
    }
    return true;
  } catch {
    return false;
  }
}
