// The DaemonSet's history (kube's constructHistory, snapshot and cleanupHistory): one
// ControllerRevision per distinct template, named `<ds>-<hash>`, whose data is the patch
// that puts that template back (what `kubectl rollout undo` applies). The current one
// carries the highest revision number; old ones beyond revisionHistoryLimit go, unless a
// pod still runs them. The revision's hash label is the one pods get.

import type { KubeObject } from '../../api/types.js';
import {
  isAlreadyExists,
  isNotFound,
  resources,
  type Client,
  type Informer,
} from '../../client/index.js';
import { canonicalJson } from '../../api/json.js';
import { computeHash } from '../deployment/hash.js';
import type { Pod } from '../replicaset/types.js';
import { REVISION_HASH_LABEL, type DaemonSet } from './types.js';
import { newControllerRef } from '../../api/owners.js';

export interface Revision extends KubeObject {
  data?: unknown;
  revision?: number;
}

/** getPatch: the DaemonSet's template, marked to replace whatever template it is applied to. */
export function templatePatch(ds: DaemonSet): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } };
}

const sameData = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
const numberOf = (r: Revision): number => (typeof r.revision === 'number' ? r.revision : 0);

export interface History {
  current: Revision;
  old: Revision[];
  /** The hash label pods of the current template carry. */
  hash: string;
}

export async function constructHistory(
  client: Client,
  revisions: Informer<Revision>,
  ds: DaemonSet,
): Promise<History> {
  const ns = ds.metadata.namespace ?? '';
  const owned = revisions
    .list(ns)
    .filter((r) =>
      r.metadata.ownerReferences?.some((o) => o.controller && o.uid === ds.metadata.uid),
    );
  const patch = templatePatch(ds);
  const matching = owned.filter((r) => sameData(r.data, patch));
  const old = owned.filter((r) => !sameData(r.data, patch));
  const next = Math.max(0, ...old.map(numberOf)) + 1;
  let current = matching.sort((a, b) => numberOf(b) - numberOf(a))[0];
  if (!current) current = await snapshot(client, ds, patch, next);
  else if (numberOf(current) < next)
    current = await client.update<Revision>(resources.controllerRevisions, {
      ...current,
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      revision: next,
    });
  const hash = current.metadata.labels?.[REVISION_HASH_LABEL] ?? current.metadata.name ?? '';
  return { current, old, hash };
}

async function snapshot(
  client: Client,
  ds: DaemonSet,
  patch: Record<string, unknown>,
  revision: number,
): Promise<Revision> {
  const ns = ds.metadata.namespace ?? '';
  const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
  const name = `${ds.metadata.name ?? ''}-${hash}`;
  const body: Revision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: ns,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    data: patch,
    revision,
  };
  try {
    return await client.create<Revision>(resources.controllerRevisions, ns, body);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    const existing = await client.get<Revision>(resources.controllerRevisions, ns, name);
    if (sameData(existing.data, patch)) return existing;
    // A different template under the same hash: count the collision and try again later.
    const fresh = await client.get<DaemonSet>(resources.daemonSets, ns, ds.metadata.name ?? '');
    if ((fresh.status?.collisionCount ?? 0) !== (ds.status?.collisionCount ?? 0))
      throw new Error(
        `found a stale collision count (${ds.status?.collisionCount ?? 0}, expected ${fresh.status?.collisionCount ?? 0}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`,
      );
    await client.update(
      resources.daemonSets,
      {
        ...fresh,
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        status: {
          ...(fresh.status ?? {}),
          collisionCount: (fresh.status?.collisionCount ?? 0) + 1,
        },
      },
      'status',
    );
    throw e;
  }
}

/** cleanupHistory: the oldest revisions beyond the limit that no pod runs. */
export async function cleanupHistory(
  client: Client,
  ds: DaemonSet,
  old: Revision[],
  pods: Pod[],
): Promise<void> {
  const limit =
    (ds.spec as { revisionHistoryLimit?: number } | undefined)?.revisionHistoryLimit ?? 10;
  let toKill = old.length - limit;
  if (toKill <= 0) return;
  const live = new Set(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]).filter(Boolean));
  for (const r of [...old].sort((a, b) => numberOf(a) - numberOf(b))) {
    if (toKill <= 0) break;
    if (live.has(r.metadata.labels?.[REVISION_HASH_LABEL])) continue;
    try {
      await client.delete(
        resources.controllerRevisions,
        r.metadata.namespace ?? '',
        r.metadata.name ?? '',
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    toKill--;
  }
}
