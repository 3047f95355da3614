// Which ReplicaSets a Deployment controls: those whose controller reference names it and
// whose labels still match its selector. Orphans that match are adopted; controlled ones
// that no longer match are released (ControllerRefManager's rules).

import type { LabelSelector } from '../../api/labels.js';
import { fromLabelSelectorObject, matchesLabels } from '../../api/labels.js';
import type { OwnerReference } from '../../api/types.js';
import { isNotFound, resources, StatusError } from '../../client/index.js';
import type { SyncEnv } from './env.js';
import { controllerRefTo } from './newrs.js';
import type { Deployment, Pod, ReplicaSet } from './types.js';

export const controllerOf = (o: {
  metadata: { ownerReferences?: OwnerReference[] };
}): OwnerReference | undefined => o.metadata.ownerReferences?.find((r) => r.controller === true);

export function selectorOf(d: Deployment): LabelSelector {
  const sel = fromLabelSelectorObject(d.spec?.selector ?? {});
  if (!sel)
    throw new Error(
      `deployment ${d.metadata.namespace}/${d.metadata.name} has invalid label selector`,
    );
  return sel;
}

const isInvalid = (e: unknown): boolean => e instanceof StatusError && e.code === 422;

export async function claimReplicaSets(
  env: SyncEnv,
  d: Deployment,
  all: ReplicaSet[],
): Promise<ReplicaSet[]> {
  const selector = selectorOf(d);
  const ns = d.metadata.namespace ?? '';
  const uid = d.metadata.uid ?? '';
  // Before the first adoption, make sure the Deployment is still there and not going away
  // (the cache may be behind a delete).
  let canAdopt: Promise<void> | undefined;
  const recheck = async (): Promise<void> => {
    const fresh = await env.client.get<Deployment>(
      resources.deployments,
      ns,
      d.metadata.name ?? '',
    );
    if (fresh.metadata.uid !== uid)
      throw new Error(
        `original Deployment ${ns}/${d.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${uid}`,
      );
    if (fresh.metadata.deletionTimestamp)
      throw new Error(
        `${ns}/${d.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`,
      );
  };

  const claimed: ReplicaSet[] = [];
  const errors: unknown[] = [];
  for (const rs of all) {
    const matches = matchesLabels(selector, rs.metadata.labels);
    const ref = controllerOf(rs);
    try {
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches) {
          claimed.push(rs);
          continue;
        }
        if (d.metadata.deletionTimestamp) continue;
        await release(env, d, rs);
        continue;
      }
      if (d.metadata.deletionTimestamp || !matches) continue;
      if (rs.metadata.deletionTimestamp) continue;
      if (rs.metadata.namespace !== ns) continue;
      await (canAdopt ??= recheck());
      await adopt(env, d, rs);
      claimed.push(rs);
    } catch (e) {
      if (isNotFound(e)) continue;
      if (ref && isInvalid(e)) continue;
      errors.push(e);
    }
  }
  if (errors.length) {
    const msgs = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    throw new Error(msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`);
  }
  return claimed;
}

function adopt(env: SyncEnv, d: Deployment, rs: ReplicaSet): Promise<unknown> {
  return env.client.patch(
    resources.replicaSets,
    rs.metadata.namespace ?? '',
    rs.metadata.name ?? '',
    'strategic',
    { metadata: { ownerReferences: [controllerRefTo(d)], uid: rs.metadata.uid } },
  );
}

function release(env: SyncEnv, d: Deployment, rs: ReplicaSet): Promise<unknown> {
  return env.client.patch(
    resources.replicaSets,
    rs.metadata.namespace ?? '',
    rs.metadata.name ?? '',
    'strategic',
    {
      metadata: {
        ownerReferences: [{ $patch: 'delete', uid: d.metadata.uid }],
        uid: rs.metadata.uid,
      },
    },
  );
}

/** The Deployment's pods (by selector), grouped by the claimed ReplicaSet controlling them. */
export function podMapFor(d: Deployment, rsList: ReplicaSet[], pods: Pod[]): Map<string, Pod[]> {
  const selector = selectorOf(d);
  const map = new Map<string, Pod[]>();
  for (const rs of rsList) map.set(rs.metadata.uid ?? '', []);
  for (const pod of pods) {
    if (!matchesLabels(selector, pod.metadata.labels)) continue;
    const ref = controllerOf(pod);
    if (!ref) continue;
    map.get(ref.uid)?.push(pod);
  }
  return map;
}
