// The parts of claims, volumes and classes the controllers read and write, and the
// annotations kube's PersistentVolume controller puts on them.

import type { KubeObject } from '../../api/types.js';
import { resources } from '../../client/index.js';

export interface ClaimRef {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface Claim extends KubeObject {
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string> };
    selector?: unknown;
    storageClassName?: string | null;
    volumeName?: string;
    volumeMode?: string;
  };
  status?: {
    phase?: string;
    accessModes?: string[];
    capacity?: Record<string, string>;
    [field: string]: unknown;
  };
}

export interface Volume extends KubeObject {
  spec?: {
    accessModes?: string[];
    capacity?: Record<string, string>;
    claimRef?: ClaimRef | null;
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    hostPath?: { path?: string; type?: string };
    local?: { path?: string };
    nodeAffinity?: unknown;
    [field: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; [field: string]: unknown };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  mountOptions?: string[];
  parameters?: Record<string, string>;
}

export const { persistentVolumeClaims, persistentVolumes, storageClasses } = resources;

/** On a claim: the binder finished binding it (never removed once set). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** On a claim or volume: the binder, not the user, set the bind target. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** On a volume: the plugin that provisioned it (and so deletes it). */
export const ANN_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
/** On a claim: the provisioner asked to provision it. */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
/** On a claim of a WaitForFirstConsumer class: the node the scheduler chose for its pod. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
