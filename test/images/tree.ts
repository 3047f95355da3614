// The contents of one layer while it is assembled: a map from path to entry, with parent
// directories created on demand, serialised in a canonical order.

import type { TarEntry } from './tar.js';

/** Normalises `/usr/bin/` or `./usr//bin` to `usr/bin`; refuses `..` and empty paths. */
export function cleanPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new Error(`Path ${JSON.stringify(path)} names the root`);
  if (parts.includes('..')) throw new Error(`Path ${JSON.stringify(path)} leaves the root`);
  return parts.join('/');
}

/** Component-wise order, so a directory's contents follow it directly. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export class FileTree {
  readonly #entries = new Map<string, TarEntry>();

  has(path: string): boolean {
    return this.#entries.has(cleanPath(path));
  }

  get(path: string): TarEntry | undefined {
    return this.#entries.get(cleanPath(path));
  }

  /** Adds a directory (and its parents); an existing directory keeps its entry unless mode is given. */
  dir(path: string, mode?: number): void {
    const p = cleanPath(path);
    this.#parents(p);
    const existing = this.#entries.get(p);
    if (existing?.type === 'dir' && mode === undefined) return;
    this.#entries.set(p, { path: p, type: 'dir', mode: mode ?? 0o755 });
  }

  file(path: string, data: Buffer, mode = 0o644): void {
    const p = cleanPath(path);
    this.#parents(p);
    this.#entries.set(p, { path: p, type: 'file', mode, data });
  }

  symlink(path: string, target: string): void {
    const p = cleanPath(path);
    this.#parents(p);
    this.#entries.set(p, { path: p, type: 'symlink', mode: 0o777, linkname: target });
  }

  /** Entries in canonical order, every one owned by root with the given mtime. */
  entries(mtime = 0): TarEntry[] {
    return [...this.#entries.values()]
      .sort((a, b) => comparePaths(a.path, b.path))
      .map((e) => ({ ...e, uid: 0, gid: 0, mtime }));
  }

  #parents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const existing = this.#entries.get(dir);
      if (existing && existing.type !== 'dir') {
        throw new Error(`Cannot add ${path}: ${dir} is a ${existing.type}, not a directory`);
      }
      if (!existing) this.#entries.set(dir, { path: dir, type: 'dir', mode: 0o755 });
    }
  }
}
