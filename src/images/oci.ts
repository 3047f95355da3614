// OCI and Docker v2 image documents: media types, validation of what a registry or an
// archive hands us, and picking the host's platform out of a multi-arch index.

import { isDigest } from './digest.js';
import { ContentError } from './errors.js';

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** What a registry is asked for when resolving a reference. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface IndexDoc {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export interface ManifestDoc {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The parts of an image config a container is made from (OCI field names). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
}

export interface ImageConfigDoc {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config: ContainerConfig;
  diffIds: string[];
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ContentError(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

export function parseJson(buf: Buffer | string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(buf.toString());
  } catch (e) {
    throw new ContentError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  return obj(v, what);
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const o = obj(v, what);
  if (!isDigest(o['digest']))
    throw new ContentError(`${what} has an invalid digest ${JSON.stringify(o['digest'])}`);
  const size = o['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new ContentError(`${what} has an invalid size ${JSON.stringify(size)}`);
  const d: Descriptor = {
    mediaType: typeof o['mediaType'] === 'string' ? o['mediaType'] : '',
    digest: o['digest'],
    size,
  };
  const p = o['platform'];
  if (p && typeof p === 'object') {
    const po = p as Record<string, unknown>;
    d.platform = {
      os: String(po['os'] ?? ''),
      architecture: String(po['architecture'] ?? ''),
      ...(typeof po['variant'] === 'string' ? { variant: po['variant'] } : {}),
    };
  }
  if (o['annotations'] && typeof o['annotations'] === 'object')
    d.annotations = o['annotations'] as Record<string, string>;
  if (Array.isArray(o['urls'])) d.urls = o['urls'].map(String);
  return d;
}

/** An image index or an image manifest, by its mediaType field, the transport's, or its shape. */
export function parseManifest(buf: Buffer, transportType = ''): IndexDoc | ManifestDoc {
  const o = parseJson(buf, 'manifest');
  if (
    o['schemaVersion'] === 1 ||
    transportType.startsWith('application/vnd.docker.distribution.manifest.v1')
  )
    throw new ContentError(
      'Docker image manifest schema 1 is not supported (push the image again with a current client)',
    );
  const mediaType =
    (typeof o['mediaType'] === 'string' && o['mediaType']) ||
    transportType.split(';')[0]?.trim() ||
    (Array.isArray(o['manifests']) ? MediaType.ociIndex : MediaType.ociManifest);
  if (mediaType === MediaType.ociIndex || mediaType === MediaType.dockerList) {
    if (!Array.isArray(o['manifests'])) throw new ContentError('image index has no manifests list');
    return {
      kind: 'index',
      mediaType,
      manifests: o['manifests'].map((m, i) => parseDescriptor(m, `index entry ${i}`)),
    };
  }
  if (mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest) {
    if (!Array.isArray(o['layers'])) throw new ContentError('image manifest has no layers list');
    return {
      kind: 'manifest',
      mediaType,
      config: parseDescriptor(o['config'], 'manifest config'),
      layers: o['layers'].map((l, i) => parseDescriptor(l, `manifest layer ${i}`)),
    };
  }
  throw new ContentError(`unsupported manifest media type "${mediaType}"`);
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined;
}

export function parseImageConfig(buf: Buffer): ImageConfigDoc {
  const o = parseJson(buf, 'image config');
  const rootfs = obj(o['rootfs'] ?? {}, 'image config rootfs');
  const diffIds = rootfs['diff_ids'];
  if (!Array.isArray(diffIds) || !diffIds.every(isDigest))
    throw new ContentError('image config has no valid rootfs.diff_ids');
  const c =
    o['config'] && typeof o['config'] === 'object' ? (o['config'] as Record<string, unknown>) : {};
  const config: ContainerConfig = {};
  if (typeof c['User'] === 'string' && c['User']) config.User = c['User'];
  if (c['ExposedPorts'] && typeof c['ExposedPorts'] === 'object')
    config.ExposedPorts = c['ExposedPorts'] as Record<string, object>;
  const env = strings(c['Env']);
  if (env) config.Env = env;
  const ep = strings(c['Entrypoint']);
  if (ep) config.Entrypoint = ep;
  const cmd = strings(c['Cmd']);
  if (cmd) config.Cmd = cmd;
  if (c['Volumes'] && typeof c['Volumes'] === 'object')
    config.Volumes = c['Volumes'] as Record<string, object>;
  if (typeof c['WorkingDir'] === 'string' && c['WorkingDir']) config.WorkingDir = c['WorkingDir'];
  if (c['Labels'] && typeof c['Labels'] === 'object')
    config.Labels = c['Labels'] as Record<string, string>;
  if (typeof c['StopSignal'] === 'string' && c['StopSignal']) config.StopSignal = c['StopSignal'];
  return {
    architecture: String(o['architecture'] ?? ''),
    os: String(o['os'] ?? ''),
    ...(typeof o['variant'] === 'string' ? { variant: o['variant'] } : {}),
    ...(typeof o['created'] === 'string' ? { created: o['created'] } : {}),
    config,
    diffIds: diffIds as string[],
  };
}

const ARCH: Record<string, [string, string?]> = {
  x64: ['amd64'],
  arm64: ['arm64', 'v8'],
  arm: ['arm', 'v7'],
  ia32: ['386'],
  ppc64: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
};

export function hostPlatform(): Platform {
  const [architecture, variant] = ARCH[process.arch] ?? [process.arch];
  return { os: 'linux', architecture, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** The index entry for `want`; an exact variant wins over an entry without one. */
export function selectPlatform(index: IndexDoc, want: Platform): Descriptor {
  const candidates = index.manifests.filter(
    (m) =>
      (m.mediaType === '' ||
        m.mediaType === MediaType.ociManifest ||
        m.mediaType === MediaType.dockerManifest) &&
      m.platform?.os === want.os &&
      m.platform.architecture === want.architecture,
  );
  const exact = candidates.find((m) => (m.platform?.variant ?? '') === (want.variant ?? ''));
  const loose = candidates.find((m) => !m.platform?.variant);
  const pick = exact ?? loose ?? (want.variant ? undefined : candidates[0]);
  if (!pick)
    throw new ContentError(
      `no matching manifest for ${formatPlatform(want)} in the manifest list entries`,
    );
  return pick;
}

export function isLayerTypeSupported(mediaType: string): boolean {
  return !mediaType.includes('zstd') && !mediaType.includes('foreign');
}
