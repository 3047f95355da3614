// Test helpers: image builders, a small registry on loopback, and the prebuilt test images
// (test/images) for tests beside the code.

export * from './images-build.js';
export {
  startTestRegistry,
  type TestRegistry,
  type TestRegistryOptions,
} from './images-registry.js';
export { ensureTestImages, IMAGES } from '../images/index.js';
