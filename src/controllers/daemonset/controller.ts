// The DaemonSet controller (kube-controller-manager's pkg/controller/daemon): DaemonSet, pod
// and node events → DaemonSet keys in a queue → sync(key) that claims the pods, creates one
// on every node that should run the daemon and has none, deletes pods from nodes that
// should not run it (or that are gone), replaces old pods per the update strategy and
// writes status. Expectations keep a sync from acting on a cache that does not yet show its
// own creates and deletes.

import { fromLabelSelectorObject, type LabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, isNotFound, keyOf, resources, splitKey } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { claimPods } from '../replicaset/claim.js';
import { createExpectations } from '../replicaset/expectations.js';
import type { OwnerKind } from '../replicaset/kinds.js';
import { createPodControl, isNamespaceTerminating } from '../replicaset/podcontrol.js';
import { podKey } from '../replicaset/podutil.js';
import { routeEvents } from '../replicaset/routing.js';
import { SLOW_START_INITIAL_BATCH, slowStartBatch } from '../replicaset/slowstart.js';
import type { Pod, ReplicaOwner } from '../replicaset/types.js';
import { cleanupHistory, constructHistory, type Revision } from './history.js';
import { placement, targetNode } from './placement.js';
import { byAgeScheduledFirst, daemonPod } from './pods.js';
import { allowsSurge, rollingUpdateStep } from './rolling.js';
import { calculateStatus, statusChanged } from './status.js';
import type { DaemonSet, DaemonSetStatus, Node } from './types.js';

export const COMPONENT = 'daemonset-controller';
const BURST_REPLICAS = 250;
const WORKERS = 2;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const daemonSetKind: OwnerKind = {
  name: 'daemonset-controller',
  component: COMPONENT,
  resource: resources.daemonSets,
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  selector(ds) {
    const sel = ds.spec?.selector;
    if (sel === undefined || sel === null) return null;
    return fromLabelSelectorObject(sel) ?? null;
  },
};

export const daemonSetController: Controller = {
  name: daemonSetKind.name,
  start: (ctx) => start(ctx),
};

/** Whether a node changed in a way that can change where daemons run. */
function nodeChanged(old: Node, cur: Node): boolean {
  const conds = (n: Node): string =>
    JSON.stringify(
      (
        ((n['status'] ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ??
        []
      ).map((c) => [c.type, c.status]),
    );
  return (
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {}) ||
    JSON.stringify(old['spec'] ?? {}) !== JSON.stringify(cur['spec'] ?? {}) ||
    !!old.metadata.deletionTimestamp !== !!cur.metadata.deletionTimestamp ||
    conds(old) !== conds(cur)
  );
}

function start(ctx: ControllerContext): void {
  const kind = daemonSetKind;
  const sets = ctx.informers.for<ReplicaOwner>(resources.daemonSets);
  const pods = ctx.informers.for<Pod>(resources.pods);
  const nodes = ctx.informers.for<Node>(resources.nodes);
  const revisions = ctx.informers.for<Revision>(resources.controllerRevisions);
  const recorder = ctx.recorder(COMPONENT);
  const podControl = createPodControl(ctx.client, kind, recorder);
  const expectations = createExpectations(ctx.clock);
  const queue = createWorkQueue();

  const typed = (o: KubeObject): DaemonSet => ({ ...o, apiVersion: 'apps/v1', kind: 'DaemonSet' });
  const enqueue = (o: KubeObject): void => queue.add(keyOf(o));
  const enqueueAll = (): void => {
    for (const ds of sets.list()) enqueue(ds);
  };
  routeEvents({ kind, owners: sets, pods, expectations, enqueue });
  nodes.on({
    add: enqueueAll,
    update: (old, cur) => {
      if (nodeChanged(old, cur)) enqueueAll();
    },
    delete: enqueueAll,
  });

  /**
   * syncNodes: creates a pod on each of `onNodes` (slow-start batches) and deletes `victims`,
   * expecting both at once so the next sync waits for the informer to show them.
   */
  async function syncNodes(
    key: string,
    ds: DaemonSet,
    onNodes: string[],
    victims: Pod[],
    hash: string,
  ): Promise<void> {
    const toCreate = onNodes.slice(0, BURST_REPLICAS);
    const toDelete = victims.slice(0, BURST_REPLICAS);
    if (!toCreate.length && !toDelete.length) return;
    expectations.expect(key, toCreate.length, toDelete.map(podKey));
    const results = await Promise.allSettled([
      createPods(key, ds, toCreate, hash),
      deletePods(key, ds, toDelete),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async function createPods(
    key: string,
    ds: DaemonSet,
    onNodes: string[],
    hash: string,
  ): Promise<void> {
    const n = onNodes.length;
    if (!n) return;
    let next = 0;
    const { successes, error } = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, async () => {
      const node = onNodes[next++] ?? '';
      const pod = daemonPod(kind, ds, node, hash);
      try {
        const created = await ctx.client.create(resources.pods, ds.metadata.namespace ?? '', pod);
        recorder.event(
          ds,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${created.metadata.name ?? ''}`,
        );
      } catch (e) {
        if (isNamespaceTerminating(e)) return;
        recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errorText(e)}`);
        throw e;
      }
    });
    // Creates never attempted or failed will not be observed: stop waiting for them.
    for (let i = successes; i < n; i++) expectations.creationObserved(key);
    if (error !== undefined) throw error;
  }

  async function deletePods(key: string, ds: DaemonSet, victims: Pod[]): Promise<void> {
    const results = await Promise.allSettled(
      victims.map(async (p) => {
        try {
          await podControl.delete(ds as ReplicaOwner, p);
        } catch (e) {
          expectations.deletionObserved(key, podKey(p));
          if (!isNotFound(e)) throw e;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** podsShouldBeOnNode over every node, plus the pods of nodes that no longer exist. */
  function manage(
    ds: DaemonSet,
    allNodes: Node[],
    podsByNode: Map<string, Pod[]>,
    hash: string,
  ): { create: string[]; remove: Pod[] } {
    const create: string[] = [];
    const remove: Pod[] = [];
    const surge = allowsSurge(ds);
    const known = new Set<string>();
    for (const node of allNodes) {
      const name = node.metadata.name ?? '';
      known.add(name);
      const here = podsByNode.get(name) ?? [];
      const { shouldRun, shouldContinueRunning } = placement(ds, node);
      if (shouldRun && !here.length) create.push(name);
      else if (shouldContinueRunning) {
        const running: Pod[] = [];
        for (const p of here) {
          if (p.metadata.deletionTimestamp) continue;
          if (p.status?.phase === 'Failed') {
            recorder.event(
              ds,
              'Warning',
              'FailedDaemonPod',
              `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${name}, will try to kill it`,
            );
            remove.push(p);
          } else running.push(p);
        }
        if (running.length <= 1) continue;
        running.sort(byAgeScheduledFirst);
        if (!surge) remove.push(...running.slice(1));
        else {
          // With surge a node may hold its oldest new pod and its oldest old pod.
          let keptNew = false;
          let keptOld = false;
          for (const p of running) {
            const isNew = p.metadata.labels?.['controller-revision-hash'] === hash;
            if (isNew && !keptNew) keptNew = true;
            else if (!isNew && !keptOld) keptOld = true;
            else remove.push(p);
          }
        }
      } else remove.push(...here.filter((p) => !p.metadata.deletionTimestamp));
    }
    for (const [name, here] of podsByNode)
      if (!known.has(name)) remove.push(...here.filter((p) => !p.metadata.deletionTimestamp));
    return { create, remove };
  }

  async function writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    let base = ds;
    for (let attempt = 0; ; attempt++) {
      try {
        await ctx.client.update(resources.daemonSets, { ...typed(base), status }, 'status');
        return;
      } catch (e) {
        if (attempt >= 1 || isNotFound(e)) throw e;
        base = await ctx.client.get<DaemonSet>(
          resources.daemonSets,
          ds.metadata.namespace ?? '',
          ds.metadata.name ?? '',
        );
      }
    }
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cached = sets.get(ns, name);
    if (!cached) {
      expectations.delete(key);
      return;
    }
    const ds = typed(cached) as DaemonSet;
    if (ds.metadata.deletionTimestamp) return;
    const selector: LabelSelector | null = kind.selector(ds as ReplicaOwner);
    if (selector === null || selector.length === 0) {
      recorder.event(
        ds,
        'Warning',
        'SelectingAll',
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    const claimed = await claimPods(
      {
        kind,
        owner: ds as ReplicaOwner,
        selector,
        pods: podControl,
        getFresh: () => ctx.client.get<ReplicaOwner>(resources.daemonSets, ns, name),
      },
      pods.list(ns),
    );
    const podsByNode = new Map<string, Pod[]>();
    for (const p of claimed) {
      const node = targetNode(p);
      if (node === undefined) continue;
      podsByNode.set(node, [...(podsByNode.get(node) ?? []), p]);
    }
    const allNodes = nodes.list();
    const { hash, old } = await constructHistory(ctx.client, revisions, ds);

    const acted = expectations.satisfied(key);
    let manageError: unknown;
    if (acted) {
      try {
        const { create, remove } = manage(ds, allNodes, podsByNode, hash);
        await syncNodes(key, ds, create, remove, hash);
        if (ds.spec?.updateStrategy?.type === 'RollingUpdate' && expectations.satisfied(key)) {
          const wanted = new Map(podsByNode);
          let desired = 0;
          for (const node of allNodes) {
            if (!placement(ds, node).shouldRun) continue;
            desired++;
            const n = node.metadata.name ?? '';
            if (!wanted.has(n)) wanted.set(n, []);
          }
          const step = rollingUpdateStep(ds, wanted, desired, hash, ctx.clock.now());
          await syncNodes(key, ds, step.createOn, step.deletePods, hash);
        }
        await cleanupHistory(ctx.client, ds, old, claimed);
      } catch (e) {
        manageError = e;
      }
    }

    const status = calculateStatus(ds, allNodes, podsByNode, hash, ctx.clock.now());
    // The generation is observed only when this sync acted on it.
    if (acted && ds.metadata.generation) status.observedGeneration = ds.metadata.generation;
    if (statusChanged(ds, status)) await writeStatus(ds, status);
    // Ready pods not yet available for minReadySeconds: look again once they may be.
    const minReady = ds.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.numberAvailable ?? 0) < (status.numberReady ?? 0))
      queue.addAfter(key, minReady * 1000);
    if (manageError !== undefined) throw manageError;
  }

  void (async () => {
    await Promise.all([sets.synced(), pods.synced(), nodes.synced(), revisions.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(WORKERS, sync, ctx.signal, (key, err) =>
      ctx.logger.info('sync failed', { key, err: errorText(err) }),
    );
  })();
}
