// The StatefulSet controller (kube-controller-manager's pkg/controller/statefulset):
// StatefulSet, pod and revision events → set keys in a queue → sync(key), which claims the
// set's pods (adopting orphans whose names are the set's, releasing pods that no longer
// match), works out the current and update revisions, runs one pass of the control loop
// (control.ts), records the status and trims the history.

import { fromLabelSelectorObject, type LabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  resources,
  splitKey,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { claimPods, controllerOf } from '../replicaset/claim.js';
import { createExpectations } from '../replicaset/expectations.js';
import type { OwnerKind } from '../replicaset/kinds.js';
import { createPodControl } from '../replicaset/podcontrol.js';
import { routeEvents } from '../replicaset/routing.js';
import type { Pod, ReplicaOwner } from '../replicaset/types.js';
import { updateStatefulSet } from './control.js';
import { ownedRevisions, statefulSetRevisions, truncateHistory, type Revision } from './history.js';
import { isMemberOf } from './identity.js';
import { createStatefulPodControl } from './podcontrol.js';
import { completeRollingUpdate, statusChanged, wireStatus } from './status.js';
import { statefulSets, type StatefulSet, type StatefulSetStatus } from './types.js';

export const COMPONENT = 'statefulset-controller';
const WORKERS = 2;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const statefulSetKind: OwnerKind = {
  name: 'statefulset-controller',
  component: COMPONENT,
  resource: statefulSets,
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  selector(set) {
    const sel = set.spec?.selector;
    if (sel === undefined || sel === null) return null;
    return fromLabelSelectorObject(sel) ?? null;
  },
};

export const statefulSetController: Controller = {
  name: statefulSetKind.name,
  start: (ctx) => start(ctx),
};

function start(ctx: ControllerContext): void {
  const kind = statefulSetKind;
  const sets = ctx.informers.for<ReplicaOwner>(statefulSets);
  const pods = ctx.informers.for<Pod>(resources.pods);
  const revisions = ctx.informers.for<Revision>(resources.controllerRevisions);
  const recorder = ctx.recorder(COMPONENT);
  const podControl = createPodControl(ctx.client, kind, recorder);
  const statefulControl = createStatefulPodControl(ctx.client, recorder);
  const queue = createWorkQueue();
  const typed = (o: KubeObject): StatefulSet => ({
    ...o,
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
  });
  const enqueue = (o: KubeObject): void => queue.add(keyOf(o));
  // kube's StatefulSet controller keeps no expectations: pod names are fixed, so a create
  // the cache does not show yet fails as AlreadyExists and is retried.
  routeEvents({ kind, owners: sets, pods, expectations: createExpectations(ctx.clock), enqueue });
  revisions.on({
    delete(r) {
      const ref = controllerOf(r);
      if (ref?.kind !== 'StatefulSet') return;
      const set = sets.get(r.metadata.namespace ?? '', ref.name);
      if (set?.metadata.uid === ref.uid) enqueue(set);
    },
  });

  /** StatefulSetStatusUpdater: the status subresource, re-read once on a conflict. */
  async function writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    let base = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await ctx.client.update(
          statefulSets,
          { ...typed(base), status: wireStatus(base, status) },
          'status',
        );
        return;
      } catch (e) {
        if (attempt >= 1 || !isConflict(e)) throw e;
        base = await ctx.client.get<StatefulSet>(
          statefulSets,
          set.metadata.namespace ?? '',
          set.metadata.name ?? '',
        );
      }
    }
  }

  /**
   * ClaimPods' filter: a pod the set controls whose name is not one of its members is
   * released (not while the set is being deleted); the members are returned.
   */
  async function releaseNonMembers(set: StatefulSet, owned: Pod[]): Promise<Pod[]> {
    const members: Pod[] = [];
    for (const pod of owned) {
      if (isMemberOf(set, pod)) members.push(pod);
      else if (!set.metadata.deletionTimestamp)
        await podControl
          .patch(pod, {
            metadata: {
              ownerReferences: [{ $patch: 'delete', uid: set.metadata.uid }],
              uid: pod.metadata.uid,
            },
          })
          .catch((e: unknown) => {
            if (!isNotFound(e)) throw e;
          });
    }
    return members;
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = sets.get(ns, name);
    if (!cached) return;
    const set = typed(cached);
    const selector: LabelSelector | null = kind.selector(cached);
    if (selector === null) return;
    // Orphans are adopted only when their names make them members of this set.
    const candidates = pods.list(ns).filter((p) => (controllerOf(p) ? true : isMemberOf(set, p)));
    const owned = await claimPods(
      {
        kind,
        owner: cached,
        selector,
        pods: podControl,
        getFresh: () => ctx.client.get<ReplicaOwner>(statefulSets, ns, name),
      },
      candidates,
    );
    const claimed = await releaseNonMembers(set, owned);
    const history = ownedRevisions(revisions, set);
    const { current, update, collisionCount } = await statefulSetRevisions(
      ctx.client,
      set,
      history,
    );
    const now = ctx.clock.now();
    const { status, error } = await updateStatefulSet(
      { set, pods: claimed, current, update, collisionCount, now },
      statefulControl,
    );
    completeRollingUpdate(set, status);
    if (statusChanged(set, status)) await writeStatus(set, status);
    await truncateHistory(ctx.client, set, claimed, history, [current, update]);
    // Ready pods not yet available for minReadySeconds: look again once they may be.
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.availableReplicas ?? 0) !== (set.spec?.replicas ?? 1))
      queue.addAfter(key, minReady * 1000);
    if (error !== undefined) throw error;
  }

  void (async () => {
    await Promise.all([sets.synced(), pods.synced(), revisions.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(WORKERS, sync, ctx.signal, (key, err) => {
      if (!isNotFound(err)) ctx.logger.info('sync failed', { key, err: errorText(err) });
    });
  })();
}
