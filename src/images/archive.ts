// `docker save` archives (manifest.json + layer tars) and OCI image-layout archives
// (oci-layout, index.json, blobs/sha256/…), gzipped or not, one or many images each.
// Everything is read, verified and unpacked in a transaction before anything is committed.

import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ContentError, errorMessage, ImageError } from './errors.js';
import { detectCompression, openDecompressed } from './layer.js';
import {
  isLayerTypeSupported,
  MediaType,
  parseImageConfig,
  parseJson,
  parseManifest,
  selectPlatform,
  type Descriptor,
  type ImageConfigDoc,
  type Platform,
} from './oci.js';
import { formatRef, parseImageRef } from './reference.js';
import type { ContentStore, RefRecord, Transaction } from './store.js';
import { readTar } from './tar.js';

export interface ImportedImage {
  names: string[];
  record: RefRecord;
}

type Members = Map<string, string>;

function memberName(name: string): string {
  if (name.startsWith('/')) throw new ContentError(`archive member "${name}" has an absolute path`);
  const clean = posix.normalize(name).replace(/\/+$/, '');
  if (clean === '..' || clean.startsWith('../'))
    throw new ContentError(`archive member "${name}" escapes the archive`);
  return clean === '.' ? '' : clean;
}

/** Writes the archive's files into `dir` (flat, numbered) and maps member names to them. */
async function extract(file: string, dir: string): Promise<Members> {
  const files: Members = new Map();
  const links: [string, string][] = [];
  let n = 0;
  for await (const e of readTar(await openDecompressed(file))) {
    const h = e.header;
    const name = memberName(h.name);
    if (h.type === 'file') {
      const p = join(dir, `m${n++}`);
      const fh = await open(p, 'wx', 0o600);
      try {
        for await (const chunk of e.body) await fh.write(chunk);
      } finally {
        await fh.close();
      }
      files.set(name, p);
    } else if (h.type === 'symlink' || h.type === 'link') {
      const target =
        h.type === 'symlink' && !h.linkname.startsWith('/')
          ? posix.join(posix.dirname(name), h.linkname)
          : h.linkname;
      let resolved: string;
      try {
        resolved = memberName(target);
      } catch {
        throw new ContentError(
          `archive member "${h.name}" links outside the archive ("${h.linkname}")`,
        );
      }
      links.push([name, resolved]);
    }
  }
  for (let pass = 0; pass < 8 && links.length; pass++)
    for (const [name, target] of links) {
      const p = files.get(target);
      if (p) files.set(name, p);
    }
  return files;
}

function member(files: Members, name: string, what: string): string {
  const p = files.get(memberName(name));
  if (!p) throw new ContentError(`${what} "${name}" is missing from the archive`);
  return p;
}

function blobMember(files: Members, d: Descriptor, what: string): string {
  const p = files.get(`blobs/sha256/${d.digest.slice('sha256:'.length)}`);
  if (!p) throw new ContentError(`${what} ${d.digest} is missing from the archive`);
  return p;
}

function imageName(s: string): string {
  try {
    return formatRef(parseImageRef(s));
  } catch (e) {
    throw new ContentError(`invalid image name "${s}" in the archive: ${errorMessage(e)}`);
  }
}

async function addLayers(
  txn: Transaction,
  config: ImageConfigDoc,
  layers: { digest: string; mediaType: string }[],
): Promise<void> {
  if (layers.length !== config.diffIds.length)
    throw new ContentError(
      `the manifest lists ${layers.length} layers but the image config has ${config.diffIds.length} diff IDs`,
    );
  for (const [i, l] of layers.entries()) {
    if (!isLayerTypeSupported(l.mediaType))
      throw new ContentError(`layer ${l.digest} has an unsupported media type "${l.mediaType}"`);
    try {
      await txn.ensureLayer(config.diffIds[i] as string, l.digest);
    } catch (e) {
      throw new ContentError(`layer ${l.digest}: ${errorMessage(e)}`, { cause: e });
    }
  }
}

async function importOci(
  txn: Transaction,
  files: Members,
  platform: Platform,
): Promise<ImportedImage[]> {
  const layout = parseJson(await readMember(files, 'oci-layout'), 'oci-layout');
  if (typeof layout['imageLayoutVersion'] !== 'string')
    throw new ContentError('oci-layout has no imageLayoutVersion');
  const index = parseManifest(await readMember(files, 'index.json'));
  if (index.kind !== 'index') throw new ContentError('index.json is not an image index');
  const out: ImportedImage[] = [];
  for (const top of index.manifests) {
    const topDigest = await txn.adopt(
      `manifest ${top.digest}`,
      blobMember(files, top, 'manifest'),
      top,
    );
    let doc = parseManifest(await txn.readBlob(topDigest), top.mediaType);
    let manifestDigest = topDigest;
    if (doc.kind === 'index') {
      const pick = selectPlatform(doc, platform);
      manifestDigest = await txn.adopt(
        `manifest ${pick.digest}`,
        blobMember(files, pick, 'manifest'),
        pick,
      );
      doc = parseManifest(await txn.readBlob(manifestDigest), pick.mediaType);
      if (doc.kind !== 'manifest')
        throw new ContentError(`${pick.digest} is not an image manifest`);
    }
    const configDigest = await txn.adopt(
      `config ${doc.config.digest}`,
      blobMember(files, doc.config, 'image config'),
      doc.config,
    );
    const config = parseImageConfig(await txn.readBlob(configDigest));
    for (const l of doc.layers)
      await txn.adopt(`layer ${l.digest}`, blobMember(files, l, 'layer'), l);
    await addLayers(txn, config, doc.layers);
    const a = top.annotations ?? {};
    const named = a['io.containerd.image.name'] ?? a['org.opencontainers.image.ref.name'];
    // a bare ref.name is only a tag, with no repository to attach it to
    const names = named && /[/:@]/.test(named) ? [imageName(named)] : [];
    out.push({
      names,
      record: { manifest: manifestDigest, config: configDigest, target: topDigest },
    });
  }
  return out;
}

async function readMember(files: Members, name: string): Promise<Buffer> {
  return readFile(member(files, name, 'file'));
}

const HEX_NAME = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/;

async function importDocker(txn: Transaction, files: Members): Promise<ImportedImage[]> {
  let entries: unknown;
  try {
    entries = JSON.parse((await readMember(files, 'manifest.json')).toString());
  } catch (e) {
    throw new ContentError(`manifest.json is not valid JSON: ${errorMessage(e)}`);
  }
  if (!Array.isArray(entries)) throw new ContentError('manifest.json is not a list of images');
  const out: ImportedImage[] = [];
  for (const [i, raw] of entries.entries()) {
    const e = raw as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.Config !== 'string' ||
      !Array.isArray(e.Layers)
    )
      throw new ContentError(`manifest.json entry ${i} needs Config and Layers`);
    const nameHex = HEX_NAME.exec(e.Config)?.[1];
    const configDigest = await txn.adopt(
      `config "${e.Config}"`,
      member(files, e.Config, 'image config'),
      nameHex ? { digest: `sha256:${nameHex}` } : {},
    );
    const configBuf = await txn.readBlob(configDigest);
    const config = parseImageConfig(configBuf);
    const layers: Descriptor[] = [];
    for (const l of e.Layers) {
      if (typeof l !== 'string') throw new ContentError(`manifest.json entry ${i} has a bad layer`);
      const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(l)?.[1];
      const digest = await txn.adopt(
        `layer "${l}"`,
        member(files, l, 'layer'),
        hex ? { digest: `sha256:${hex}` } : {},
      );
      const path = (await txn.blobPath(digest)) as string;
      const gz = (await detectCompression(path)) === 'gzip';
      layers.push({
        mediaType: gz ? MediaType.ociLayerGzip : MediaType.ociLayer,
        digest,
        size: (await stat(path)).size,
      });
    }
    await addLayers(txn, config, layers);
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBuf.length },
      layers,
    };
    const manifestDigest = await txn.putBuffer('manifest', Buffer.from(JSON.stringify(manifest)));
    const tags = Array.isArray(e.RepoTags) ? e.RepoTags.map(String) : [];
    out.push({
      names: tags.map(imageName),
      record: { manifest: manifestDigest, config: configDigest },
    });
  }
  return out;
}

/** Imports every image of an archive, or nothing. */
export async function importArchive(
  store: ContentStore,
  file: string,
  platform: Platform,
): Promise<ImportedImage[]> {
  const txn = await store.begin();
  try {
    try {
      await stat(file);
    } catch (e) {
      throw new ImageError(
        'InvalidArchive',
        `cannot import "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(e)}`,
      );
    }
    const dir = join(txn.dir, 'archive');
    await mkdir(dir);
    const files = await extract(file, dir);
    let images: ImportedImage[];
    if (files.has('oci-layout') && files.has('index.json'))
      images = await importOci(txn, files, platform);
    else if (files.has('manifest.json')) images = await importDocker(txn, files);
    else
      throw new ContentError(
        'not an image archive: it has neither manifest.json (docker save) nor oci-layout and index.json (OCI image layout)',
      );
    if (!images.length) throw new ContentError('the archive holds no images');
    const refs: Record<string, RefRecord> = {};
    for (const img of images) {
      if (!img.names.length) refs[img.record.config] = img.record;
      for (const n of img.names) refs[n] = img.record;
    }
    await txn.commit(refs);
    return images;
  } catch (e) {
    await txn.abort();
    if (e instanceof ImageError) throw e;
    const err = e as NodeJS.ErrnoException;
    const detail =
      typeof err.code === 'string' && err.code.startsWith('Z_')
        ? `corrupt gzip data (${err.message})`
        : errorMessage(e);
    throw new ImageError('InvalidArchive', `cannot import "${file}": ${detail}`, { cause: e });
  }
}
