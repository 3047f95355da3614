// The VolumeBinding and VolumeRestrictions checks of kube-scheduler, for claims bound at
// once (Immediate): a pod waits while a claim it names is missing, being deleted or not
// bound yet, and goes only to nodes its bound volumes' node affinity allows.

import type { KubeObject } from '../api/types.js';
import type { Informer, ResourceRef } from '../client/index.js';
import { matchesAnyTerm } from './predicates.js';

type Spec = Record<string, unknown>;

export const CLAIMS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  namespaced: true,
};
export const VOLUMES: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumes',
  namespaced: false,
};

export const STORAGE_CLASSES: ResourceRef = {
  group: 'storage.k8s.io',
  version: 'v1',
  plural: 'storageclasses',
  namespaced: false,
};

/** Set on a claim of a WaitForFirstConsumer class: the node its first pod goes to. */
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

export const VOLUME_NODE_CONFLICT = 'node(s) had volume node affinity conflict';

/** The claims a pod's volumes name directly. */
const claimNames = (pod: KubeObject): string[] =>
  ((((pod['spec'] ?? {}) as Spec)['volumes'] as Spec[] | undefined) ?? []).flatMap((v) => {
    const name = (v['persistentVolumeClaim'] as Spec | undefined)?.['claimName'];
    return typeof name === 'string' ? [name] : [];
  });

/** What the volume checks decided before the nodes are filtered. */
export type PodVolumes =
  | { unresolvable: string }
  /** A claim is being provisioned or bound for the node chosen before: the pod waits. */
  | { waiting: true }
  /** The bound volumes' node terms, and the claims to bind once a node is chosen. */
  | { terms: unknown[][]; delayed: KubeObject[] };

/**
 * PreFilter: why no node can take the pod now (a reason that is not per node), or the
 * node selector terms its bound volumes require and the claims of WaitForFirstConsumer
 * classes still to be bound (on the node the pod will go to).
 */
export function podVolumes(
  pod: KubeObject,
  claims: Informer,
  volumes: Informer,
  classes: Informer,
): PodVolumes {
  const ns = pod.metadata.namespace ?? '';
  const terms: unknown[][] = [];
  const delayed: KubeObject[] = [];
  let unbound = false;
  let waiting = false;
  for (const name of claimNames(pod)) {
    const claim = claims.get(ns, name);
    if (!claim) return { unresolvable: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata.deletionTimestamp)
      return { unresolvable: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = ((claim['spec'] ?? {}) as Spec)['volumeName'];
    const pv =
      typeof volumeName === 'string' && volumeName ? volumes.get('', volumeName) : undefined;
    if (!pv) {
      const className = ((claim['spec'] ?? {}) as Spec)['storageClassName'];
      const cls =
        typeof className === 'string' && className ? classes.get('', className) : undefined;
      if (cls?.['volumeBindingMode'] !== 'WaitForFirstConsumer') unbound = true;
      else if (claim.metadata.annotations?.[SELECTED_NODE]) waiting = true;
      else delayed.push(claim);
      continue;
    }
    const required = (((pv['spec'] ?? {}) as Spec)['nodeAffinity'] as Spec | undefined)?.[
      'required'
    ] as { nodeSelectorTerms?: unknown[] } | undefined;
    if (required?.nodeSelectorTerms) terms.push(required.nodeSelectorTerms);
  }
  if (unbound) return { unresolvable: 'pod has unbound immediate PersistentVolumeClaims' };
  if (waiting) return { waiting: true };
  return { terms, delayed };
}

/** Filter: whether every bound volume of the pod may be used on the node. */
export const volumesFit = (terms: unknown[][], node: KubeObject): boolean =>
  terms.every((t) => matchesAnyTerm(t as Parameters<typeof matchesAnyTerm>[0], node));
