// The image service: a content store under <data dir>/images, imports of docker-save and
// OCI-layout archives, pulls over the OCI distribution API, and layer directories for
// overlay root filesystems.

export {
  createImageService,
  type EnsureOptions,
  type ImageService,
  type ImageServiceOptions,
  type PullPolicy,
  type RemoveOptions,
} from './service.js';
export type { ImageInfo } from './images.js';
export { ImageError, type ImageErrorReason } from './errors.js';
export type { ContainerConfig, Platform } from './oci.js';
export type { PullProgress } from './registry/pull.js';
export type { GcResult } from './store.js';
export { parseImageRef, formatRef, type ImageRef } from './reference.js';
export {
  loadRegistriesConfig,
  parseRegistriesConfig,
  type RegistriesConfig,
} from './registry/config.js';
export { parseDockerConfig, type DockerConfig } from './registry/credentials.js';
export { shortId } from './digest.js';
