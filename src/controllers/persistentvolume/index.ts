// PersistentVolumes and claims: the binder (with the built-in local-path provisioner) and
// the pvc/pv protection controllers.

export { persistentVolumeBinder, BINDER_NAME, type BinderOptions } from './binder.js';
export { pvcProtectionController, pvProtectionController } from './protection.js';
export type { LocalPathOptions } from './local-path.js';
