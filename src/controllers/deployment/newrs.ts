// Finding (or creating) the ReplicaSet for the Deployment's current pod template, and
// keeping revision numbers in step: the new ReplicaSet always carries the highest
// revision, and the Deployment carries the new ReplicaSet's.

import { isAlreadyExists, resources, StatusError } from '../../client/index.js';
import {
  maxRevision,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  REVISION,
} from './annotations.js';
import { getCondition, newCondition, PROGRESSING, REASON, setCondition } from './conditions.js';
import { updateDeploymentStatus, updateReplicaSet, type SyncEnv } from './env.js';
import { computeHash, equalIgnoreHash } from './hash.js';
import { maxSurge } from './intstr.js';
import { hasProgressDeadline } from './progress.js';
import { findNewReplicaSet, findOldReplicaSets, newRSNewReplicas } from './replicasets.js';
import {
  DEPLOYMENT_API_VERSION,
  DEPLOYMENT_KIND,
  POD_TEMPLATE_HASH,
  specReplicas,
  type Deployment,
  type ReplicaSet,
} from './types.js';
import { deepCopy } from '../../api/json.js';
import { newControllerRef } from '../../api/owners.js';

export interface AllReplicaSets {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export async function getAllReplicaSetsAndSyncRevision(
  env: SyncEnv,
  d: Deployment,
  rsList: ReplicaSet[],
  createIfMissing: boolean,
): Promise<AllReplicaSets> {
  const oldRSs = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(env, d, rsList, oldRSs, createIfMissing);
  return { newRS, oldRSs };
}

export const controllerRefTo = (d: Deployment) =>
  newControllerRef(d, DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND);

const isNamespaceTerminating = (e: unknown): boolean => {
  if (!(e instanceof StatusError)) return false;
  const details = e.status['details'] as { causes?: { type?: string }[] } | undefined;
  return (details?.causes ?? []).some((c) => c.type === 'NamespaceTerminating');
};

/**
 * The ReplicaSet matching the Deployment's template, its annotations brought up to date;
 * created (sized by the strategy) when there is none and `createIfMissing` is set.
 */
export async function getNewReplicaSet(
  env: SyncEnv,
  d: Deployment,
  rsList: ReplicaSet[],
  oldRSs: ReplicaSet[],
  createIfMissing: boolean,
): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  const desired = specReplicas(d);
  const max = desired + maxSurge(d);
  const minReady = d.spec?.minReadySeconds ?? 0;

  if (existing) {
    const copy = deepCopy(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(
      d,
      copy,
      newRevision,
      true,
      desired,
      max,
    );
    if (annotationsUpdated || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
      copy.spec = { ...(copy.spec ?? {}), minReadySeconds: minReady };
      // The update brings this Deployment back here; its revision is copied then.
      return updateReplicaSet(env, copy);
    }
    let needsUpdate = setDeploymentRevision(d, copy.metadata.annotations?.[REVISION] ?? '');
    if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
      const msg = `Found new replica set "${copy.metadata.name ?? ''}"`;
      setCondition(
        (d.status ??= {}),
        newCondition(PROGRESSING, 'True', REASON.foundNewRS, msg, env.clock.now()),
      );
      needsUpdate = true;
    }
    if (needsUpdate) await updateDeploymentStatus(env, d);
    return copy;
  }

  if (!createIfMissing) return undefined;

  const template = deepCopy(d.spec?.template ?? {});
  const hash = computeHash(template, d.status?.collisionCount);
  const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
  template.metadata = { ...(template.metadata ?? {}), labels };
  const selector = deepCopy(d.spec?.selector ?? {});
  selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
  const name = `${d.metadata.name ?? ''}-${hash}`;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      ...(d.metadata.namespace !== undefined && { namespace: d.metadata.namespace }),
      ownerReferences: [controllerRefTo(d)],
      labels: { ...labels },
    },
    spec: { replicas: 0, minReadySeconds: minReady, selector, template },
  };
  const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  rs.spec = { ...rs.spec, replicas };
  setNewReplicaSetAnnotations(d, rs, newRevision, false, desired, max);

  let created: ReplicaSet;
  let alreadyExisted = false;
  try {
    created = await env.client.create<ReplicaSet>(
      resources.replicaSets,
      d.metadata.namespace ?? '',
      rs,
    );
  } catch (e) {
    if (isAlreadyExists(e)) {
      const found = env.replicaSets.get(d.metadata.namespace ?? '', name);
      if (!found) throw e;
      const ref = found.metadata.ownerReferences?.find((r) => r.controller);
      if (ref?.uid === d.metadata.uid && equalIgnoreHash(d.spec?.template, found.spec?.template)) {
        created = found;
        alreadyExisted = true;
      } else {
        // A hash collision: another template already has this name. Count it, so the next
        // sync hashes to a different name.
        const status = (d.status ??= {});
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        try {
          await updateDeploymentStatus(env, d);
        } catch {
          // The original error is the one to retry on.
        }
        throw e;
      }
    } else if (isNamespaceTerminating(e)) {
      throw e;
    } else {
      const msg = `Failed to create new replica set "${name}": ${e instanceof Error ? e.message : String(e)}`;
      if (hasProgressDeadline(d)) {
        setCondition(
          (d.status ??= {}),
          newCondition(PROGRESSING, 'False', REASON.failedRSCreate, msg, env.clock.now()),
        );
        try {
          await updateDeploymentStatus(env, d);
        } catch {
          // The create failure is the bigger problem to report.
        }
      }
      env.recorder.event(d, 'Warning', REASON.failedRSCreate, msg);
      throw e;
    }
  }

  if (!alreadyExisted && replicas > 0)
    env.recorder.event(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${created.metadata.name ?? ''} from 0 to ${replicas}`,
    );
  let needsUpdate = setDeploymentRevision(d, String(newRevision));
  if (!alreadyExisted && hasProgressDeadline(d)) {
    const msg = `Created new replica set "${created.metadata.name ?? ''}"`;
    setCondition(
      (d.status ??= {}),
      newCondition(PROGRESSING, 'True', REASON.newReplicaSet, msg, env.clock.now()),
    );
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(env, d);
  return created;
}
