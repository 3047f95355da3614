// Turning layer recipes into layer blobs: inputs are resolved first (debs downloaded,
// host files hashed) so the cache key can name them, then each layer's tree is filled
// from its sources and written as a deterministic tar, gzipped.

import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fetchDeb, type DebPackage } from './deb.js';
import { run, sha256, sha256File } from './exec.js';
import { hostFiles, type HostFile } from './host.js';
import type { LayerRecipe, Source } from './recipe.js';
import { writeTar } from './tar.js';
import { cleanPath, FileTree } from './tree.js';

export const FILES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'files');

/** Everything outside the recipes that a build reads, with what identifies it. */
export interface Inputs {
  debs: Map<string, DebPackage>;
  host: Map<string, Array<HostFile & { sha256: string }>>;
  files: Map<string, Buffer>;
}

/** What the cache key must cover for these inputs. */
export function fingerprint(inputs: Inputs): unknown {
  return {
    debs: [...inputs.debs.values()].map((d) => [d.package, d.version, d.architecture, d.sha256]),
    host: [...inputs.host.entries()].map(([k, files]) => [
      k,
      files.map((f) => [f.path, f.mode, f.sha256]),
    ]),
    files: [...inputs.files.entries()].map(([k, data]) => [k, sha256(data)]),
  };
}

export async function resolveInputs(
  layers: readonly LayerRecipe[],
  cacheRoot: string,
): Promise<Inputs> {
  const inputs: Inputs = { debs: new Map(), host: new Map(), files: new Map() };
  for (const layer of layers) {
    for (const s of layer.sources) {
      if (s.from === 'deb' && !inputs.debs.has(s.package)) {
        inputs.debs.set(s.package, await fetchDeb(s.package, cacheRoot));
      } else if (s.from === 'host') {
        const key = `${s.path}${s.libraries ? '+libs' : ''}`;
        if (inputs.host.has(key)) continue;
        const files = await hostFiles(s.path, s.libraries ?? false);
        const hashed = [];
        for (const f of files) hashed.push({ ...f, sha256: await sha256File(f.source) });
        inputs.host.set(key, hashed);
      } else if (s.from === 'file' && !inputs.files.has(s.file)) {
        inputs.files.set(s.file, readFileSync(join(FILES_DIR, s.file)));
      }
    }
  }
  return inputs;
}

function copyFromDisk(tree: FileTree, diskPath: string, imagePath: string): void {
  const st = lstatSync(diskPath);
  const mode = st.mode & 0o7777;
  if (st.isSymbolicLink()) tree.symlink(imagePath, readlinkSync(diskPath));
  else if (st.isDirectory()) {
    tree.dir(imagePath, mode);
    for (const name of readdirSync(diskPath).sort()) {
      copyFromDisk(tree, join(diskPath, name), posix.join(imagePath, name));
    }
  } else if (st.isFile()) tree.file(imagePath, readFileSync(diskPath), mode);
  else throw new Error(`${diskPath}: only files, directories and symlinks go into test images`);
}

/** Asks the busybox binary for its applets ("bin/sh", "usr/bin/wget", …). */
async function appletPaths(binary: Buffer): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-busybox-'));
  try {
    const exe = join(dir, 'busybox');
    writeFileSync(exe, binary);
    chmodSync(exe, 0o755);
    const { stdout } = await run(exe, ['--list-full']);
    return stdout.split('\n').filter((l) => l.trim() !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function apply(tree: FileTree, s: Source, inputs: Inputs): Promise<void> {
  switch (s.from) {
    case 'deb': {
      const deb = inputs.debs.get(s.package);
      if (!deb) throw new Error(`Debian package ${s.package} was not resolved`);
      for (const p of s.paths) copyFromDisk(tree, join(deb.root, cleanPath(p)), p);
      return;
    }
    case 'busybox-applets': {
      const bin = tree.get(s.binary);
      if (bin?.type !== 'file' || !bin.data) throw new Error(`${s.binary} is not in the layer`);
      const binPath = cleanPath(s.binary);
      for (const applet of await appletPaths(bin.data)) {
        const p = cleanPath(applet);
        if (p === binPath || tree.has(p)) continue;
        tree.symlink(p, posix.relative(posix.dirname(p), binPath));
      }
      return;
    }
    case 'host': {
      const files = inputs.host.get(`${s.path}${s.libraries ? '+libs' : ''}`);
      if (!files) throw new Error(`${s.path} was not resolved`);
      for (const f of files) tree.file(f.path, readFileSync(f.source), f.mode);
      return;
    }
    case 'file': {
      const data = inputs.files.get(s.file);
      if (!data) throw new Error(`files/${s.file} was not resolved`);
      tree.file(s.path, data, s.mode ?? 0o644);
      return;
    }
    case 'text':
      tree.file(s.path, Buffer.from(s.text, 'utf8'), s.mode ?? 0o644);
      return;
    case 'dir':
      tree.dir(s.path, s.mode ?? 0o755);
      return;
    case 'symlink':
      tree.symlink(s.path, s.target);
      return;
  }
}

export interface LayerBlob {
  /** The gzipped tar. */
  blob: Buffer;
  /** sha256 of the gzipped tar, `sha256:…`. */
  digest: string;
  /** sha256 of the uncompressed tar, `sha256:…`. */
  diffId: string;
  /** The uncompressed tar (the docker-save variant stores layers uncompressed). */
  tar: Buffer;
  comment: string;
}

export async function buildLayer(layer: LayerRecipe, inputs: Inputs): Promise<LayerBlob> {
  const tree = new FileTree();
  for (const s of layer.sources) await apply(tree, s, inputs);
  const tar = writeTar(tree.entries(0));
  const blob = gzipSync(tar, { level: layer.gzipLevel ?? 6 });
  return {
    blob,
    tar,
    digest: `sha256:${sha256(blob)}`,
    diffId: `sha256:${sha256(tar)}`,
    comment: layer.comment,
  };
}
