// Building the test images once into a shared cache directory named by a hash of
// everything that goes into them, so parallel test files share one build.

import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from './exec.js';
import { DEFAULT_RECIPES, OPTIONAL_RECIPES } from './images.js';
import { buildLayer, fingerprint, resolveInputs, type Inputs, type LayerBlob } from './layer.js';
import { withLock } from './lock.js';
import {
  assembleImage,
  dockerArchive,
  ociArchive,
  writeLayoutDir,
  type BuiltImage,
} from './oci.js';
import type { ImageRecipe, LayerRecipe } from './recipe.js';

export interface ImageInfo {
  name: string;
  /** An OCI image-layout archive holding this image alone. */
  archive: string;
  /** A `docker save` archive of this image. */
  dockerArchive: string;
  manifestDigest: string;
  configDigest: string;
  layers: Array<{ digest: string; diffId: string; size: number }>;
}

export interface TestImages {
  /** The build's directory (read-only: other test files share it). */
  dir: string;
  /** OCI archive per image name. */
  archives: Record<string, string>;
  /** `docker save` archive per image name. */
  dockerArchives: Record<string, string>;
  /** One OCI archive holding every image. */
  allArchive: string;
  /** The OCI image layout directory holding every image. */
  layout: string;
  images: Record<string, ImageInfo>;
}

export interface EnsureOptions {
  /** Image names to build; the default is every image except the opt-in ones. */
  images?: readonly string[];
  /** Default: $SKIFF_TEST_IMAGES, else <tmpdir>/skiff-test-images. */
  cacheRoot?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** Bump when the output changes in a way the sources below do not show. */
const FORMAT = 1;

export function defaultCacheRoot(): string {
  return process.env.SKIFF_TEST_IMAGES || join(tmpdir(), 'skiff-test-images');
}

export function recipesFor(names?: readonly string[]): ImageRecipe[] {
  if (!names) return [...DEFAULT_RECIPES];
  const all = [...DEFAULT_RECIPES, ...OPTIONAL_RECIPES];
  return names.map((n) => {
    const r = all.find((x) => x.name === n);
    if (!r)
      throw new Error(
        `No test image is called ${JSON.stringify(n)}; known: ${all.map((x) => x.name).join(', ')}`,
      );
    return r;
  });
}

function builderSources(): unknown {
  return readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('_test.ts'))
    .sort()
    .map((f) => [f, sha256(readFileSync(join(HERE, f)))]);
}

function uniqueLayers(recipes: readonly ImageRecipe[]): LayerRecipe[] {
  return [...new Set(recipes.flatMap((r) => r.layers))];
}

export function cacheKey(recipes: readonly ImageRecipe[], inputs: Inputs): string {
  return sha256(
    JSON.stringify({ FORMAT, builder: builderSources(), recipes, inputs: fingerprint(inputs) }),
  );
}

const slug = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Builds the images into outDir (which must not exist yet) and returns where things are. */
export async function buildImages(
  recipes: readonly ImageRecipe[],
  inputs: Inputs,
  outDir: string,
): Promise<TestImages> {
  const layerBlobs = new Map<LayerRecipe, LayerBlob>();
  for (const layer of uniqueLayers(recipes)) layerBlobs.set(layer, await buildLayer(layer, inputs));
  const built: BuiltImage[] = recipes.map((r) =>
    assembleImage(
      r,
      r.layers.map((l) => layerBlobs.get(l)!),
    ),
  );

  mkdirSync(join(outDir, 'oci'), { recursive: true });
  mkdirSync(join(outDir, 'docker'), { recursive: true });
  writeLayoutDir(join(outDir, 'layout'), built);
  writeFileSync(join(outDir, 'all.tar'), ociArchive(built));
  const summary: Record<string, ImageInfo> = {};
  for (const img of built) {
    const info: ImageInfo = {
      name: img.name,
      archive: join('oci', `${slug(img.name)}.tar`),
      dockerArchive: join('docker', `${slug(img.name)}.tar`),
      manifestDigest: img.manifestDigest,
      configDigest: img.configDigest,
      layers: img.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.blob.length })),
    };
    writeFileSync(join(outDir, info.archive), ociArchive([img]));
    writeFileSync(join(outDir, info.dockerArchive), dockerArchive(img));
    summary[img.name] = info;
  }
  // Written last: its presence marks a complete build.
  writeFileSync(join(outDir, 'images.json'), JSON.stringify(summary, null, 2) + '\n');
  return load(outDir);
}

/** Reads a finished build's images.json into absolute paths. */
function load(dir: string): TestImages {
  const summary = JSON.parse(readFileSync(join(dir, 'images.json'), 'utf8')) as Record<
    string,
    ImageInfo
  >;
  const images: Record<string, ImageInfo> = {};
  const archives: Record<string, string> = {};
  const dockerArchives: Record<string, string> = {};
  for (const [name, info] of Object.entries(summary)) {
    images[name] = {
      ...info,
      archive: join(dir, info.archive),
      dockerArchive: join(dir, info.dockerArchive),
    };
    archives[name] = join(dir, info.archive);
    dockerArchives[name] = join(dir, info.dockerArchive);
  }
  return {
    dir,
    archives,
    dockerArchives,
    allArchive: join(dir, 'all.tar'),
    layout: join(dir, 'layout'),
    images,
  };
}

const pending = new Map<string, Promise<TestImages>>();

/**
 * The test images, built on first use into <cacheRoot>/<hash of recipes and inputs> and
 * reused afterwards (by this process and by any other). Needs apt-get and dpkg-deb, and
 * the package mirror the first time.
 */
export function ensureTestImages(options: EnsureOptions = {}): Promise<TestImages> {
  const cacheRoot = options.cacheRoot ?? defaultCacheRoot();
  const recipes = recipesFor(options.images);
  const memo = JSON.stringify([cacheRoot, recipes.map((r) => r.name)]);
  let p = pending.get(memo);
  if (!p) {
    p = ensure(recipes, cacheRoot);
    pending.set(memo, p);
    p.catch(() => pending.delete(memo));
  }
  return p;
}

async function ensure(recipes: readonly ImageRecipe[], cacheRoot: string): Promise<TestImages> {
  mkdirSync(cacheRoot, { recursive: true });
  const inputs = await resolveInputs(uniqueLayers(recipes), cacheRoot);
  const key = cacheKey(recipes, inputs).slice(0, 24);
  const dir = join(cacheRoot, key);
  if (existsSync(join(dir, 'images.json'))) return load(dir);
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(join(dir, 'images.json'))) return load(dir);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    try {
      await buildImages(recipes, inputs, tmp);
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return load(dir);
  });
}
