// Building images (layers from tar entries, configs, manifests, `docker save` and OCI
// image-layout archives, all in memory): for tests and the test-image builder.

import { gunzipSync, gzipSync } from 'node:zlib';
import { sha256 } from '../../src/images/digest.js';
import { MediaType, type ContainerConfig, type Platform } from '../../src/images/oci.js';
import { tarBuffer, type TarWriteEntry } from '../../src/images/tar-writer.js';

export { tarBuffer, type TarWriteEntry } from '../../src/images/tar-writer.js';

export interface TestLayer {
  entries: TarWriteEntry[];
  gzip?: boolean;
}

export interface TestImage {
  /** A reference for RepoTags / the image-name annotation. */
  name?: string;
  layers: TestLayer[];
  config?: ContainerConfig;
  platform?: Platform;
}

export interface BuiltLayer {
  blob: Buffer;
  digest: string;
  diffId: string;
  mediaType: string;
}

export interface BuiltImage {
  name?: string;
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
  manifest: Buffer;
  manifestDigest: string;
  platform: Platform;
}

export function buildLayer(l: TestLayer): BuiltLayer {
  const tar = tarBuffer(l.entries);
  const blob = l.gzip === false ? tar : gzipSync(tar);
  return {
    blob,
    digest: sha256(blob),
    diffId: sha256(tar),
    mediaType: l.gzip === false ? MediaType.ociLayer : MediaType.ociLayerGzip,
  };
}

export function buildImage(img: TestImage): BuiltImage {
  const platform = img.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers = img.layers.map(buildLayer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created: '2024-01-01T00:00:00Z',
      config: img.config ?? {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created_by: 'test' })),
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: config.length },
      layers: layers.map((l) => ({
        mediaType: l.mediaType,
        digest: l.digest,
        size: l.blob.length,
      })),
    }),
  );
  return {
    ...(img.name ? { name: img.name } : {}),
    config,
    configDigest,
    layers,
    manifest,
    manifestDigest: sha256(manifest),
    platform,
  };
}

/** An image index over several platform images. */
export function buildIndex(images: BuiltImage[]): { body: Buffer; digest: string } {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: images.map((i) => ({
        mediaType: MediaType.ociManifest,
        digest: i.manifestDigest,
        size: i.manifest.length,
        platform: i.platform,
      })),
    }),
  );
  return { body, digest: sha256(body) };
}

const hex = (d: string): string => d.slice('sha256:'.length);

/**
 * A `docker save` archive: manifest.json, `<id>.json` configs and `<n>/layer.tar` layers
 * (uncompressed, as docker writes them; a repeated layer is a symlink, as docker does).
 */
export function dockerSaveArchive(images: BuiltImage[]): Buffer {
  const entries: TarWriteEntry[] = [];
  const seen = new Map<string, string>();
  const manifest = images.map((img) => {
    entries.push({ name: `${hex(img.configDigest)}.json`, data: img.config });
    const layerPaths = img.layers.map((l) => {
      const dir = hex(l.diffId).slice(0, 16) + (seen.has(l.diffId) ? '-dup' : '');
      const path = `${dir}/layer.tar`;
      const prior = seen.get(l.diffId);
      entries.push({ name: `${dir}/`, type: 'directory' });
      if (prior) entries.push({ name: path, type: 'symlink', linkname: `../${prior}` });
      else {
        const tar = l.mediaType === MediaType.ociLayerGzip ? gunzipSync(l.blob) : l.blob;
        entries.push({ name: path, data: tar });
        seen.set(l.diffId, path);
      }
      return path;
    });
    return {
      Config: `${hex(img.configDigest)}.json`,
      RepoTags: img.name ? [img.name] : null,
      Layers: layerPaths,
    };
  });
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return tarBuffer(entries);
}

/** An OCI image layout archive; `indexes` puts several platform images behind one index. */
export function ociLayoutArchive(
  images: BuiltImage[],
  o: { indexes?: { name?: string; images: BuiltImage[] }[] } = {},
): Buffer {
  const blobs = new Map<string, Buffer>();
  const add = (d: string, b: Buffer): void => void blobs.set(d, b);
  const top: object[] = [];
  const addImage = (img: BuiltImage): void => {
    add(img.configDigest, img.config);
    add(img.manifestDigest, img.manifest);
    for (const l of img.layers) add(l.digest, l.blob);
  };
  for (const img of images) {
    addImage(img);
    top.push({
      mediaType: MediaType.ociManifest,
      digest: img.manifestDigest,
      size: img.manifest.length,
      ...(img.name ? { annotations: { 'io.containerd.image.name': img.name } } : {}),
    });
  }
  for (const ix of o.indexes ?? []) {
    ix.images.forEach(addImage);
    const built = buildIndex(ix.images);
    add(built.digest, built.body);
    top.push({
      mediaType: MediaType.ociIndex,
      digest: built.digest,
      size: built.body.length,
      ...(ix.name ? { annotations: { 'io.containerd.image.name': ix.name } } : {}),
    });
  }
  const entries: TarWriteEntry[] = [
    { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    {
      name: 'index.json',
      data: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: top }),
    },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  for (const [d, b] of blobs) entries.push({ name: `blobs/sha256/${hex(d)}`, data: b });
  return tarBuffer(entries);
}
