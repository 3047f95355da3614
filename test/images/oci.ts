// Image config, manifest and index documents, and the two archive formats: an OCI image
// layout in a tar, and the classic `docker save` layout.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from './exec.js';
import type { LayerBlob } from './layer.js';
import type { ImageRecipe } from './recipe.js';
import { writeTar } from './tar.js';
import { FileTree } from './tree.js';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The annotation OCI layouts name images by; containerd's own is written as well. */
export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

const EPOCH = '1970-01-01T00:00:00Z';
export const PLATFORM = { architecture: 'amd64', os: 'linux' } as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface BuiltImage {
  name: string;
  layers: LayerBlob[];
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
}

function blobDescriptor(mediaType: string, data: Buffer): Descriptor {
  return { mediaType, digest: `sha256:${sha256(data)}`, size: data.length };
}

export function assembleImage(recipe: ImageRecipe, layers: LayerBlob[]): BuiltImage {
  const config = Buffer.from(
    JSON.stringify({
      created: EPOCH,
      architecture: PLATFORM.architecture,
      os: PLATFORM.os,
      config: recipe.config,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((l) => ({ created: EPOCH, created_by: l.comment })),
    }),
  );
  const configDesc = blobDescriptor(MEDIA_TYPES.config, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: configDesc,
      layers: layers.map((l) => ({
        mediaType: MEDIA_TYPES.layer,
        digest: l.digest,
        size: l.blob.length,
      })),
    }),
  );
  return {
    name: recipe.name,
    layers,
    config,
    configDigest: configDesc.digest,
    manifest,
    manifestDigest: `sha256:${sha256(manifest)}`,
  };
}

/** The index.json of a layout holding these images. */
export function indexJson(images: readonly BuiltImage[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: images.map((img): Descriptor => ({
        mediaType: MEDIA_TYPES.manifest,
        digest: img.manifestDigest,
        size: img.manifest.length,
        annotations: { [CONTAINERD_NAME]: img.name, [REF_NAME]: img.name },
        platform: { ...PLATFORM },
      })),
    }),
  );
}

const OCI_LAYOUT = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));

function blobs(images: readonly BuiltImage[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const img of images) {
    out.set(img.manifestDigest, img.manifest);
    out.set(img.configDigest, img.config);
    for (const l of img.layers) out.set(l.digest, l.blob);
  }
  return out;
}

const hex = (digest: string): string => digest.replace(/^sha256:/, '');

function layoutTree(images: readonly BuiltImage[]): FileTree {
  const tree = new FileTree();
  tree.file('oci-layout', OCI_LAYOUT);
  tree.file('index.json', indexJson(images));
  tree.dir('blobs/sha256');
  for (const [digest, data] of blobs(images)) tree.file(`blobs/sha256/${hex(digest)}`, data);
  return tree;
}

/** An OCI image layout as a tar archive (what `skopeo copy … oci-archive:` writes). */
export function ociArchive(images: readonly BuiltImage[]): Buffer {
  return writeTar(layoutTree(images).entries(0));
}

/** The same layout as a directory (for pushing to a registry blob by blob). */
export function writeLayoutDir(dir: string, images: readonly BuiltImage[]): void {
  for (const e of layoutTree(images).entries(0)) {
    const p = join(dir, e.path);
    if (e.type === 'dir') mkdirSync(p, { recursive: true });
    else writeFileSync(p, e.data ?? Buffer.alloc(0));
  }
}

/** `skiff.test/kubia:unhealthy` → [`skiff.test/kubia`, `unhealthy`]. */
export function splitName(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
}

/**
 * The classic `docker save` layout: `<config>.json`, one directory per layer with an
 * uncompressed `layer.tar`, `manifest.json` and `repositories`. Layer directories are
 * named by chain ID.
 */
export function dockerArchive(image: BuiltImage): Buffer {
  const tree = new FileTree();
  const configFile = `${hex(image.configDigest)}.json`;
  tree.file(configFile, image.config);
  const layerFiles: string[] = [];
  let parent: string | undefined;
  let chain = '';
  for (const l of image.layers) {
    chain = chain ? `sha256:${sha256(`${chain} ${l.diffId}`)}` : l.diffId;
    const id = hex(chain);
    tree.file(`${id}/VERSION`, Buffer.from('1.0'));
    tree.file(`${id}/json`, Buffer.from(JSON.stringify(parent ? { id, parent } : { id })));
    tree.file(`${id}/layer.tar`, l.tar);
    layerFiles.push(`${id}/layer.tar`);
    parent = id;
  }
  tree.file(
    'manifest.json',
    Buffer.from(
      JSON.stringify([{ Config: configFile, RepoTags: [image.name], Layers: layerFiles }]),
    ),
  );
  const [repo, tag] = splitName(image.name);
  tree.file('repositories', Buffer.from(JSON.stringify({ [repo]: { [tag]: parent } })));
  return writeTar(tree.entries(0));
}
