// Pushing a stored image to a registry (config, layers, then the manifest under a tag):
// how tests and the test-image builder fill a local registry.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ContentError } from '../errors.js';
import { parseJson } from '../oci.js';
import type { ImageRef } from '../reference.js';
import type { ContentStore, RefRecord } from '../store.js';
import { endpointsFor, repositoryPath, type RegistriesConfig } from './config.js';
import { RegistryClient } from './client.js';
import type { DockerConfig } from './credentials.js';

export async function push(
  store: ContentStore,
  source: RefRecord,
  target: ImageRef,
  o: { registries: RegistriesConfig; pullSecrets?: readonly DockerConfig[] },
): Promise<string> {
  const client = new RegistryClient({
    config: o.registries,
    ...(o.pullSecrets ? { pullSecrets: o.pullSecrets } : {}),
  });
  const eps = endpointsFor(target.domain, { configs: o.registries.configs ?? {} });
  const ep = eps[eps.length - 1];
  if (!ep) throw new Error(`no endpoint for ${target.domain}`);
  const repo = repositoryPath(ep, target.path);
  const manifest = await store.manifest(source.manifest);
  for (const d of [manifest.config, ...manifest.layers]) {
    if (!(await store.hasBlob(d.digest)))
      throw new ContentError(
        `cannot push: blob ${d.digest} is not in the store (only its unpacked layer is)`,
      );
    if (await client.hasBlob(ep, repo, d.digest)) continue;
    const path = store.blobPath(d.digest);
    await client.uploadBlob(ep, repo, d.digest, (await stat(path)).size, () =>
      createReadStream(path),
    );
  }
  const body = await store.readBlob(source.manifest);
  const mediaType = String(
    parseJson(body, 'manifest')['mediaType'] ?? 'application/vnd.oci.image.manifest.v1+json',
  );
  await client.putManifest(ep, repo, target.digest ?? target.tag ?? 'latest', body, mediaType);
  return source.manifest;
}
