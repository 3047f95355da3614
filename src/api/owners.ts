// metav1.NewControllerRef: the owner reference a controller puts on what it makes — the
// owner as its controller, blocking the owner's foreground deletion until it is gone.

import type { KubeObject, OwnerReference } from './types.js';

export function newControllerRef(
  owner: KubeObject,
  apiVersion: string,
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
