// The replica controller (kube-controller-manager's pkg/controller/replicaset), one
// implementation for ReplicaSets and ReplicationControllers: owner and pod events → owner
// keys in a queue → sync(key) that claims pods, creates or deletes the difference to
// spec.replicas, and writes status. Expectations keep a sync from acting while its own
// creates and deletes are still on their way back through the pod informer.

import { matchesLabels } from '../../api/labels.js';
import { createWorkQueue, isNotFound, keyOf, resources, splitKey } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { claimPods, controllerOf } from './claim.js';
import { routeEvents } from './routing.js';
import { createExpectations } from './expectations.js';
import type { OwnerKind } from './kinds.js';
import { createPodControl, isNamespaceTerminating } from './podcontrol.js';
import { isPodActive, podKey } from './podutil.js';
import { podsToDelete } from './ranking.js';
import { SLOW_START_INITIAL_BATCH, slowStartBatch } from './slowstart.js';
import { calculateStatus, nextAvailableIn, statusChanged, type ManageFailure } from './status.js';
import type { Pod, ReplicaOwner, ReplicaStatus } from './types.js';

/** At most this many pods are created or deleted in one sync. */
export const BURST_REPLICAS = 500;
const WORKERS = 5;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function createReplicaController(kind: OwnerKind): Controller {
  return { name: kind.name, start: (ctx) => start(kind, ctx) };
}

function start(kind: OwnerKind, ctx: ControllerContext): void {
  const owners = ctx.informers.for<ReplicaOwner>(kind.resource);
  const pods = ctx.informers.for<Pod>(resources.pods);
  const podControl = createPodControl(ctx.client, kind, ctx.recorder(kind.component));
  const expectations = createExpectations(ctx.clock);
  const queue = createWorkQueue();

  // Cached objects may come without apiVersion/kind; events and writes need them.
  const typed = (o: ReplicaOwner): ReplicaOwner => ({
    ...o,
    apiVersion: kind.apiVersion,
    kind: kind.kind,
  });

  const enqueue = (o: ReplicaOwner): void => queue.add(keyOf(o));
  routeEvents({ kind, owners, pods, expectations, enqueue });

  /** Pods of every ReplicaSet sharing this one's controller, for spreading deletions. */
  const relatedPods = (owner: ReplicaOwner): Pod[] => {
    const ref = controllerOf(owner);
    if (!ref) return [];
    const ns = owner.metadata.namespace;
    const seen = new Set<string>();
    const out: Pod[] = [];
    const all = pods.list(ns);
    for (const rs of owners.list(ns)) {
      if (controllerOf(rs)?.uid !== ref.uid) continue;
      const sel = kind.selector(rs);
      if (sel === null) continue;
      for (const p of all) {
        const uid = p.metadata.uid ?? '';
        if (seen.has(uid) || !matchesLabels(sel, p.metadata.labels)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  };

  async function manageReplicas(key: string, owner: ReplicaOwner, claimed: Pod[]): Promise<void> {
    const diff = claimed.length - (owner.spec?.replicas ?? 0);
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      expectations.expectCreations(key, n);
      const { successes, error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, async () => {
        try {
          await podControl.create(owner);
        } catch (e) {
          // Every create would fail the same way; the namespace's deletion will remove us too.
          if (!isNamespaceTerminating(e)) throw e;
        }
      });
      // Creates never attempted or failed will not be observed: stop waiting for them.
      for (let i = successes; i < n; i++) expectations.creationObserved(key);
      if (error !== undefined) throw error;
    } else if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(claimed, relatedPods(owner), n, ctx.clock.now());
      expectations.expectDeletions(key, victims.map(podKey));
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await podControl.delete(owner, p);
          } catch (e) {
            expectations.deletionObserved(key, podKey(p));
            if (!isNotFound(e)) throw e;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** PUT of the status subresource, once more on a fresh copy if the first attempt fails. */
  async function writeStatus(owner: ReplicaOwner, status: ReplicaStatus): Promise<ReplicaOwner> {
    const next: ReplicaStatus = { ...status };
    if (owner.metadata.generation) next.observedGeneration = owner.metadata.generation;
    else delete next.observedGeneration;
    let base = owner;
    for (let attempt = 0; ; attempt++) {
      try {
        return await ctx.client.update<ReplicaOwner>(
          kind.resource,
          { ...typed(base), status: next },
          'status',
        );
      } catch (e) {
        if (attempt >= 1 || isNotFound(e)) throw e;
        base = await ctx.client.get<ReplicaOwner>(
          kind.resource,
          owner.metadata.namespace ?? '',
          owner.metadata.name ?? '',
        );
      }
    }
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = owners.get(ns, name);
    if (!cached) {
      expectations.delete(key);
      return;
    }
    const owner = typed(cached);
    const selector = kind.selector(owner);
    if (selector === null) {
      ctx.logger.info('owner has no selector; nothing to do', { key });
      return;
    }
    const needsSync = expectations.satisfied(key);
    const active = pods.list(ns).filter(isPodActive);
    const claimed = await claimPods(
      {
        kind,
        owner,
        selector,
        pods: podControl,
        getFresh: () => ctx.client.get<ReplicaOwner>(kind.resource, ns, name),
      },
      active,
    );

    let manageError: unknown;
    let failure: ManageFailure | undefined;
    if (needsSync && !owner.metadata.deletionTimestamp) {
      try {
        await manageReplicas(key, owner, claimed);
      } catch (e) {
        manageError = e;
        const short = claimed.length < (owner.spec?.replicas ?? 0);
        failure = { reason: short ? 'FailedCreate' : 'FailedDelete', message: errorText(e) };
      }
    }

    const status = calculateStatus(owner, claimed, failure, ctx.clock.now());
    const current = statusChanged(owner, status) ? await writeStatus(owner, status) : owner;
    // Pods ready but not yet for minReadySeconds: look again when the first one gets there.
    const wait = nextAvailableIn(current, claimed, ctx.clock.now());
    if (wait !== undefined) queue.addAfter(key, wait);
    if (manageError !== undefined) throw manageError;
  }

  void (async () => {
    await Promise.all([owners.synced(), pods.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(WORKERS, sync, ctx.signal, (key, err) =>
      ctx.logger.info('sync failed', { key, err: errorText(err) }),
    );
  })();
}
