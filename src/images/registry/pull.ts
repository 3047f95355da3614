// Pulling one image into the store: resolve the reference on the first endpoint that knows
// it (mirrors first), pick the platform from an index, fetch config and layers (each digest
// and size checked), unpack, and commit — or leave the store as it was.

import { errorMessage } from '../errors.js';
import { ContentError } from '../errors.js';
import {
  isLayerTypeSupported,
  parseImageConfig,
  parseManifest,
  selectPlatform,
  type Platform,
} from '../oci.js';
import { formatRef, repositoryName, type ImageRef } from '../reference.js';
import type { ContentStore, RefRecord } from '../store.js';
import { endpointsFor, repositoryPath, type Endpoint, type RegistriesConfig } from './config.js';
import { RegistryClient, RegistryError, type FetchedManifest } from './client.js';
import type { DockerConfig } from './credentials.js';
import { NetworkError } from './http.js';

export interface PullProgress {
  /** The full reference being pulled. */
  image: string;
  layer: string;
  /** 0-based position of the layer, bottom first, and the number of layers. */
  index: number;
  count: number;
  size: number;
  downloaded: number;
  status: 'exists' | 'downloading' | 'unpacking' | 'done';
}

export interface PullOptions {
  pullSecrets?: readonly DockerConfig[];
  onProgress?: (p: PullProgress) => void;
}

export interface PullContext {
  store: ContentStore;
  registries: RegistriesConfig;
  platform: Platform;
  /** Only mirrors, never the registry itself, for registries that have mirrors. */
  disableDefaultEndpoint?: boolean;
}

const LAYER_CONCURRENCY = 3;
const CONFIG_MAX = 16 << 20;

async function inParallel<T>(
  items: T[],
  limit: number,
  fn: (t: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** Of the failures on each endpoint, the one to report: a registry's own answer beats a network error. */
function mostTelling(errors: unknown[]): unknown {
  return errors.find((e) => !(e instanceof NetworkError)) ?? errors[errors.length - 1];
}

export async function pull(
  ctx: PullContext,
  ref: ImageRef,
  o: PullOptions = {},
): Promise<{ names: string[]; record: RefRecord }> {
  const client = new RegistryClient({
    config: ctx.registries,
    ...(o.pullSecrets ? { pullSecrets: o.pullSecrets } : {}),
  });
  const full = formatRef(ref);
  const errors: unknown[] = [];
  for (const ep of endpointsFor(ref.domain, ctx.registries, {
    defaultEndpoint: !ctx.disableDefaultEndpoint,
  })) {
    const repo = repositoryPath(ep, ref.path);
    let top: FetchedManifest;
    try {
      top = await client.getManifest(ep, repo, ref.digest ?? (ref.tag as string));
    } catch (e) {
      errors.push(e);
      continue;
    }
    try {
      return await fetchImage(ctx, client, ep, repo, ref, top, o);
    } catch (e) {
      throw new ContentError(`failed to pull and unpack image "${full}": ${errorMessage(e)}`, {
        cause: e,
      });
    }
  }
  const e = mostTelling(errors);
  throw new ContentError(`failed to resolve reference "${full}": ${errorMessage(e)}`, { cause: e });
}

async function fetchImage(
  ctx: PullContext,
  client: RegistryClient,
  ep: Endpoint,
  repo: string,
  ref: ImageRef,
  top: FetchedManifest,
  o: PullOptions,
): Promise<{ names: string[]; record: RefRecord }> {
  const txn = await ctx.store.begin();
  try {
    let doc = parseManifest(top.body, top.mediaType);
    await txn.putBuffer('manifest', top.body, { digest: top.digest });
    let manifestDigest = top.digest;
    if (doc.kind === 'index') {
      const pick = selectPlatform(doc, ctx.platform);
      const m = await client.getManifest(ep, repo, pick.digest);
      doc = parseManifest(m.body, m.mediaType);
      if (doc.kind !== 'manifest')
        throw new ContentError(`${pick.digest} is not an image manifest`);
      manifestDigest = await txn.putBuffer('manifest', m.body, { digest: pick.digest });
    }
    const manifest = doc;
    if (!(await txn.hasBlob(manifest.config.digest))) {
      if (manifest.config.size > CONFIG_MAX)
        throw new ContentError('the image config is too large');
      const res = await client.getBlob(ep, repo, manifest.config.digest);
      await txn.putStream(`config ${manifest.config.digest}`, res.stream, manifest.config);
    }
    const config = parseImageConfig(await txn.readBlob(manifest.config.digest));
    if (manifest.layers.length !== config.diffIds.length)
      throw new ContentError(
        `the manifest lists ${manifest.layers.length} layers but the image config has ${config.diffIds.length} diff IDs`,
      );
    for (const l of manifest.layers)
      if (!isLayerTypeSupported(l.mediaType))
        throw new ContentError(`layer ${l.digest} has an unsupported media type "${l.mediaType}"`);
    const image = formatRef(ref);
    const count = manifest.layers.length;
    await inParallel(manifest.layers, LAYER_CONCURRENCY, async (l, index) => {
      const diffId = config.diffIds[index] as string;
      const report = (status: PullProgress['status'], downloaded: number): void =>
        o.onProgress?.({ image, layer: l.digest, index, count, size: l.size, downloaded, status });
      if (await ctx.store.hasLayer(diffId)) return report('exists', l.size);
      try {
        if (!(await txn.hasBlob(l.digest))) {
          report('downloading', 0);
          const res = await client.getBlob(ep, repo, l.digest);
          await txn.putStream(`layer ${l.digest}`, res.stream, l, (n) => report('downloading', n));
        }
        report('unpacking', l.size);
        await txn.ensureLayer(diffId, l.digest);
      } catch (e) {
        const msg = errorMessage(e);
        const said = msg.startsWith(`layer ${l.digest}`) ? msg : `layer ${l.digest}: ${msg}`;
        if (e instanceof RegistryError) throw new RegistryError(said, e.status);
        throw new ContentError(said, { cause: e });
      }
      report('done', l.size);
    });
    const record: RefRecord = {
      manifest: manifestDigest,
      config: manifest.config.digest,
      target: top.digest,
    };
    const names = [`${repositoryName(ref)}@${top.digest}`];
    if (ref.tag) names.unshift(formatRef(ref));
    await txn.commit(Object.fromEntries(names.map((n) => [n, record])));
    return { names, record };
  } catch (e) {
    await txn.abort();
    throw e;
  }
}
