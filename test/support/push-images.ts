// Pushes images from archives to a registry: `push-images.ts STORE_DIR JSON`, JSON being
// [{ archive, source, target }]. Run by registry.ts inside the registry's network namespace.

import { createImageService } from '../../src/images/index.js';

const [dir, json] = process.argv.slice(2);
const service = createImageService({ dir: dir ?? '' });
for (const { archive, source, target } of JSON.parse(json ?? '[]') as {
  archive: string;
  source: string;
  target: string;
}[]) {
  await service.importArchive(archive);
  const digest = await service.pushImage(source, target);
  process.stdout.write(`${target} ${digest}\n`);
}
