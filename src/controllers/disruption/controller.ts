// The disruption controller (kube's pkg/controller/disruption): keeps every
// PodDisruptionBudget's status — expected pods, desired and current healthy pods, allowed
// disruptions, the evictions still pending in disruptedPods, the DisruptionAllowed condition
// — from the pods its selector matches and the scale of their controllers.

import { fromLabelSelectorObject, matchesLabels } from '../../api/labels.js';
import { formatTime } from '../../api/time.js';
import type { KubeObject } from '../../api/types.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  resources,
  splitKey,
  type ResourceRef,
} from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { finders } from './finders.js';
import { staleDisruption, type StalePod } from './stale.js';
import {
  countHealthy,
  disruptedPodMap,
  expectedPodCount,
  failSafeStatus,
  nextStatus,
  type Budget,
  type Pod,
} from './status.js';

export const COMPONENT = 'disruption-controller';
/** The event source kube's disruption controller reports as. */
const EVENT_SOURCE = 'controllermanager';

/** The field manager of the stale DisruptionTarget reset, as kube's. */
const FIELD_MANAGER = 'DisruptionController';

export const PDBS: ResourceRef = {
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  namespaced: true,
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The pods a budget's selector picks (LabelSelectorAsSelector: none without a selector, all
 * with an empty one).
 */
export function selects(budget: Budget, pod: KubeObject): boolean {
  if (budget.metadata.namespace !== pod.metadata.namespace) return false;
  const raw = budget.spec?.selector;
  if (raw === undefined || raw === null) return false;
  const sel = fromLabelSelectorObject(raw);
  return !!sel && matchesLabels(sel, pod.metadata.labels);
}

/** A *metav1.LabelSelector as Go's %v prints it (its generated String()). */
export function goSelector(raw: unknown): string {
  if (raw === undefined || raw === null || typeof raw !== 'object') return 'nil';
  const sel = raw as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
  };
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels?.[k] ?? ''},`)
    .join('');
  const exprs = (sel.matchExpressions ?? [])
    .map(
      (e) =>
        `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:[${(e.values ?? []).join(' ')}],},`,
    )
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

export const disruptionController: Controller = { name: COMPONENT, start };

function start(ctx: ControllerContext): void {
  const budgets = ctx.informers.for<Budget>(PDBS);
  const pods = ctx.informers.for<Pod>(resources.pods);
  const sources = {
    client: ctx.client,
    replicationControllers: ctx.informers.for(resources.replicationControllers),
    replicaSets: ctx.informers.for(resources.replicaSets),
    deployments: ctx.informers.for(resources.deployments),
    statefulSets: ctx.informers.for(resources.statefulSets),
  };
  const find = finders(sources);
  const recorder = ctx.recorder(EVENT_SOURCE);
  const queue = createWorkQueue();

  const enqueue = (o: KubeObject): void => queue.add(keyOf(o));
  budgets.on({ add: enqueue, update: (_old, cur) => enqueue(cur), delete: enqueue });
  const forPod = (pod: KubeObject): void => {
    const matching = budgets
      .list(pod.metadata.namespace)
      .filter((b) => selects(b, pod))
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    // Every budget is synced; kube's, which syncs one, still says it picked one.
    if (matching.length > 1)
      recorder.event(
        pod,
        'Warning',
        'MultiplePodDisruptionBudgets',
        `Pod ${JSON.stringify(pod.metadata.namespace ?? '')}/${JSON.stringify(pod.metadata.name ?? '')} matches multiple PodDisruptionBudgets.  Chose ${JSON.stringify(matching[0]?.metadata.name ?? '')} arbitrarily.`,
      );
    for (const b of matching) enqueue(b);
  };
  const staleQueue = createWorkQueue();
  const checkStale = (pod: KubeObject): void => {
    const s = staleDisruption(pod as StalePod, ctx.clock.now());
    if (s.stale) staleQueue.addAfter(keyOf(pod), s.inMs);
  };
  pods.on({
    add: (pod) => {
      forPod(pod);
      checkStale(pod);
    },
    update: (old, cur) => {
      forPod(cur);
      checkStale(cur);
      if (JSON.stringify(old.metadata.labels) !== JSON.stringify(cur.metadata.labels)) forPod(old);
    },
    delete: forPod,
  });
  // A controller's new scale changes what percentages and maxUnavailable mean.
  const forOwner = (o: KubeObject): void => {
    for (const b of budgets.list(o.metadata.namespace)) enqueue(b);
  };
  for (const inf of [
    sources.replicationControllers,
    sources.replicaSets,
    sources.deployments,
    sources.statefulSets,
  ])
    inf.on({ add: forOwner, update: (_old, cur) => forOwner(cur) });

  async function writeStatus(budget: Budget, status: Budget['status']): Promise<void> {
    await ctx.client.update(PDBS, { ...budget, status: status ?? {} }, 'status');
  }

  async function trySync(key: string, budget: Budget): Promise<void> {
    const matched = pods.list(budget.metadata.namespace).filter((p) => selects(budget, p));
    if (matched.length === 0) recorder.event(budget, 'Normal', 'NoPods', 'No matching pods found');
    let expectation;
    try {
      expectation = await expectedPodCount(budget, matched, find);
    } catch (e) {
      recorder.event(
        budget,
        'Warning',
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${errorText(e)}`,
      );
      throw e;
    }
    if (expectation.unmanaged.length)
      recorder.event(
        budget,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${goSelector(budget.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    const now = ctx.clock.now();
    const { disrupted, overdue, recheckAt } = disruptedPodMap(matched, budget, now);
    for (const pod of overdue)
      recorder.event(
        pod,
        'Warning',
        'NotDeleted',
        `Pod was expected by PDB ${budget.metadata.namespace ?? ''}/${budget.metadata.name ?? ''} to be deleted but it wasn't`,
      );
    const status = nextStatus(
      budget,
      {
        currentHealthy: countHealthy(matched, disrupted, now),
        desiredHealthy: expectation.desiredHealthy,
        expected: expectation.expected,
        disrupted,
      },
      now,
    );
    if (status) await writeStatus(budget, status);
    if (recheckAt !== undefined) queue.addAfter(key, Math.max(0, recheckAt - now.getTime()));
  }

  async function sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const budget = budgets.get(ns, name);
    if (!budget) return;
    try {
      await trySync(key, budget);
    } catch (e) {
      // A conflict only means the cache is behind: retried without the fail-safe.
      if (isConflict(e)) throw e;
      ctx.logger.info('sync failed', { key, err: errorText(e) });
      try {
        await writeStatus(budget, failSafeStatus(budget, errorText(e), ctx.clock.now()));
      } catch (w) {
        if (!isNotFound(w)) throw w;
      }
    }
  }

  /** syncStalePodDisruption: the condition back to False once it is stale. */
  async function syncStale(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const pod = pods.get(ns, name);
    if (!pod) return;
    const s = staleDisruption(pod, ctx.clock.now());
    if (!s.stale) return;
    if (s.inMs > 0) {
      staleQueue.addAfter(key, s.inMs);
      return;
    }
    try {
      await ctx.client.patch(
        resources.pods,
        ns,
        name,
        'strategic',
        {
          metadata: { resourceVersion: pod.metadata.resourceVersion },
          status: {
            conditions: [
              {
                type: 'DisruptionTarget',
                status: 'False',
                lastTransitionTime: formatTime(ctx.clock.now()),
              },
            ],
          },
        },
        { subresource: 'status', fieldManager: FIELD_MANAGER },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  void (async () => {
    await ctx.informers.synced();
    if (ctx.signal.aborted) return;
    const onError = (key: string, err: unknown): void =>
      ctx.logger.info('sync failed', { key, err: errorText(err) });
    await Promise.all([
      queue.run(2, sync, ctx.signal, onError),
      staleQueue.run(1, syncStale, ctx.signal, onError),
    ]);
  })();
}
