// The image service the node agent uses: pull policies, pulls, imports, listing, removal,
// garbage collection and the layer directories a container's overlay root is made of.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../log/index.js';
import { importArchive as importFile } from './archive.js';
import { errorMessage, ImageError } from './errors.js';
import { buildInfos, findRefs, type ImageInfo } from './images.js';
import { applyOverlayMarkers } from './overlay.js';
import { hostPlatform, type Platform } from './oci.js';
import { formatRef, parseImageRef, type ImageRef } from './reference.js';
import type { RegistriesConfig } from './registry/config.js';
import type { DockerConfig } from './registry/credentials.js';
import { pull, type PullProgress } from './registry/pull.js';
import { push } from './registry/push.js';
import { ContentStore, type GcResult } from './store.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface ImageServiceOptions {
  /** The store directory: `<data dir>/images`. */
  dir: string;
  /** Mirrors and per-host settings (registries.yaml). */
  registries?: RegistriesConfig;
  /** The platform picked from multi-arch indexes; the host's by default. */
  platform?: Platform;
  /** Never fall back from a registry's mirrors to the registry itself (offline machines, tests). */
  disableDefaultEndpoint?: boolean;
  logger?: Logger;
}

export interface EnsureOptions {
  /** Decoded `.dockerconfigjson` contents of the pod's imagePullSecrets. */
  pullSecrets?: readonly DockerConfig[];
  onProgress?: (p: PullProgress) => void;
}

export interface RemoveOptions {
  /** Refuse (ImageInUse) when this says a container still uses the image. */
  inUse?: (image: ImageInfo) => boolean;
}

export interface ImageService {
  readonly dir: string;
  /** The image for `image` under `policy`, pulled when the policy says so. */
  ensureImage(image: string, policy: PullPolicy, o?: EnsureOptions): Promise<ImageInfo>;
  pullImage(image: string, o?: EnsureOptions): Promise<ImageInfo>;
  /** Every image of a docker-save or OCI-layout archive, or none (InvalidArchive). */
  importArchive(file: string): Promise<ImageInfo[]>;
  /** By reference, image ID or unique ID prefix. */
  getImage(image: string): Promise<ImageInfo | undefined>;
  listImages(): Promise<ImageInfo[]>;
  /** Removes the image and all its references, then collects garbage. */
  removeImage(image: string, o?: RemoveOptions): Promise<ImageInfo>;
  garbageCollect(): Promise<GcResult>;
  /** The unpacked layer directories of an image, bottom first (overlay lowerdir is top first). */
  layerDirs(image: ImageInfo | string): Promise<string[]>;
  /** Pushes a stored image to a registry under `target` (by default its first tag). */
  pushImage(
    image: string,
    target?: string,
    o?: { pullSecrets?: readonly DockerConfig[] },
  ): Promise<string>;
}

export function createImageService(o: ImageServiceOptions): ImageService {
  const store = new ContentStore(o.dir);
  const platform = o.platform ?? hostPlatform();
  const registries = o.registries ?? {};
  const log = o.logger?.child('images');
  const inflight = new Map<string, Promise<ImageInfo>>();

  async function infoById(id: string): Promise<ImageInfo | undefined> {
    const index = await store.readIndex();
    return (
      await buildInfos(store, {
        version: 1,
        refs: Object.fromEntries(Object.entries(index.refs).filter(([, r]) => r.config === id)),
      })
    )[0];
  }

  async function complete(info: ImageInfo): Promise<boolean> {
    for (const d of info.layers) if (!(await store.hasLayer(d))) return false;
    return true;
  }

  async function present(ref: ImageRef): Promise<ImageInfo | undefined> {
    const hit = findRefs(await store.readIndex(), formatRef(ref));
    if (!hit) return undefined;
    const info = await infoById(hit.id);
    return info && (await complete(info)) ? info : undefined;
  }

  function doPull(image: string, ref: ImageRef, opts: EnsureOptions): Promise<ImageInfo> {
    const key =
      formatRef(ref) +
      ' ' +
      createHash('sha256')
        .update(JSON.stringify(opts.pullSecrets ?? []))
        .digest('hex');
    let p = inflight.get(key);
    if (!p) {
      p = (async () => {
        const t0 = Date.now();
        log?.info('pulling image', { image: formatRef(ref) });
        try {
          const { record } = await pull(
            { store, registries, platform, disableDefaultEndpoint: !!o.disableDefaultEndpoint },
            ref,
            opts,
          );
          const info = await infoById(record.config);
          if (!info) throw new Error('the pulled image is not in the index');
          log?.info('pulled image', { image: formatRef(ref), id: info.id, ms: Date.now() - t0 });
          return info;
        } catch (e) {
          log?.warn('pull failed', { image: formatRef(ref), err: errorMessage(e) });
          throw new ImageError(
            'ErrImagePull',
            `Failed to pull image "${image}": ${errorMessage(e)}`,
            { cause: e },
          );
        }
      })();
      inflight.set(key, p);
      const done = (): void => {
        inflight.delete(key);
      };
      p.then(done, done);
    }
    return p;
  }

  const svc: ImageService = {
    dir: o.dir,

    async ensureImage(image, policy, opts = {}) {
      const ref = parseImageRef(image);
      if (policy !== 'Always') {
        const have = await present(ref);
        if (have) return have;
        if (policy === 'Never')
          throw new ImageError(
            'ErrImageNeverPull',
            `Container image "${image}" is not present with pull policy of Never`,
          );
        if (policy !== 'IfNotPresent')
          throw new Error(`unknown image pull policy "${String(policy)}"`);
      }
      return doPull(image, ref, opts);
    },

    pullImage(image, opts = {}) {
      return doPull(image, parseImageRef(image), opts);
    },

    async importArchive(file) {
      const imported = await importFile(store, file, platform);
      const out: ImageInfo[] = [];
      for (const id of new Set(imported.map((i) => i.record.config))) {
        const info = await infoById(id);
        if (info) out.push(info);
      }
      return out;
    },

    async getImage(image) {
      const hit = findRefs(await store.readIndex(), image);
      return hit ? infoById(hit.id) : undefined;
    },

    async listImages() {
      return buildInfos(store, await store.readIndex());
    },

    async removeImage(image, opts = {}) {
      const removed = await store.update(async (index) => {
        const hit = findRefs(index, image);
        if (!hit) throw new ImageError('ImageNotFound', `no such image "${image}" present`);
        const info = (
          await buildInfos(store, { version: 1, refs: Object.fromEntries(hit.refs) })
        )[0];
        if (info && opts.inUse?.(info))
          throw new ImageError(
            'ImageInUse',
            `image "${image}" (${info.id}) is in use by a container`,
          );
        for (const [name] of hit.refs) delete index.refs[name];
        return info;
      });
      await store.gc();
      if (!removed) throw new ImageError('ImageNotFound', `no such image "${image}" present`);
      return removed;
    },

    garbageCollect() {
      return store.gc();
    },

    async layerDirs(image) {
      const info = typeof image === 'string' ? await svc.getImage(image) : image;
      if (!info) throw new ImageError('ImageNotFound', `no such image "${String(image)}" present`);
      const dirs: string[] = [];
      for (const d of info.layers) {
        if (!(await store.hasLayer(d)))
          throw new ImageError(
            'ImageNotFound',
            `layer ${d} of image ${info.id} is missing from the store; pull or import the image again`,
          );
        const meta = await store.layerMeta(d);
        if (meta.markers === 'pending' && process.getuid?.() === 0) {
          await applyOverlayMarkers(join(store.layerDir(d), 'fs'), meta);
          await store.writeLayerMeta({ ...meta, markers: 'applied' });
        }
        dirs.push(join(store.layerDir(d), 'fs'));
      }
      // a layer repeated higher up (often the empty one) adds nothing below its top copy,
      // and overlayfs refuses the same lower directory twice
      return dirs.filter((d, i) => dirs.indexOf(d, i + 1) === -1);
    },

    async pushImage(image, target, opts = {}) {
      const hit = findRefs(await store.readIndex(), image);
      if (!hit) throw new ImageError('ImageNotFound', `no such image "${image}" present`);
      const info = await infoById(hit.id);
      const dest = target ?? info?.repoTags[0];
      if (!dest) throw new Error(`image "${image}" has no tag; name a target reference`);
      const rec = (hit.refs[0] as [string, (typeof hit.refs)[0][1]])[1];
      return push(store, rec, parseImageRef(dest), {
        registries,
        ...(opts.pullSecrets ? { pullSecrets: opts.pullSecrets } : {}),
      });
    },
  };
  return svc;
}
