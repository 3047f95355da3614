// Daemon pods: which template revision a pod runs, the order kube keeps pods on a node in,
// and the pod the controller creates for a node.

import type { Pod } from '../replicaset/types.js';
import { isPodAvailable } from '../replicaset/podutil.js';
import { pinToNode, withDaemonTolerations } from './placement.js';
import { controllerRef } from '../replicaset/podcontrol.js';
import type { OwnerKind } from '../replicaset/kinds.js';
import { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL, type DaemonSet } from './types.js';

/** Where apps/v1 keeps a DaemonSet's template generation (set by the API server). */
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export function templateGeneration(ds: DaemonSet): number {
  const v = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/** IsPodUpdated: the pod carries the current revision hash or template generation. */
export function isPodUpdated(pod: Pod, hash: string, generation: number): boolean {
  const labels = pod.metadata.labels ?? {};
  return (
    labels[REVISION_HASH_LABEL] === hash ||
    (generation > 0 && labels[TEMPLATE_GENERATION_LABEL] === String(generation))
  );
}

/** podByCreationTimestampAndPhase: scheduled first, then oldest, then by name. */
export function byAgeScheduledFirst(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

export const available = (pod: Pod, ds: DaemonSet, now: Date): boolean =>
  isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now);

/**
 * The pod for `node`: the template with the daemon tolerations, the revision labels, the
 * DaemonSet as controller and required node affinity naming the node.
 */
export function daemonPod(kind: OwnerKind, ds: DaemonSet, node: string, hash: string): Pod {
  const t = ds.spec?.template ?? {};
  const meta = t.metadata ?? {};
  const spec = structuredClone(t.spec ?? {});
  spec['tolerations'] = withDaemonTolerations(spec);
  pinToNode(spec, node);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name ?? ''}-`,
      labels: {
        ...(meta.labels ?? {}),
        [TEMPLATE_GENERATION_LABEL]: String(templateGeneration(ds)),
        [REVISION_HASH_LABEL]: hash,
      },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers?.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [controllerRef(kind, ds)],
    },
    spec,
  };
}
