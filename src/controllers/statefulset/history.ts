// A StatefulSet's history (getStatefulSetRevisions, newRevision, ApplyRevision and
// truncateHistory of kube's statefulset controller, over pkg/controller/history): one
// ControllerRevision per template, whose data is the patch that puts the template back.
// The update revision is the one matching the current template; the current revision is
// the one status.currentRevision names (the update revision when there is none). Pods carry
// their revision's name in the controller-revision-hash label.

import type { KubeObject } from '../../api/types.js';
import { canonicalJson } from '../../api/json.js';
import {
  isAlreadyExists,
  isNotFound,
  resources,
  type Client,
  type Informer,
} from '../../client/index.js';
import { fnv32a, safeEncode } from '../deployment/hash.js';
import type { Pod } from '../replicaset/types.js';
import { controllerRefTo, isControlledBy, podRevision } from './identity.js';
import { REVISION_LABEL, type StatefulSet } from './types.js';

export interface Revision extends KubeObject {
  data?: unknown;
  revision?: number;
}

const numberOf = (r: Revision): number => (typeof r.revision === 'number' ? r.revision : 0);
const sameData = (a: Revision, b: Revision): boolean =>
  canonicalJson(a.data) === canonicalJson(b.data);

/** SortControllerRevisions: by revision number, then creation time, then name. */
export function sortRevisions(revisions: Revision[]): Revision[] {
  const created = (r: Revision): number => Date.parse(r.metadata.creationTimestamp ?? '') || 0;
  return [...revisions].sort(
    (a, b) =>
      numberOf(a) - numberOf(b) ||
      created(a) - created(b) ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** The revisions the set controls, sorted. */
export function ownedRevisions(revisions: Informer<Revision>, set: StatefulSet): Revision[] {
  return sortRevisions(
    revisions.list(set.metadata.namespace ?? '').filter((r) => isControlledBy(r, set)),
  );
}

/** getPatch: the set's template, marked to replace whatever template it is applied to. */
export function templatePatch(set: StatefulSet): Record<string, unknown> {
  return {
    spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: 'replace' } },
  };
}

/** HashControllerRevision: FNV-32a of the data, then of the collision count's digits. */
export function revisionHash(data: unknown, collisionCount: number): string {
  const h = fnv32a(new TextEncoder().encode(canonicalJson(data)));
  return safeEncode(String(fnv32a(new TextEncoder().encode(String(collisionCount)), h)));
}

/** ControllerRevisionName: `<set>-<hash>`, the prefix cut to 223 characters. */
const revisionName = (set: StatefulSet, hash: string): string =>
  `${(set.metadata.name ?? '').slice(0, 223)}-${hash}`;

/** newRevision: the set's template as revision `revision` (named by its hash). */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): Revision {
  const data = templatePatch(set);
  const hash = revisionHash(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(set, hash),
      namespace: set.metadata.namespace ?? '',
      labels: { ...(set.spec?.template?.metadata?.labels ?? {}), [REVISION_LABEL]: hash },
      ...(set.metadata.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
      ownerReferences: [controllerRefTo(set)],
    },
    data,
    revision,
  };
}

/** ApplyRevision: the set with the revision's template. */
export function applyRevision(set: StatefulSet, revision: Revision): StatefulSet {
  const template = structuredClone(
    (revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec
      ?.template ?? {},
  );
  delete template['$patch'];
  return { ...set, spec: { ...(set.spec ?? {}), template } };
}

export interface SetRevisions {
  current: Revision;
  update: Revision;
  collisionCount: number;
}

/**
 * CreateControllerRevision: creates the revision, and on a name taken by different data
 * counts a collision and tries the next name.
 */
async function createRevision(
  client: Client,
  set: StatefulSet,
  revision: number,
  collisionCount: number,
): Promise<{ created: Revision; collisionCount: number }> {
  for (let count = collisionCount; ; count++) {
    const body = newRevision(set, revision, count);
    const ns = set.metadata.namespace ?? '';
    try {
      return {
        created: await client.create<Revision>(resources.controllerRevisions, ns, body),
        collisionCount: count,
      };
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const existing = await client.get<Revision>(
        resources.controllerRevisions,
        ns,
        body.metadata.name ?? '',
      );
      if (sameData(existing, body)) return { created: existing, collisionCount: count };
    }
  }
}

/** getStatefulSetRevisions: the current and update revisions, creating or renumbering one. */
export async function statefulSetRevisions(
  client: Client,
  set: StatefulSet,
  revisions: Revision[],
): Promise<SetRevisions> {
  let collisionCount = set.status?.collisionCount ?? 0;
  const next = revisions.length ? numberOf(revisions[revisions.length - 1] as Revision) + 1 : 1;
  const wanted = newRevision(set, next, collisionCount);
  const equal = revisions.filter((r) => sameData(r, wanted));
  const last = revisions[revisions.length - 1];
  const lastEqual = equal[equal.length - 1];
  let update: Revision;
  if (lastEqual && last && sameData(last, lastEqual)) update = last;
  else if (lastEqual)
    // An older template again (a rollback): its revision becomes the newest.
    update = await client.update<Revision>(resources.controllerRevisions, {
      ...lastEqual,
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      revision: next,
    });
  else
    ({ created: update, collisionCount } = await createRevision(client, set, next, collisionCount));
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/**
 * truncateHistory: revisions that are neither current, nor update, nor run by a pod go,
 * oldest first, until revisionHistoryLimit remain.
 */
export async function truncateHistory(
  client: Client,
  set: StatefulSet,
  pods: Pod[],
  revisions: Revision[],
  live: (Revision | undefined)[],
): Promise<void> {
  const keep = new Set<string>(pods.map(podRevision));
  for (const r of live) if (r?.metadata.name) keep.add(r.metadata.name);
  const history = revisions.filter((r) => !keep.has(r.metadata.name ?? ''));
  const limit = set.spec?.revisionHistoryLimit ?? 10;
  if (limit < 0 || history.length <= limit) return;
  for (const r of history.slice(0, history.length - limit)) {
    try {
      await client.delete(
        resources.controllerRevisions,
        r.metadata.namespace ?? '',
        r.metadata.name ?? '',
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
