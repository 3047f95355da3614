// The built-in provisioner behind the `local-path` StorageClass: each claim gets a directory
// under the local node's data directory (`<dir>/pvc-<uid>_<namespace>_<name>`, as k3s's
// local-path provisioner names them), served as a hostPath volume with node affinity to
// that node, and removed when its volume is deleted.

import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { LOCAL_PATH_PROVISIONER } from '../../api/kinds/index.js';
import type { Claim, StorageClass, Volume } from './types.js';
import { ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY } from './types.js';

export interface LocalPathOptions {
  /** The node whose directories these are (this process's own node). */
  nodeName: string;
  /** Where the volumes' directories live. */
  directory: string;
}

/** provisionClaimOperation's volume name: one per claim. */
export const volumeNameFor = (claim: Claim): string => `pvc-${claim.metadata.uid ?? ''}`;

/** Makes the claim's directory and returns the volume that serves it, bound to the claim. */
export function provisionLocalPath(o: LocalPathOptions, claim: Claim, cls: StorageClass): Volume {
  const ns = claim.metadata.namespace ?? '';
  const name = claim.metadata.name ?? '';
  const path = join(resolve(o.directory), `${volumeNameFor(claim)}_${ns}_${name}`);
  // Written by any container user, as k3s's provisioner leaves them.
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name: volumeNameFor(claim),
      annotations: {
        [ANN_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER,
        [ANN_BOUND_BY_CONTROLLER]: 'yes',
      },
    },
    spec: {
      accessModes: claim.spec?.accessModes ?? [],
      capacity: { storage: claim.spec?.resources?.requests?.['storage'] ?? '0' },
      claimRef: {
        kind: 'PersistentVolumeClaim',
        namespace: ns,
        name,
        uid: claim.metadata.uid ?? '',
        apiVersion: 'v1',
        resourceVersion: claim.metadata.resourceVersion ?? '',
      },
      persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      storageClassName: cls.metadata.name ?? '',
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      ...(cls.mountOptions ? { mountOptions: cls.mountOptions } : {}),
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'kubernetes.io/hostname', operator: 'In', values: [o.nodeName] },
              ],
            },
          ],
        },
      },
    },
  };
}

/**
 * Removes a provisioned volume's directory. Only a directory directly under this
 * provisioner's own directory is ever removed, whatever the volume says.
 */
export function deleteLocalPath(o: LocalPathOptions, pv: Volume): void {
  const path = pv.spec?.hostPath?.path;
  if (!path) return;
  const base = resolve(o.directory);
  const rel = relative(base, resolve(path));
  if (!rel || rel.startsWith('..') || rel.includes(sep))
    throw new Error(`path ${path} is not a directory of the local-path provisioner`);
  rmSync(join(base, rel), { recursive: true, force: true });
}
