// One list page for every kind: Name (a link to its page), Namespace when all are shown, the
// kind's own columns, Age — live, windowed, and with the kind's memory use when it has one.

import { useMemo } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { KObject } from '../api/reducer.js';
import { RESOURCES } from '../api/resources.js';
import { Age } from '../components/age.js';
import { ObjectLink } from '../components/cells.js';
import { DataTable, type DataColumn } from '../components/data-table.js';
import { useNodeMetrics, usePodMetrics, useWatched } from '../components/data.js';
import { memoryByOwner, memoryByPod } from '../kinds/owners.js';
import { metricsUsage, nodeCapacity } from '../kinds/nodes.js';
import { formatCpu, formatMemory, percent } from '../kinds/quantity.js';
import { useNamespace } from '../namespace.js';
import type { KindView, ListContext } from './views/types.js';

const NO_VALUE = '—';

/**
 * Namespace/name order. Keys are made once per object and compared plainly (not with
 * localeCompare): 5,000 pods sort in a few milliseconds, on every batch of watch events.
 */
export function sortByNamespaceAndName<T extends KObject>(objects: T[]): T[] {
  const keyed = objects.map(
    (o) => [`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const,
  );
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map(([, o]) => o);
}

/** The memory (and node use) a kind's rows show, from the metrics API and the owner chain. */
export function useListContext(view: KindView, namespace: string): ListContext {
  const ns = RESOURCES[view.resource].namespaced ? namespace : '';
  const metrics = usePodMetrics(ns, view.memory === 'pod' || view.memory === 'owner');
  const owner = view.memory === 'owner';
  const pods = useWatched(RESOURCES.pods, { namespace: ns, enabled: owner });
  const between = useWatched(RESOURCES[view.via ?? 'replicasets'], {
    namespace: ns,
    enabled: owner && Boolean(view.via),
  });
  const nodeMetrics = useNodeMetrics(view.memory === 'node');
  const byPod = useMemo(
    () => (metrics.value ? memoryByPod(metrics.value) : undefined),
    [metrics.value],
  );
  const byOwner = useMemo(
    () => (owner && byPod ? memoryByOwner(pods.items, byPod, between.items) : undefined),
    [owner, byPod, pods.items, between.items],
  );
  const byNode = useMemo(
    () => new Map((nodeMetrics.value ?? []).map((m) => [m.metadata.name, m])),
    [nodeMetrics.value],
  );
  return useMemo(
    () => ({
      namespace,
      memory: (o) => {
        if (view.memory === 'pod') {
          const v = byPod?.get(`${o.metadata.namespace}/${o.metadata.name}`);
          return v === undefined ? NO_VALUE : formatMemory(v);
        }
        const v = o.metadata.uid ? byOwner?.get(o.metadata.uid) : undefined;
        return v === undefined ? NO_VALUE : formatMemory(v);
      },
      nodeUse: (o) => {
        const use = metricsUsage(byNode.get(o.metadata.name));
        if (!use) return { cpu: NO_VALUE, memory: NO_VALUE };
        const alloc = nodeCapacity(o, 'allocatable');
        return {
          cpu: `${formatCpu(use.cpu)} of ${formatCpu(alloc.cpu)} (${percent(use.cpu, alloc.cpu)})`,
          memory: `${formatMemory(use.memory)} of ${formatMemory(alloc.memory)} (${percent(use.memory, alloc.memory)})`,
        };
      },
    }),
    [namespace, view, byPod, byOwner, byNode],
  );
}

/** A kind's table: used by its own page, the workloads page and the overview. */
export function KindList({
  view,
  namespace,
  filter,
  noun,
}: {
  view: KindView;
  namespace: string;
  /** Only these rows (a deployment's replica sets); the list is still watched whole. */
  filter?: (o: KObject) => boolean;
  noun?: string;
}) {
  const res = RESOURCES[view.resource];
  const list = useWatched(res, { namespace: res.namespaced ? namespace : '' });
  const ctx = useListContext(view, namespace);
  const rows = useMemo(
    () => sortByNamespaceAndName(filter ? list.items.filter(filter) : list.items),
    [list.items, filter],
  );
  const columns = useMemo<DataColumn<KObject>[]>(
    () => [
      { title: 'Name', cell: (o) => <ObjectLink resource={view.resource} object={o} /> },
      ...(res.namespaced && !namespace
        ? [{ title: 'Namespace', cell: (o: KObject) => o.metadata.namespace }]
        : []),
      ...view.columns(ctx),
      { title: 'Age', cell: (o) => <Age since={o.metadata.creationTimestamp} /> },
    ],
    [view, ctx, namespace],
  );
  return (
    <DataTable
      noun={noun ?? view.noun}
      rows={rows}
      loaded={list.loaded}
      error={list.error}
      rowKey={(o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`}
      columns={columns}
    />
  );
}

/** The page `#/RESOURCE`: the kind's list in the selected namespace. */
export function listPage(view: KindView) {
  return function ListPage() {
    const { namespace } = useNamespace();
    const res = RESOURCES[view.resource];
    return (
      <section>
        <div class="page-head">
          <h2>{view.title}</h2>
          {res.namespaced && (
            <span class="hint">
              {namespace ? `in namespace ${namespace}` : 'in all namespaces'}
            </span>
          )}
          {view.resource === 'namespaces' && (
            <Link href="/namespaces/new" class="button">
              Create namespace
            </Link>
          )}
        </div>
        <KindList view={view} namespace={namespace} />
      </section>
    );
  };
}
