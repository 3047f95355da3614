// Which owners an informer event concerns, as kube's ReplicaSet controller decides it: a pod
// with a controller reference wakes that owner only (and counts toward its expectations);
// an orphan wakes every owner whose selector matches it, which may then adopt it; a pod
// that changes owner or labels wakes the old owner too.

import { matchesLabels } from '../../api/labels.js';
import { keyOf, type Informer } from '../../client/index.js';
import { controllerOf } from './claim.js';
import type { Expectations } from './expectations.js';
import type { OwnerKind } from './kinds.js';
import { podKey } from './podutil.js';
import type { Pod, ReplicaOwner } from './types.js';

export interface RoutingOptions {
  kind: OwnerKind;
  owners: Informer<ReplicaOwner>;
  pods: Informer<Pod>;
  expectations: Expectations;
  enqueue(owner: ReplicaOwner): void;
}

const sameLabels = (a: Pod, b: Pod): boolean => {
  const x = a.metadata.labels ?? {};
  const y = b.metadata.labels ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => y[k] === x[k]);
};

const sameRef = (a: ReturnType<typeof controllerOf>, b: ReturnType<typeof controllerOf>): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function routeEvents(opts: RoutingOptions): void {
  const { kind, owners, pods, expectations, enqueue } = opts;

  /** The owner a controller reference points at, if it is one of ours and still the same. */
  const resolve = (ns: string, ref: ReturnType<typeof controllerOf>): ReplicaOwner | undefined => {
    if (!ref || ref.kind !== kind.kind) return undefined;
    const o = owners.get(ns, ref.name);
    return o && o.metadata.uid === ref.uid ? o : undefined;
  };

  /** Owners whose selector matches an orphan (an empty selector matches nothing here). */
  const ownersSelecting = (pod: Pod): ReplicaOwner[] => {
    if (!Object.keys(pod.metadata.labels ?? {}).length) return [];
    return owners.list(pod.metadata.namespace).filter((o) => {
      const sel = kind.selector(o);
      return sel !== null && sel.length > 0 && matchesLabels(sel, pod.metadata.labels);
    });
  };

  owners.on({
    add: enqueue,
    update(old, cur) {
      if (old.metadata.uid !== cur.metadata.uid) expectations.delete(keyOf(old));
      enqueue(cur);
    },
    delete(o) {
      expectations.delete(keyOf(o));
      enqueue(o);
    },
  });

  const podDeleted = (pod: Pod): void => {
    const owner = resolve(pod.metadata.namespace ?? '', controllerOf(pod));
    if (!owner) return;
    expectations.deletionObserved(keyOf(owner), podKey(pod));
    enqueue(owner);
  };

  pods.on({
    add(pod) {
      // A pod already being deleted (seen after a restart) is no creation to count.
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const ref = controllerOf(pod);
      if (ref) {
        const owner = resolve(pod.metadata.namespace ?? '', ref);
        if (!owner) return;
        expectations.creationObserved(keyOf(owner));
        return enqueue(owner);
      }
      for (const o of ownersSelecting(pod)) enqueue(o);
    },
    update(old, cur) {
      if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
      const labelsChanged = !sameLabels(old, cur);
      // A pod being deleted gracefully counts as gone now: replacements start at once.
      if (cur.metadata.deletionTimestamp) {
        podDeleted(cur);
        if (labelsChanged) podDeleted(old);
        return;
      }
      const curRef = controllerOf(cur);
      const oldRef = controllerOf(old);
      const refChanged = !sameRef(curRef, oldRef);
      if (refChanged && oldRef) {
        const prev = resolve(old.metadata.namespace ?? '', oldRef);
        if (prev) enqueue(prev);
      }
      if (curRef) {
        const owner = resolve(cur.metadata.namespace ?? '', curRef);
        if (owner) enqueue(owner);
        return;
      }
      if (labelsChanged || refChanged) for (const o of ownersSelecting(cur)) enqueue(o);
    },
    delete: podDeleted,
  });
}
