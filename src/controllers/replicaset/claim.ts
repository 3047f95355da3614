// Claiming pods (kube's controller-ref manager): an owner keeps the pods it controls that
// still match its selector, adopts matching orphans and releases its pods that no longer
// match. Pods controlled by someone else are never touched. An owner being deleted neither
// adopts nor releases; before the first adoption of a sync the owner is read fresh from the
// API, so an owner deleted (or replaced under the same name) since the cache saw it cannot
// adopt.

import { matchesLabels, type LabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import { isNotFound, StatusError } from '../../client/index.js';
import type { OwnerKind } from './kinds.js';
import { controllerRef, type PodControl } from './podcontrol.js';
import type { Pod, ReplicaOwner } from './types.js';

export const controllerOf = (
  o: KubeObject,
): { uid: string; kind: string; name: string } | undefined =>
  o.metadata.ownerReferences?.find((r) => r.controller === true);

export interface ClaimOptions {
  kind: OwnerKind;
  owner: ReplicaOwner;
  selector: LabelSelector | null;
  pods: PodControl;
  /** Reads the owner from the API (not the cache). */
  getFresh(): Promise<ReplicaOwner>;
}

/** The pods the owner controls after claiming; throws (after trying all) if any write failed. */
export async function claimPods(o: ClaimOptions, candidates: Pod[]): Promise<Pod[]> {
  const { owner, selector } = o;
  const uid = owner.metadata.uid;
  const deleting = !!owner.metadata.deletionTimestamp;
  const matches = (p: Pod): boolean =>
    selector !== null && matchesLabels(selector, p.metadata.labels);
  let canAdopt: Promise<void> | undefined;
  const recheck = (): Promise<void> =>
    (canAdopt ??= o.getFresh().then(
      (fresh) => {
        if (fresh.metadata.uid !== uid)
          throw new Error(
            `original ${o.kind.kind} ${owner.metadata.namespace}/${owner.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${uid}`,
          );
        if (fresh.metadata.deletionTimestamp)
          throw new Error(
            `${fresh.metadata.namespace}/${fresh.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
          );
      },
      (e: unknown) => {
        throw new Error(
          `can't recheck DeletionTimestamp: ${e instanceof Error ? e.message : String(e)}`,
        );
      },
    ));

  const claimed: Pod[] = [];
  const errors: unknown[] = [];
  for (const pod of candidates) {
    const ref = controllerOf(pod);
    try {
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches(pod)) {
          claimed.push(pod);
          continue;
        }
        if (!deleting) await release(o, pod);
        continue;
      }
      if (deleting || !matches(pod) || pod.metadata.deletionTimestamp) continue;
      if (pod.metadata.namespace !== owner.metadata.namespace) continue;
      try {
        await recheck();
      } catch (e) {
        throw new Error(
          `can't adopt Pod ${pod.metadata.namespace}/${pod.metadata.name} (${pod.metadata.uid}): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      await o.pods.patch(pod, {
        metadata: { ownerReferences: [controllerRef(o.kind, owner)], uid: pod.metadata.uid },
      });
      claimed.push(pod);
    } catch (e) {
      if (!isNotFound(e)) errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new Error(
      `[${errors.map((e) => (e instanceof Error ? e.message : String(e))).join(', ')}]`,
    );
  return claimed;
}

async function release(o: ClaimOptions, pod: Pod): Promise<void> {
  try {
    await o.pods.patch(pod, {
      metadata: {
        ownerReferences: [{ $patch: 'delete', uid: o.owner.metadata.uid }],
        uid: pod.metadata.uid,
      },
    });
  } catch (e) {
    // Gone, or no longer carrying the reference (or replaced under the same name): done.
    if (isNotFound(e) || (e instanceof StatusError && e.code === 422)) return;
    throw e;
  }
}
