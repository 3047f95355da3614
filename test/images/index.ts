// Test images for end-to-end tests: OCI and `docker save` archives built from Debian
// packages and files on this machine. See README.md.

export { ensureTestImages, type EnsureOptions, type ImageInfo, type TestImages } from './build.js';
export { IMAGES } from './images.js';
export { readTar, writeTar, type TarEntry } from './tar.js';
