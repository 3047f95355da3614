// Unpacks a layer blob (tar, gzip-compressed or not) into a layer directory: `fs/` (the
// overlay lower directory) and `meta.json`, checking the uncompressed digest (the diff ID).

import { createReadStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Hasher } from './digest.js';
import { ContentError } from './errors.js';
import { applyOverlayMarkers } from './overlay.js';
import { readTar } from './tar.js';
import { unpackEntries, type UnpackSummary } from './unpack.js';

export interface LayerMeta extends UnpackSummary {
  diffId: string;
  /** Whether overlay whiteouts exist on disk ('pending' when unpacked without root). */
  markers: 'applied' | 'pending';
}

export type Compression = 'gzip' | 'none';

export async function detectCompression(file: string): Promise<Compression> {
  const fh = await open(file, 'r');
  const head = Buffer.alloc(6);
  try {
    await fh.read(head, 0, 6, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528)
    throw new ContentError(
      'zstd-compressed layers are not supported (use gzip or uncompressed tar)',
    );
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    throw new ContentError('xz-compressed layers are not supported (use gzip or uncompressed tar)');
  if (head.subarray(0, 3).toString('latin1') === 'BZh')
    throw new ContentError(
      'bzip2-compressed layers are not supported (use gzip or uncompressed tar)',
    );
  return 'none';
}

/** The uncompressed bytes of a possibly gzipped file. */
export async function openDecompressed(
  file: string,
): Promise<NodeJS.ReadableStream & AsyncIterable<Buffer>> {
  const compression = await detectCompression(file);
  const raw = createReadStream(file);
  if (compression === 'none') return raw;
  const gunzip = createGunzip();
  pipeline(raw, gunzip, () => {});
  return gunzip;
}

/** Hashes every chunk that passes, and does not let the tar reader close the source early. */
function tap(
  source: AsyncIterable<Buffer>,
  h: Hasher,
): { reader: AsyncIterable<Buffer>; drain(): Promise<void>; close(): Promise<void> } {
  const it = source[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<Buffer>> => {
    const r = await it.next();
    if (!r.done) h.update(r.value);
    return r;
  };
  return {
    reader: { [Symbol.asyncIterator]: () => ({ next }) },
    async drain() {
      while (!(await next()).done);
    },
    async close() {
      await it.return?.();
    },
  };
}

/** Checks that a blob uncompresses to the content `diffId` names, without unpacking it. */
export async function verifyDiffId(blob: string, diffId: string): Promise<void> {
  const h = new Hasher();
  try {
    for await (const chunk of await openDecompressed(blob)) h.update(chunk as Buffer);
  } catch (e) {
    throw wrapGzip(e);
  }
  const got = h.digest();
  if (got !== diffId)
    throw new ContentError(
      `layer content does not match its diff ID: expected ${diffId}, got ${got}`,
    );
}

function wrapGzip(e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && err.code.startsWith('Z_'))
    return new ContentError(`corrupt gzip data: ${err.message}`);
  return e;
}

/**
 * Unpacks `blob` into `dir` (made here) and checks its diff ID. Overlay whiteouts are made
 * when running as root; otherwise they are recorded as pending in meta.json.
 */
export async function unpackLayer(blob: string, dir: string, diffId: string): Promise<LayerMeta> {
  const root = join(dir, 'fs');
  await mkdir(root, { recursive: true, mode: 0o755 });
  const owner = process.getuid?.() === 0;
  const hasher = new Hasher();
  const t = tap(await openDecompressed(blob), hasher);
  let summary: UnpackSummary;
  let markers: LayerMeta['markers'] = 'applied';
  try {
    summary = await unpackEntries(readTar(t.reader), root, { owner }, async (s) => {
      if (!s.whiteouts.length && !s.opaques.length) return;
      if (owner) await applyOverlayMarkers(root, s);
      else markers = 'pending';
    });
    await t.drain();
  } catch (e) {
    throw wrapGzip(e);
  } finally {
    await t.close();
  }
  const got = hasher.digest();
  if (got !== diffId)
    throw new ContentError(
      `layer content does not match its diff ID: expected ${diffId}, got ${got}`,
    );
  const meta: LayerMeta = { diffId, markers, ...summary };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  return meta;
}
