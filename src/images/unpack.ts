// Applies one layer tar to an empty directory, in the form overlayfs reads as a lower layer:
// OCI whiteouts become overlay whiteouts (and opaque directories an xattr), applied at the
// end by overlay.ts. Paths that would land outside the directory are refused.

import {
  link,
  lchown,
  lstat,
  lutimes,
  mkdir,
  open,
  readlink,
  rm,
  chmod,
  symlink,
  utimes,
} from 'node:fs/promises';
import { join } from 'node:path';
import { ContentError } from './errors.js';
import type { TarEntry, TarHeader } from './tar.js';

export interface UnpackSummary {
  /** Bytes of file data written. */
  size: number;
  /** Paths (relative to the layer root) this layer deletes from the layers below. */
  whiteouts: string[];
  /** Directories whose contents in the layers below are hidden. */
  opaques: string[];
  /** What was skipped and why (device nodes, xattrs…). */
  notes: string[];
}

export interface UnpackOptions {
  /** chown entries to their uid/gid (needs root). */
  owner: boolean;
}

/** Thrown for entries that try to leave the layer root. */
export class UnsafePathError extends ContentError {
  override name = 'UnsafePathError';
}

const MAX_NOTES = 20;
const MAX_LINK_HOPS = 40;

function cleanPath(name: string, what: string): string[] {
  if (name.startsWith('/'))
    throw new UnsafePathError(
      `refusing ${what} "${name}": absolute paths are not allowed in a layer`,
    );
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (!parts.length)
        throw new UnsafePathError(`refusing ${what} "${name}": the path escapes the layer root`);
      parts.pop();
    } else parts.push(p);
  }
  return parts;
}

async function lstatOrNull(p: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

class LayerWriter {
  readonly summary: UnpackSummary = { size: 0, whiteouts: [], opaques: [], notes: [] };
  private readonly dirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, TarHeader>();
  private noteCount = 0;
  private xattrEntries = 0;
  private readonly root: string;
  private readonly opts: UnpackOptions;

  constructor(root: string, opts: UnpackOptions) {
    this.root = root;
    this.opts = opts;
  }

  private note(s: string): void {
    if (this.noteCount++ < MAX_NOTES) this.summary.notes.push(s);
  }

  /**
   * The real directory (relative to the root) that `parts` names, following symbolic links
   * made earlier in this layer as long as they stay inside it; missing directories are made.
   */
  private async resolveDir(parts: string[], entry: string, create: boolean): Promise<string> {
    const key = parts.join('/');
    if (this.dirs.has(key)) return key;
    const cur: string[] = [];
    const queue = [...parts];
    let hops = 0;
    while (queue.length) {
      const p = queue.shift() as string;
      if (p === '' || p === '.') continue;
      if (p === '..') {
        if (!cur.length)
          throw new UnsafePathError(
            `refusing "${entry}": it is reached through a symbolic link that points outside the layer root`,
          );
        cur.pop();
        continue;
      }
      const rel = [...cur, p].join('/');
      if (this.dirs.has(rel)) {
        cur.push(p);
        continue;
      }
      const abs = join(this.root, rel);
      const st = await lstatOrNull(abs);
      if (!st) {
        if (!create) throw new ContentError(`"${entry}": "${rel}" does not exist in this layer`);
        await mkdir(abs, { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        if (++hops > MAX_LINK_HOPS)
          throw new ContentError(`"${entry}": too many levels of symbolic links`);
        const target = await readlink(abs);
        if (target.startsWith('/'))
          throw new UnsafePathError(
            `refusing "${entry}": it is written through the symbolic link "${rel}" to the absolute path "${target}"`,
          );
        queue.unshift(...target.split('/'));
        continue;
      } else if (!st.isDirectory()) {
        throw new ContentError(`cannot create "${entry}": "${rel}" is not a directory`);
      }
      cur.push(p);
      this.dirs.add(cur.join('/'));
    }
    return cur.join('/');
  }

  /** Clears the way for a new entry at `rel`; keeps an existing directory when one is wanted. */
  private async prepare(rel: string, keepDir: boolean): Promise<boolean> {
    const abs = join(this.root, rel);
    const st = await lstatOrNull(abs);
    if (!st) return false;
    if (keepDir && st.isDirectory()) return true;
    await rm(abs, { recursive: true, force: true });
    if (st.isDirectory()) {
      for (const d of [...this.dirs]) if (d === rel || d.startsWith(rel + '/')) this.dirs.delete(d);
      for (const d of [...this.dirMeta.keys()])
        if (d === rel || d.startsWith(rel + '/')) this.dirMeta.delete(d);
    }
    return false;
  }

  private async own(abs: string, h: TarHeader): Promise<void> {
    if (this.opts.owner) await lchown(abs, h.uid, h.gid);
  }

  async apply(entry: TarEntry): Promise<void> {
    const h = entry.header;
    const parts = cleanPath(h.name, 'entry');
    if (!parts.length) {
      // the root itself ("./"): its metadata is the snapshot's business, not the layer's
      if (h.type === 'directory') return;
      throw new ContentError(`invalid entry "${h.name}": only a directory can name the root`);
    }
    const base = parts[parts.length - 1] as string;
    const parent = await this.resolveDir(parts.slice(0, -1), h.name, true);
    const rel = parent ? `${parent}/${base}` : base;

    if (base.startsWith('.wh.')) {
      if (base === '.wh..wh..opq') {
        if (parent) this.summary.opaques.push(parent);
        else this.note('an opaque marker on the layer root was ignored');
      } else if (!base.startsWith('.wh..wh.')) {
        this.summary.whiteouts.push(parent ? `${parent}/${base.slice(4)}` : base.slice(4));
      }
      return;
    }
    if (Object.keys(h.xattrs).length) this.xattrEntries++;
    const abs = join(this.root, rel);
    switch (h.type) {
      case 'directory': {
        if (!(await this.prepare(rel, true))) await mkdir(abs, { mode: 0o755 });
        this.dirs.add(rel);
        this.dirMeta.set(rel, h);
        return;
      }
      case 'file': {
        await this.prepare(rel, false);
        const fh = await open(abs, 'wx', 0o600);
        try {
          for await (const chunk of entry.body) {
            await fh.write(chunk);
            this.summary.size += chunk.length;
          }
        } finally {
          await fh.close();
        }
        await this.own(abs, h);
        await chmod(abs, h.mode);
        await utimes(abs, h.mtime, h.mtime);
        return;
      }
      case 'symlink': {
        await this.prepare(rel, false);
        await symlink(h.linkname, abs);
        await this.own(abs, h);
        await lutimes(abs, h.mtime, h.mtime);
        return;
      }
      case 'link': {
        const srcParts = cleanPath(h.linkname, `hard link target of "${h.name}"`);
        if (!srcParts.length) throw new ContentError(`hard link "${h.name}" points at the root`);
        const srcParent = await this.resolveDir(srcParts.slice(0, -1), h.name, false);
        const srcRel = [srcParent, srcParts[srcParts.length - 1]].filter(Boolean).join('/');
        const st = await lstatOrNull(join(this.root, srcRel));
        if (!st || st.isDirectory())
          throw new ContentError(
            `hard link "${h.name}" points at "${h.linkname}", which is not a file earlier in this layer`,
          );
        if (srcRel === rel) return;
        await this.prepare(rel, false);
        await link(join(this.root, srcRel), abs);
        return;
      }
      case 'char':
      case 'block':
      case 'fifo':
        this.note(
          h.type === 'fifo'
            ? `skipped FIFO /${rel}`
            : `skipped ${h.type === 'char' ? 'character' : 'block'} device /${rel} (${h.devmajor}:${h.devminor})`,
        );
        return;
      default:
        throw new ContentError(`entry "${h.name}" has an unsupported tar type "${h.flag}"`);
    }
  }

  /** Directory modes, owners and times last: adding entries changes a directory's mtime. */
  async finishDirs(): Promise<void> {
    const dirs = [...this.dirMeta.entries()].sort((a, b) => b[0].length - a[0].length);
    for (const [rel, h] of dirs) {
      const abs = join(this.root, rel);
      await this.own(abs, h);
      await chmod(abs, h.mode);
      await utimes(abs, h.mtime, h.mtime);
    }
  }

  finish(): UnpackSummary {
    if (this.xattrEntries)
      this.summary.notes.push(
        `extended attributes of ${this.xattrEntries} entries were not applied`,
      );
    if (this.noteCount > MAX_NOTES)
      this.summary.notes.push(`and ${this.noteCount - MAX_NOTES} more`);
    // a path deleted and re-created in the same layer is simply the new entry
    this.summary.whiteouts = [...new Set(this.summary.whiteouts)].sort();
    this.summary.opaques = [...new Set(this.summary.opaques)].sort();
    return this.summary;
  }
}

/**
 * Writes the entries of one layer under `root` (an empty directory). `markers` turns the
 * collected whiteouts into what overlayfs reads, before directory metadata is set.
 */
export async function unpackEntries(
  entries: AsyncIterable<TarEntry>,
  root: string,
  opts: UnpackOptions,
  markers: (s: UnpackSummary) => Promise<void>,
): Promise<UnpackSummary> {
  const w = new LayerWriter(root, opts);
  for await (const e of entries) await w.apply(e);
  const summary = w.finish();
  await markers(summary);
  await w.finishDirs();
  return summary;
}
