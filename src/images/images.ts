// Image records as callers see them, assembled from the index (references grouped by image
// ID) and the stored manifests and configs; and finding an image by reference or ID.

import type { ContainerConfig } from './oci.js';
import { formatRef, parseImageRef, splitStoredRef } from './reference.js';
import type { ContentStore, IndexFile, RefRecord } from './store.js';

export interface ImageInfo {
  /** The config digest, as the CRI reports image IDs. */
  id: string;
  /** `docker.io/library/nginx:latest`, … */
  repoTags: string[];
  /** `docker.io/library/nginx@sha256:…`, … */
  repoDigests: string[];
  /** Bytes of the image's content (config and layer blobs, as the registry serves them). */
  size: number;
  created?: string;
  os: string;
  architecture: string;
  /** Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Labels… with the OCI field names. */
  config: ContainerConfig;
  /** Layer diff IDs, bottom first. */
  layers: string[];
  /** The platform manifest's digest. */
  manifest: string;
}

function isId(name: string): boolean {
  return name.startsWith('sha256:');
}

export async function buildInfos(store: ContentStore, index: IndexFile): Promise<ImageInfo[]> {
  const byId = new Map<string, [string, RefRecord][]>();
  for (const [name, rec] of Object.entries(index.refs)) {
    const list = byId.get(rec.config) ?? [];
    list.push([name, rec]);
    byId.set(rec.config, list);
  }
  const out: ImageInfo[] = [];
  for (const [id, refs] of byId) {
    const info = await buildInfo(store, id, refs).catch(() => undefined);
    if (info) out.push(info);
  }
  return out.sort((a, b) =>
    (a.repoTags[0] ?? '~' + a.id).localeCompare(b.repoTags[0] ?? '~' + b.id),
  );
}

async function buildInfo(
  store: ContentStore,
  id: string,
  refs: [string, RefRecord][],
): Promise<ImageInfo> {
  const first = (refs[0] as [string, RefRecord])[1];
  const config = await store.config(id);
  const manifest = await store.manifest(first.manifest);
  const repoTags = new Set<string>();
  const repoDigests = new Set<string>();
  for (const [name, rec] of refs) {
    if (isId(name)) continue;
    const s = splitStoredRef(name);
    if (s.digest) repoDigests.add(name);
    else {
      repoTags.add(name);
      if (rec.target) repoDigests.add(`${s.repository}@${rec.target}`);
    }
  }
  return {
    id,
    repoTags: [...repoTags].sort(),
    repoDigests: [...repoDigests].sort(),
    size: manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
    ...(config.created ? { created: config.created } : {}),
    os: config.os,
    architecture: config.architecture,
    config: config.config,
    layers: config.diffIds,
    manifest: first.manifest,
  };
}

/** The references and record of the image `s` names: a reference, an image ID or an ID prefix. */
export function findRefs(
  index: IndexFile,
  s: string,
): { id: string; refs: [string, RefRecord][] } | undefined {
  const entries = Object.entries(index.refs);
  const group = (id: string): { id: string; refs: [string, RefRecord][] } => ({
    id,
    refs: entries.filter(([, r]) => r.config === id),
  });
  let name: string | undefined;
  try {
    name = formatRef(parseImageRef(s));
  } catch {
    name = undefined;
  }
  if (name) {
    const hit = index.refs[name];
    if (hit) return group(hit.config);
    const at = name.indexOf('@');
    if (at > -1) {
      const repo = name.slice(0, at);
      const digest = name.slice(at + 1);
      const byTarget = entries.find(
        ([n, r]) =>
          (r.target === digest || r.manifest === digest) && splitStoredRef(n).repository === repo,
      );
      if (byTarget) return group(byTarget[1].config);
    }
  }
  const m = /^(?:sha256:)?([a-f0-9]{3,64})$/.exec(s);
  if (m) {
    const ids = [...new Set(entries.map(([, r]) => r.config))].filter((id) =>
      id.slice(7).startsWith(m[1] as string),
    );
    if (ids.length === 1) return group(ids[0] as string);
  }
  return undefined;
}

export function findInfo(infos: ImageInfo[], id: string): ImageInfo | undefined {
  return infos.find((i) => i.id === id);
}
