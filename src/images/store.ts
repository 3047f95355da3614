// The content-addressed store under <data dir>/images:
//
//   blobs/sha256/<hex>           manifests, configs and layer blobs, verified before they land
//   layers/sha256/<diff id>/fs   one unpacked layer (an overlay lower directory), meta.json beside it
//   index.json                   references → { manifest, config, target } (written atomically)
//   tmp/<pid>-<random>/          one transaction's staging area
//
// Nothing reaches blobs/, layers/ or index.json except through Transaction.commit, under the
// store lock, so a failed or interrupted import or pull leaves the store as it was.

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex, Hasher } from './digest.js';
import { ContentError } from './errors.js';
import { unpackLayer, verifyDiffId, type LayerMeta } from './layer.js';
import { withLock } from './lock.js';
import { parseImageConfig, parseManifest, type ImageConfigDoc, type ManifestDoc } from './oci.js';

export interface RefRecord {
  /** The platform manifest. */
  manifest: string;
  /** The image config: the image ID. */
  config: string;
  /** What the reference resolved to at the registry (an index or the manifest). */
  target?: string;
}

export interface IndexFile {
  version: 1;
  /** Full references (`docker.io/library/nginx:latest`, `…@sha256:…`) or, untagged, the image ID. */
  refs: Record<string, RefRecord>;
}

export interface GcResult {
  blobs: number;
  layers: number;
  bytes: number;
}

const JSON_CACHE_MAX = 4 << 20;

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** rm -rf that also gets through directories a layer left without write permission. */
export async function removeTree(p: string): Promise<void> {
  try {
    await rm(p, { recursive: true, force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EACCES') throw e;
    const walk = async (d: string): Promise<void> => {
      await chmod(d, 0o700).catch(() => {});
      for (const e of await readdir(d, { withFileTypes: true }).catch(() => []))
        if (e.isDirectory()) await walk(join(d, e.name));
    };
    await walk(p);
    await rm(p, { recursive: true, force: true });
  }
}

async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

export class ContentStore {
  readonly dir: string;
  private readonly jsonCache = new Map<string, Buffer>();
  private readonly active = new Set<string>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    for (const d of ['blobs/sha256', 'layers/sha256', 'tmp'])
      await mkdir(join(this.dir, d), { recursive: true, mode: 0o700 });
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digestHex(digest));
  }

  layerDir(diffId: string): string {
    return join(this.dir, 'layers', 'sha256', digestHex(diffId));
  }

  hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  hasLayer(diffId: string): Promise<boolean> {
    return exists(join(this.layerDir(diffId), 'meta.json'));
  }

  async layerMeta(diffId: string): Promise<LayerMeta> {
    return JSON.parse(
      await readFile(join(this.layerDir(diffId), 'meta.json'), 'utf8'),
    ) as LayerMeta;
  }

  async writeLayerMeta(meta: LayerMeta): Promise<void> {
    await writeAtomic(join(this.layerDir(meta.diffId), 'meta.json'), JSON.stringify(meta));
  }

  /** A stored blob; small ones are cached (content never changes under a digest). */
  async readBlob(digest: string): Promise<Buffer> {
    const hit = this.jsonCache.get(digest);
    if (hit) return hit;
    const buf = await readFile(this.blobPath(digest));
    if (buf.length <= JSON_CACHE_MAX) this.jsonCache.set(digest, buf);
    return buf;
  }

  async manifest(digest: string): Promise<ManifestDoc> {
    const doc = parseManifest(await this.readBlob(digest));
    if (doc.kind !== 'manifest') throw new ContentError(`${digest} is not an image manifest`);
    return doc;
  }

  async config(digest: string): Promise<ImageConfigDoc> {
    return parseImageConfig(await this.readBlob(digest));
  }

  async readIndex(): Promise<IndexFile> {
    try {
      const o = JSON.parse(await readFile(join(this.dir, 'index.json'), 'utf8')) as IndexFile;
      if (o.version !== 1 || typeof o.refs !== 'object')
        throw new Error(`unknown index format in ${join(this.dir, 'index.json')}`);
      return o;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, refs: {} };
      throw e;
    }
  }

  private writeIndex(index: IndexFile): Promise<void> {
    return writeAtomic(join(this.dir, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  }

  /** Changes the index under the store lock. */
  async update<T>(fn: (index: IndexFile) => Promise<T> | T): Promise<T> {
    await this.init();
    return withLock(join(this.dir, 'index.lock'), async () => {
      const index = await this.readIndex();
      const out = await fn(index);
      await this.writeIndex(index);
      return out;
    });
  }

  async begin(): Promise<Transaction> {
    await this.init();
    const id = `${process.pid}-${randomBytes(6).toString('hex')}`;
    const dir = join(this.dir, 'tmp', id);
    await mkdir(join(dir, 'blobs'), { recursive: true });
    await mkdir(join(dir, 'layers'), { recursive: true });
    this.active.add(id);
    return new Transaction(this, dir, () => this.active.delete(id));
  }

  /** Removes blobs and layers no reference needs, and staging areas of dead processes. */
  async gc(): Promise<GcResult> {
    await this.init();
    return withLock(join(this.dir, 'index.lock'), async () => {
      const index = await this.readIndex();
      const blobs = new Set<string>();
      const layers = new Set<string>();
      for (const r of Object.values(index.refs)) {
        blobs.add(r.manifest).add(r.config);
        if (r.target) blobs.add(r.target);
        try {
          const m = await this.manifest(r.manifest);
          for (const l of m.layers) blobs.add(l.digest);
          for (const d of (await this.config(r.config)).diffIds) layers.add(d);
        } catch {
          // content already missing: nothing more of it to keep
        }
      }
      const result: GcResult = { blobs: 0, layers: 0, bytes: 0 };
      const blobDir = join(this.dir, 'blobs', 'sha256');
      for (const hex of await readdir(blobDir)) {
        if (blobs.has(`sha256:${hex}`)) continue;
        const p = join(blobDir, hex);
        result.bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
        await rm(p, { force: true });
        this.jsonCache.delete(`sha256:${hex}`);
        result.blobs++;
      }
      const layerDir = join(this.dir, 'layers', 'sha256');
      for (const hex of await readdir(layerDir)) {
        if (layers.has(`sha256:${hex}`)) continue;
        const meta = await this.layerMeta(`sha256:${hex}`).catch(() => undefined);
        result.bytes += meta?.size ?? 0;
        await removeTree(join(layerDir, hex));
        result.layers++;
      }
      for (const t of await readdir(join(this.dir, 'tmp'))) {
        const pid = Number(t.split('-')[0]);
        if (this.active.has(t)) continue;
        if (pid && pid !== process.pid && processAlive(pid)) continue;
        await removeTree(join(this.dir, 'tmp', t));
      }
      return result;
    });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Expected {
  digest?: string | undefined;
  size?: number;
}

function checkExpected(what: string, got: { digest: string; size: number }, want: Expected): void {
  if (want.digest && got.digest !== want.digest)
    throw new ContentError(`${what}: digest mismatch: expected ${want.digest}, got ${got.digest}`);
  if (want.size !== undefined && got.size !== want.size)
    throw new ContentError(`${what}: size mismatch: expected ${want.size} bytes, got ${got.size}`);
}

/** Content staged for one import or pull; nothing is visible until commit. */
export class Transaction {
  readonly dir: string;
  private readonly store: ContentStore;
  private readonly done: () => void;
  private readonly blobs = new Map<string, string>();
  private readonly adopted = new Map<string, string>();
  private readonly layers = new Map<string, Promise<void>>();
  private readonly layerBlobs = new Map<string, string>();
  private seq = 0;

  constructor(store: ContentStore, dir: string, done: () => void) {
    this.store = store;
    this.dir = dir;
    this.done = done;
  }

  /** Where a blob can be read: staged here or already in the store. */
  async blobPath(digest: string): Promise<string | undefined> {
    const staged = this.blobs.get(digest);
    if (staged) return staged;
    return (await this.store.hasBlob(digest)) ? this.store.blobPath(digest) : undefined;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await this.blobPath(digest)) !== undefined;
  }

  async readBlob(digest: string): Promise<Buffer> {
    const staged = this.blobs.get(digest);
    return staged ? readFile(staged) : this.store.readBlob(digest);
  }

  private stagedPath(digest: string): string {
    return join(this.dir, 'blobs', digestHex(digest));
  }

  async putBuffer(what: string, buf: Buffer, want: Expected = {}): Promise<string> {
    const h = new Hasher();
    h.update(buf);
    const got = { digest: h.digest(), size: buf.length };
    checkExpected(what, got, want);
    if (!(await this.hasBlob(got.digest))) {
      const p = this.stagedPath(got.digest);
      await writeFile(p, buf);
      this.blobs.set(got.digest, p);
    }
    return got.digest;
  }

  /** Streams a blob to a staging file, checking its digest and size on the way. */
  async putStream(
    what: string,
    source: AsyncIterable<Buffer>,
    want: Expected & { digest: string },
    onBytes?: (n: number) => void,
  ): Promise<string> {
    const tmp = join(this.dir, `part-${this.seq++}`);
    const h = new Hasher();
    const fh = await open(tmp, 'w', 0o600);
    try {
      for await (const chunk of source) {
        h.update(chunk);
        if (want.size !== undefined && h.bytes > want.size)
          throw new ContentError(`${what}: more data than the ${want.size} bytes announced`);
        await fh.write(chunk);
        onBytes?.(h.bytes);
      }
    } finally {
      await fh.close();
    }
    try {
      checkExpected(what, { digest: h.digest(), size: h.bytes }, want);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const p = this.stagedPath(want.digest);
    await rename(tmp, p);
    this.blobs.set(want.digest, p);
    return want.digest;
  }

  /** Takes a file already inside the staging area (from an archive) as a blob. */
  async adopt(what: string, file: string, want: Expected = {}): Promise<string> {
    const known = this.adopted.get(file);
    if (known) {
      checkExpected(what, { digest: known, size: want.size ?? 0 }, { digest: want.digest });
      return known;
    }
    const h = new Hasher();
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) h.update(chunk);
    const got = { digest: h.digest(), size: h.bytes };
    checkExpected(what, got, want);
    this.adopted.set(file, got.digest);
    if (!this.blobs.has(got.digest) && !(await this.store.hasBlob(got.digest))) {
      const p = this.stagedPath(got.digest);
      await rename(file, p);
      this.blobs.set(got.digest, p);
      this.adopted.set(p, got.digest);
    }
    return got.digest;
  }

  /**
   * Unpacks a layer blob unless that layer is already in the store or staged; then the blob
   * is still checked against the diff ID, so it cannot be stored as that layer's blob.
   */
  async ensureLayer(diffId: string, blob: string): Promise<void> {
    let p = this.layers.get(diffId);
    if (!p) {
      p = (async () => {
        const path = await this.blobPath(blob);
        if (!path) throw new ContentError(`layer blob ${blob} is missing`);
        if (await this.store.hasLayer(diffId)) return verifyDiffId(path, diffId);
        await unpackLayer(path, join(this.dir, 'layers', digestHex(diffId)), diffId);
      })();
      this.layers.set(diffId, p);
      this.layerBlobs.set(diffId, blob);
      return p;
    }
    await p;
    if (this.layerBlobs.get(diffId) !== blob) {
      const path = await this.blobPath(blob);
      if (!path) throw new ContentError(`layer blob ${blob} is missing`);
      await verifyDiffId(path, diffId);
    }
  }

  async layerUnpacked(diffId: string): Promise<boolean> {
    const p = this.layers.get(diffId);
    if (p) {
      await p;
      return true;
    }
    return this.store.hasLayer(diffId);
  }

  /**
   * Moves staged content into the store and points `refs` at it, all under the store lock.
   * A reference moved off an image that then has no reference left keeps it as untagged.
   */
  async commit(refs: Record<string, RefRecord>): Promise<void> {
    try {
      await Promise.all(this.layers.values());
      await this.store.update(async (index) => {
        for (const [digest, p] of this.blobs) {
          if (!(await this.store.hasBlob(digest))) await rename(p, this.store.blobPath(digest));
        }
        for (const diffId of this.layers.keys()) {
          const staged = join(this.dir, 'layers', digestHex(diffId));
          if ((await exists(staged)) && !(await this.store.hasLayer(diffId))) {
            await removeTree(this.store.layerDir(diffId));
            await rename(staged, this.store.layerDir(diffId));
          }
        }
        for (const r of Object.values(refs)) await this.checkComplete(r);
        for (const [name, rec] of Object.entries(refs)) {
          if (name === rec.config) {
            // untagged: only worth a record when no name points at the image
            if (!Object.entries(index.refs).some(([n, x]) => n !== name && x.config === rec.config))
              index.refs[name] = rec;
            continue;
          }
          const old = index.refs[name];
          index.refs[name] = rec;
          delete index.refs[rec.config];
          if (
            old &&
            old.config !== rec.config &&
            !Object.values(index.refs).some((x) => x.config === old.config)
          )
            index.refs[old.config] = old;
        }
      });
    } finally {
      await this.abort();
    }
  }

  private async checkComplete(r: RefRecord): Promise<void> {
    const missing = (what: string): never => {
      throw new ContentError(
        `${what} was removed from the store while the image was being stored; try again`,
      );
    };
    for (const d of [r.manifest, r.config, ...(r.target ? [r.target] : [])])
      if (!(await this.store.hasBlob(d))) missing(`blob ${d}`);
    for (const d of (await this.store.config(r.config)).diffIds)
      if (!(await this.store.hasLayer(d))) missing(`layer ${d}`);
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.layers.values());
    await removeTree(this.dir);
    this.done();
  }
}
