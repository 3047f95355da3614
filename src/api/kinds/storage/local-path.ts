// Skiff's built-in storage: the provisioner name its PersistentVolume controller answers to,
// and the default StorageClass that names it (created at start, as k3s installs its own).

import type { KubeObject } from '../../types.js';
import { DEFAULT_CLASS_ANNOTATION } from './common.js';

/** The provisioner of node-local directories, as StorageClasses name it. */
export const LOCAL_PATH_PROVISIONER = 'skiff.dev/local-path';

export const LOCAL_PATH_STORAGE_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
};
