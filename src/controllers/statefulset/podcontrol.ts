// Pod and claim writes on a StatefulSet's behalf (stateful_pod_control.go), with the events
// kube-controller-manager records: `create Pod web-0 in StatefulSet web successful`,
// `create Claim www-web-0 Pod web-0 in StatefulSet web success`, and their failures.
// Claims are made before their pod; a claim that cannot be made keeps the pod from being
// created.

import type { KubeObject, OwnerReference } from '../../api/types.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  resources,
  type Client,
  type EventRecorder,
} from '../../client/index.js';
import type { Pod } from '../replicaset/types.js';
import {
  claimName,
  controllerRefTo,
  identityMatches,
  inOrdinalRange,
  ordinalOf,
  storageMatches,
  updateIdentity,
  updateStorage,
} from './identity.js';
import { persistentVolumeClaims, type StatefulSet } from './types.js';
import { newControllerRef } from '../../api/owners.js';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** errors.NewAggregate's text: one error as itself, several in brackets. */
function aggregate(errs: string[]): Error | undefined {
  if (!errs.length) return undefined;
  return new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
}

type Claim = KubeObject & { spec?: unknown };

/** getPersistentVolumeClaims: one claim per template, labelled with the set's matchLabels. */
export function claimsFor(set: StatefulSet, pod: Pod): Claim[] {
  const ordinal = ordinalOf(pod);
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => {
    const claim = structuredClone(t) as Claim;
    delete claim['status'];
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...(claim.metadata ?? {}),
      name: claimName(set, t, ordinal),
      namespace: set.metadata.namespace ?? '',
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
    };
    return claim;
  });
}

const RETAIN = 'Retain';
const DELETE = 'Delete';

function retentionPolicy(set: StatefulSet): { whenDeleted: string; whenScaled: string } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? RETAIN, whenScaled: p?.whenScaled ?? RETAIN };
}

const podRef = (pod: Pod): OwnerReference => newControllerRef(pod, 'v1', 'Pod');

/**
 * The owners a claim should have under the retention policy (updateClaimOwnerRefForSetAndPod):
 * the set when claims go with it, the pod once it is scaled away when they go with that.
 */
export function wantedClaimOwners(set: StatefulSet, pod: Pod): OwnerReference[] {
  const { whenDeleted, whenScaled } = retentionPolicy(set);
  const scaledDown = !inOrdinalRange(pod, set);
  const refs: OwnerReference[] = [];
  if (whenDeleted === DELETE && !(whenScaled === DELETE && scaledDown))
    refs.push(controllerRefTo(set));
  if (whenScaled === DELETE && scaledDown && pod.metadata.uid) refs.push(podRef(pod));
  return refs;
}

/** A claim's references to this set or pod, kept apart from references to anything else. */
function splitRefs(claim: KubeObject, set: StatefulSet, pod: Pod) {
  const ours = (r: OwnerReference): boolean =>
    (r.kind === 'StatefulSet' && r.apiVersion === 'apps/v1' && r.name === set.metadata.name) ||
    (r.kind === 'Pod' && r.apiVersion === 'v1' && r.name === pod.metadata.name);
  const refs = claim.metadata.ownerReferences ?? [];
  return { ours: refs.filter(ours), others: refs.filter((r) => !ours(r)) };
}

const sameRefs = (a: OwnerReference[], b: OwnerReference[]): boolean =>
  JSON.stringify(a.map((r) => r.uid).sort()) === JSON.stringify(b.map((r) => r.uid).sort());

export interface StatefulPodControl {
  createPod(set: StatefulSet, pod: Pod): Promise<void>;
  deletePod(set: StatefulSet, pod: Pod): Promise<void>;
  /** Fixes a pod's identity and storage (UpdateStatefulPod). */
  updatePod(set: StatefulSet, pod: Pod): Promise<void>;
  /** Creates the claims a pending pod is missing (createMissingPersistentVolumeClaims). */
  createMissingClaims(set: StatefulSet, pod: Pod): Promise<void>;
  /** PodClaimIsStale: a claim still owned by an earlier pod of the same name. */
  claimIsStale(set: StatefulSet, pod: Pod): Promise<boolean>;
  /** UpdatePodClaimForRetentionPolicy: the claims' owners as the policy says. */
  fixClaimOwners(set: StatefulSet, pod: Pod): Promise<void>;
}

export function createStatefulPodControl(
  client: Client,
  recorder: EventRecorder,
): StatefulPodControl {
  const podEvent = (verb: string, set: StatefulSet, pod: Pod, err?: unknown): void => {
    const reason = `${err === undefined ? 'Successful' : 'Failed'}${verb[0]?.toUpperCase()}${verb.slice(1)}`;
    if (err === undefined)
      recorder.event(
        set,
        'Normal',
        reason,
        `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
      );
    else
      recorder.event(
        set,
        'Warning',
        reason,
        `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorText(err)}`,
      );
  };
  const claimEvent = (set: StatefulSet, pod: Pod, claim: string, err?: unknown): void => {
    if (err === undefined)
      recorder.event(
        set,
        'Normal',
        'SuccessfulCreate',
        `create Claim ${claim} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`,
      );
    else
      recorder.event(
        set,
        'Warning',
        'FailedCreate',
        `create Claim ${claim} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${errorText(err)}`,
      );
  };

  /** createPersistentVolumeClaims: every missing claim, with its owners per the policy. */
  async function createClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errs: string[] = [];
    for (const claim of claimsFor(set, pod)) {
      const ns = claim.metadata.namespace ?? '';
      const name = claim.metadata.name ?? '';
      let existing: KubeObject | undefined;
      try {
        existing = await client.get(persistentVolumeClaims, ns, name);
      } catch (e) {
        if (!isNotFound(e)) {
          errs.push(`failed to retrieve PVC ${name}: ${errorText(e)}`);
          claimEvent(set, pod, name, e);
          continue;
        }
      }
      if (existing) {
        if (existing.metadata.deletionTimestamp) errs.push(`pvc ${name} is being deleted`);
        continue;
      }
      const owners = wantedClaimOwners(set, pod);
      if (owners.length) claim.metadata.ownerReferences = owners;
      try {
        await client.create(persistentVolumeClaims, ns, claim);
        claimEvent(set, pod, name);
      } catch (e) {
        errs.push(`failed to create PVC ${name}: ${errorText(e)}`);
        if (!isAlreadyExists(e)) claimEvent(set, pod, name, e);
      }
    }
    const err = aggregate(errs);
    if (err) throw err;
  }

  return {
    async createPod(set, pod) {
      try {
        await createClaims(set, pod);
      } catch (e) {
        podEvent('create', set, pod, e);
        throw e;
      }
      try {
        await client.create(resources.pods, set.metadata.namespace ?? '', pod);
      } catch (e) {
        // A pod of that name already there: the cache is behind; the next sync sees it.
        if (isAlreadyExists(e)) throw e;
        podEvent('create', set, pod, e);
        throw e;
      }
      podEvent('create', set, pod);
    },

    async deletePod(set, pod) {
      try {
        await client.delete(resources.pods, pod.metadata.namespace ?? '', pod.metadata.name ?? '');
      } catch (e) {
        podEvent('delete', set, pod, e);
        throw e;
      }
      podEvent('delete', set, pod);
    },

    async updatePod(set, pod) {
      let cur = structuredClone(pod);
      for (let attempt = 0; ; attempt++) {
        if (!identityMatches(set, cur)) updateIdentity(set, cur);
        if (!storageMatches(set, cur)) {
          updateStorage(set, cur);
          try {
            await createClaims(set, cur);
          } catch (e) {
            podEvent('update', set, pod, e);
            throw e;
          }
        }
        try {
          await client.update(resources.pods, { ...cur, apiVersion: 'v1', kind: 'Pod' });
          podEvent('update', set, pod);
          return;
        } catch (e) {
          if (!isConflict(e) || attempt >= 4) {
            podEvent('update', set, pod, e);
            throw e;
          }
          cur = await client.get<Pod>(
            resources.pods,
            pod.metadata.namespace ?? '',
            pod.metadata.name ?? '',
          );
        }
      }
    },

    createMissingClaims: (set, pod) => createClaims(set, pod),

    async claimIsStale(set, pod) {
      const { whenDeleted, whenScaled } = retentionPolicy(set);
      if (whenDeleted === RETAIN && whenScaled === RETAIN) return false;
      for (const claim of claimsFor(set, pod)) {
        let existing: KubeObject;
        try {
          existing = await client.get(
            persistentVolumeClaims,
            claim.metadata.namespace ?? '',
            claim.metadata.name ?? '',
          );
        } catch (e) {
          if (isNotFound(e)) continue;
          throw e;
        }
        const ref = existing.metadata.ownerReferences?.find(
          (r) => r.kind === 'Pod' && r.apiVersion === 'v1' && r.name === pod.metadata.name,
        );
        if (ref && ref.uid !== pod.metadata.uid) return true;
      }
      return false;
    },

    async fixClaimOwners(set, pod) {
      for (const claim of claimsFor(set, pod)) {
        let existing: KubeObject;
        try {
          existing = await client.get(
            persistentVolumeClaims,
            claim.metadata.namespace ?? '',
            claim.metadata.name ?? '',
          );
        } catch (e) {
          if (isNotFound(e)) continue;
          throw e;
        }
        const { ours, others } = splitRefs(existing, set, pod);
        const wanted = wantedClaimOwners(set, pod);
        if (sameRefs(ours, wanted)) continue;
        await client.update(persistentVolumeClaims, {
          ...existing,
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { ...existing.metadata, ownerReferences: [...others, ...wanted] },
        });
      }
    },
  };
}
