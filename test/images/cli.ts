// Builds the test images and prints where they are:
//   node --import tsx test/images/cli.ts [--all | NAME...]
// --all adds the opt-in images; names pick images. SKIFF_TEST_IMAGES sets the cache root.

import { DEFAULT_RECIPES, OPTIONAL_RECIPES } from './images.js';
import { ensureTestImages } from './build.js';

const args = process.argv.slice(2);
const images = args.includes('--all')
  ? [...DEFAULT_RECIPES, ...OPTIONAL_RECIPES].map((r) => r.name)
  : args.length > 0
    ? args
    : undefined;

try {
  const built = await ensureTestImages(images ? { images } : {});
  process.stdout.write(JSON.stringify(built, null, 2) + '\n');
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
