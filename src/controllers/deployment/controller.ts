// The Deployment controller (pkg/controller/deployment in kube-controller-manager): watches
// Deployments, ReplicaSets and Pods, and for each Deployment key decides in this order:
// deleting → status only; paused → scale only; rollback requested → rollback; replicas
// changed → scale proportionally; otherwise roll out by the strategy.

import { fromLabelSelectorObject, matchesLabels } from '../../api/labels.js';
import type { OwnerReference } from '../../api/types.js';
import { createWorkQueue, isConflict, keyOf, resources, splitKey } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { rollbackTo } from './annotations.js';
import { claimReplicaSets, controllerOf, podMapFor } from './claim.js';
import type { SyncEnv } from './env.js';
import { rolloutRecreate } from './recreate.js';
import { rollback } from './rollback.js';
import { rolloutRolling } from './rolling.js';
import {
  checkPausedConditions,
  isScalingEvent,
  observeGeneration,
  syncScale,
  syncStatusOnly,
} from './sync.js';
import { DEPLOYMENT_KIND, type Deployment, type Pod, type ReplicaSet } from './types.js';
import { deepCopy } from '../../api/json.js';

const COMPONENT = 'deployment-controller';

const isTerminal = (p: Pod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const WORKERS = 4;

export const deploymentController: Controller = {
  name: COMPONENT,
  start(ctx: ControllerContext) {
    const deployments = ctx.informers.for<Deployment>(resources.deployments);
    const replicaSets = ctx.informers.for<ReplicaSet>(resources.replicaSets);
    const pods = ctx.informers.for<Pod>(resources.pods);
    const queue = createWorkQueue({ baseDelayMs: 5, maxDelayMs: 60_000 });
    const enqueue = (d: Deployment): void => queue.add(keyOf(d));

    const env: SyncEnv = {
      client: ctx.client,
      recorder: ctx.recorder(COMPONENT),
      clock: ctx.clock,
      deployments,
      replicaSets,
      pods,
      requeueAfter: (d, ms) => queue.addAfter(keyOf(d), ms),
      logger: ctx.logger,
    };

    const resolveControllerRef = (ns: string, ref: OwnerReference): Deployment | undefined => {
      if (ref.kind !== DEPLOYMENT_KIND) return undefined;
      const d = deployments.get(ns, ref.name);
      return d && d.metadata.uid === ref.uid ? d : undefined;
    };

    /** Deployments whose selector matches an orphan ReplicaSet's labels. */
    const deploymentsSelecting = (rs: ReplicaSet): Deployment[] => {
      if (!rs.metadata.labels || Object.keys(rs.metadata.labels).length === 0) return [];
      return deployments.list(rs.metadata.namespace).filter((d) => {
        const sel = fromLabelSelectorObject(d.spec?.selector ?? {});
        return !!sel && sel.length > 0 && matchesLabels(sel, rs.metadata.labels);
      });
    };

    const onReplicaSetDelete = (rs: ReplicaSet): void => {
      const ref = controllerOf(rs);
      const d = ref && resolveControllerRef(rs.metadata.namespace ?? '', ref);
      if (d) enqueue(d);
    };

    deployments.on({
      add: enqueue,
      update: (_old, cur) => enqueue(cur),
      delete: enqueue,
    });

    replicaSets.on({
      add(rs) {
        if (rs.metadata.deletionTimestamp) return onReplicaSetDelete(rs);
        const ref = controllerOf(rs);
        if (ref) {
          const d = resolveControllerRef(rs.metadata.namespace ?? '', ref);
          if (d) enqueue(d);
          return;
        }
        for (const d of deploymentsSelecting(rs)) enqueue(d);
      },
      update(old, cur) {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const curRef = controllerOf(cur);
        const oldRef = controllerOf(old);
        const refChanged = curRef?.uid !== oldRef?.uid;
        if (refChanged && oldRef) {
          const d = resolveControllerRef(old.metadata.namespace ?? '', oldRef);
          if (d) enqueue(d);
        }
        if (curRef) {
          const d = resolveControllerRef(cur.metadata.namespace ?? '', curRef);
          if (d) enqueue(d);
          return;
        }
        const labelsChanged =
          JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
        if (labelsChanged || refChanged) for (const d of deploymentsSelecting(cur)) enqueue(d);
      },
      delete: onReplicaSetDelete,
    });

    // A Recreate rollout waits for the old pods to be gone: look again when the last one
    // goes away or finishes. (kube looks only at deletions, and only when no pod at all is
    // left, so a finished pod lingering would hold the rollout until a resync.)
    const podGone = (pod: Pod): void => {
      const podRef = controllerOf(pod);
      if (podRef?.kind !== 'ReplicaSet') return;
      const ns = pod.metadata.namespace ?? '';
      const rs = replicaSets.get(ns, podRef.name);
      const rsRef = rs && controllerOf(rs);
      const d = rsRef && resolveControllerRef(ns, rsRef);
      if (!d || d.spec?.strategy?.type !== 'Recreate') return;
      const owned = replicaSets.list(ns).filter((r) => controllerOf(r)?.uid === d.metadata.uid);
      let running = 0;
      try {
        for (const list of podMapFor(d, owned, pods.list(ns)).values())
          running += list.filter((p) => !isTerminal(p)).length;
      } catch {
        return;
      }
      if (running === 0) enqueue(d);
    };
    pods.on({
      update: (old, cur) => {
        if (!isTerminal(old) && isTerminal(cur)) podGone(cur);
      },
      delete: podGone,
    });

    const sync = async (key: string): Promise<void> => {
      const [ns, name] = splitKey(key);
      const cached = deployments.get(ns, name);
      if (!cached) return;
      const d = deepCopy(cached);

      const sel = d.spec?.selector ?? {};
      if (
        Object.keys(sel.matchLabels ?? {}).length === 0 &&
        (sel.matchExpressions ?? []).length === 0
      ) {
        env.recorder.event(
          d,
          'Warning',
          'SelectingAll',
          'This deployment is selecting all pods. A non-empty selector is required.',
        );
        await observeGeneration(env, d);
        return;
      }

      const rsList = await claimReplicaSets(env, d, replicaSets.list(ns));
      const podMap = podMapFor(d, rsList, pods.list(ns));

      if (d.metadata.deletionTimestamp) return syncStatusOnly(env, d, rsList);

      await checkPausedConditions(env, d);
      if (d.spec?.paused) return syncScale(env, d, rsList);
      if (rollbackTo(d) !== undefined) return rollback(env, d, rsList);
      if (await isScalingEvent(env, d, rsList)) return syncScale(env, d, rsList);

      switch (d.spec?.strategy?.type ?? 'RollingUpdate') {
        case 'Recreate':
          return rolloutRecreate(env, d, rsList, podMap);
        case 'RollingUpdate':
          return rolloutRolling(env, d, rsList);
        default:
          throw new Error(`unexpected deployment strategy type: ${d.spec?.strategy?.type}`);
      }
    };

    void (async () => {
      await Promise.all([deployments.synced(), replicaSets.synced(), pods.synced()]);
      await queue.run(WORKERS, sync, ctx.signal, (key, err) => {
        // Conflicts are routine (the caches trail the writes); they retry at once.
        if (isConflict(err)) ctx.logger.debug('deployment sync conflict', { deployment: key });
        else ctx.logger.warn('deployment sync failed', { deployment: key, err });
      });
    })();
  },
};
