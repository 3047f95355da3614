// Storage kinds: PersistentVolumes, PersistentVolumeClaims (core/v1) and StorageClasses
// (storage.k8s.io/v1), with what the binder, the admission steps and the printers share.

export { persistentVolumeResource, persistentVolumeClass } from './persistentvolume.js';
export { persistentVolumeClaimResource, claimClass } from './persistentvolumeclaim.js';
export { storageClassResource } from './storageclass.js';
export {
  BETA_STORAGE_CLASS_ANNOTATION,
  DEFAULT_CLASS_ANNOTATION,
  defaultStorageClass,
  isDefaultClass,
  quantityBytes,
} from './common.js';
export { LOCAL_PATH_PROVISIONER, LOCAL_PATH_STORAGE_CLASS } from './local-path.js';
