// Cluster-scoped kinds: nodes (use against capacity, what their pods request), namespaces
// (with their quotas and limit ranges), persistent volumes and storage classes.

import type { KObject } from '../../api/reducer.js';
import { RESOURCES } from '../../api/resources.js';
import { Age } from '../../components/age.js';
import { KeyValues, ObjectLink, RefLink, Section } from '../../components/cells.js';
import { DataTable } from '../../components/data-table.js';
import { useNodeMetrics, useWatched } from '../../components/data.js';
import { escapeFieldValue } from '../../kinds/events.js';
import { formatCpu, formatMemory, percent } from '../../kinds/quantity.js';
import {
  allocated,
  internalAddress,
  metricsUsage,
  nodeCapacity,
  nodeRoles,
  nodeStatus,
} from '../../kinds/nodes.js';
import { podRestarts, workloadReady, workloadStatus } from '../../kinds/status.js';
import { Status } from '../../components/cells.js';
import { NamespaceLimits, NamespaceQuotas } from './namespace-policy.js';
import type { KindView } from './types.js';

export const nodes: KindView = {
  resource: 'nodes',
  title: 'Nodes',
  noun: 'nodes',
  section: 'Cluster',
  columns: (ctx) => [
    {
      title: 'Status',
      cell: (o) => {
        const text = nodeStatus(o);
        return <span class={`status ${text === 'Ready' ? 'ok' : 'bad'}`}>{text}</span>;
      },
    },
    { title: 'Roles', cell: nodeRoles },
    { title: 'CPU use', cell: (o) => ctx.nodeUse(o).cpu },
    { title: 'Memory use', cell: (o) => ctx.nodeUse(o).memory },
    { title: 'Version', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { title: 'Internal IP', cell: internalAddress },
  ],
  memory: 'node',
  actions: ['edit', 'delete'],
  summary: (o) => [
    [
      'Status',
      <span class={`status ${nodeStatus(o) === 'Ready' ? 'ok' : 'bad'}`}>{nodeStatus(o)}</span>,
    ],
    ['Roles', nodeRoles(o)],
    [
      'Addresses',
      ((o.status?.addresses ?? []) as any[]).map((a) => `${a.type} ${a.address}`).join(', '),
    ],
    ['Pod CIDR', o.spec?.podCIDR ?? '—'],
    [
      'System',
      `${o.status?.nodeInfo?.osImage ?? ''}, kernel ${o.status?.nodeInfo?.kernelVersion ?? ''}, ${o.status?.nodeInfo?.containerRuntimeVersion ?? ''}`,
    ],
    ['Kubelet', o.status?.nodeInfo?.kubeletVersion ?? ''],
    [
      'Taints',
      ((o.spec?.taints ?? []) as any[])
        .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)
        .join(', ') || 'none',
    ],
  ],
  sections: [NodeResources, NodePods],
};

/** Use (NodeMetrics) against capacity and allocatable, and what the node's pods request. */
function NodeResources({ object: node }: { object: KObject }) {
  const metrics = useNodeMetrics();
  const pods = useWatched(RESOURCES.pods, {
    fieldSelector: `spec.nodeName=${escapeFieldValue(node.metadata.name)}`,
  });
  const use = metricsUsage(metrics.value?.find((m) => m.metadata.name === node.metadata.name));
  const cap = nodeCapacity(node, 'capacity');
  const alloc = nodeCapacity(node, 'allocatable');
  const sums = allocated(pods.items);
  const unavailable = metrics.error
    ? metrics.error.forbidden
      ? 'not allowed to read node metrics'
      : 'no metrics'
    : 'no metrics yet';
  const row = (what: string, f: (n: number) => string, key: 'cpu' | 'memory') => (
    <tr key={what}>
      <th scope="row">{what}</th>
      <td>
        {use
          ? `${f(use[key])} (${percent(use[key], alloc[key])} of allocatable)`
          : `— (${unavailable})`}
      </td>
      <td>
        {pods.loaded
          ? `${f(sums.requests[key])} (${percent(sums.requests[key], alloc[key])})`
          : '—'}
      </td>
      <td>
        {pods.loaded ? `${f(sums.limits[key])} (${percent(sums.limits[key], alloc[key])})` : '—'}
      </td>
      <td>{f(alloc[key])}</td>
      <td>{f(cap[key])}</td>
    </tr>
  );
  return (
    <Section title="Resources">
      <table class="list compact" aria-label="Node resources">
        <thead>
          <tr>
            <th />
            <th>Use</th>
            <th>Requests</th>
            <th>Limits</th>
            <th>Allocatable</th>
            <th>Capacity</th>
          </tr>
        </thead>
        <tbody>
          {row('CPU', formatCpu, 'cpu')}
          {row('Memory', formatMemory, 'memory')}
          <tr>
            <th scope="row">Pods</th>
            <td>
              {pods.loaded
                ? pods.items.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase))
                    .length
                : '—'}
            </td>
            <td />
            <td />
            <td>{node.status?.allocatable?.pods ?? ''}</td>
            <td>{node.status?.capacity?.pods ?? ''}</td>
          </tr>
        </tbody>
      </table>
      {pods.error?.forbidden && (
        <p class="notice forbidden" role="status">
          Requests and limits need the node's pods, which you are not allowed to see:{' '}
          {pods.error.message}
        </p>
      )}
    </Section>
  );
}

function NodePods({ object: node }: { object: KObject }) {
  const pods = useWatched(RESOURCES.pods, {
    fieldSelector: `spec.nodeName=${escapeFieldValue(node.metadata.name)}`,
  });
  const rows = [...pods.items].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}`
      ? -1
      : 1,
  );
  return (
    <Section title="Pods on this node">
      <DataTable
        noun="pods"
        rows={rows}
        loaded={pods.loaded}
        error={pods.error}
        rowKey={(p) => `${p.metadata.namespace}/${p.metadata.name}`}
        columns={[
          { title: 'Name', cell: (p) => <ObjectLink resource="pods" object={p} /> },
          { title: 'Namespace', cell: (p) => p.metadata.namespace },
          { title: 'Ready', cell: (p) => workloadReady('Pod', p) },
          { title: 'Status', cell: (p) => <Status word={workloadStatus('Pod', p)} /> },
          { title: 'Restarts', cell: podRestarts },
          { title: 'Age', cell: (p) => <Age since={p.metadata.creationTimestamp} /> },
        ]}
      />
    </Section>
  );
}

export const namespaces: KindView = {
  resource: 'namespaces',
  title: 'Namespaces',
  noun: 'namespaces',
  section: 'Cluster',
  columns: () => [
    {
      title: 'Status',
      cell: (o) => (
        <span class={`status ${o.status?.phase === 'Active' ? 'ok' : 'muted'}`}>
          {o.status?.phase ?? ''}
        </span>
      ),
    },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [['Status', o.status?.phase ?? '']],
  sections: [NamespaceQuotas, NamespaceLimits],
};

export const persistentvolumes: KindView = {
  resource: 'persistentvolumes',
  title: 'Persistent volumes',
  noun: 'persistent volumes',
  section: 'Config and storage',
  columns: () => [
    { title: 'Capacity', cell: (o) => o.spec?.capacity?.storage ?? '' },
    { title: 'Access modes', cell: (o) => accessModes(o.spec?.accessModes) },
    { title: 'Reclaim policy', cell: (o) => o.spec?.persistentVolumeReclaimPolicy ?? '' },
    { title: 'Status', cell: (o) => o.status?.phase ?? '' },
    { title: 'Claim', cell: (o) => claimLink(o) },
    { title: 'Storage class', cell: (o) => o.spec?.storageClassName ?? '' },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Status', o.status?.phase ?? ''],
    ['Capacity', o.spec?.capacity?.storage ?? ''],
    ['Access modes', accessModes(o.spec?.accessModes)],
    ['Reclaim policy', o.spec?.persistentVolumeReclaimPolicy ?? ''],
    ['Claim', claimLink(o)],
    ['Storage class', o.spec?.storageClassName ?? ''],
    ['Source', volumeSource(o.spec ?? {})],
  ],
};

export const storageclasses: KindView = {
  resource: 'storageclasses',
  title: 'Storage classes',
  noun: 'storage classes',
  section: 'Config and storage',
  columns: () => [
    {
      title: 'Provisioner',
      cell: (o) =>
        `${o.provisioner ?? ''}${o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? ' (default)' : ''}`,
    },
    { title: 'Reclaim policy', cell: (o) => o.reclaimPolicy ?? 'Delete' },
    { title: 'Binding mode', cell: (o) => o.volumeBindingMode ?? 'Immediate' },
    { title: 'Expansion', cell: (o) => String(Boolean(o.allowVolumeExpansion)) },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Provisioner', o.provisioner ?? ''],
    ['Parameters', <KeyValues rows={Object.entries(o.parameters ?? {})} />],
    ['Reclaim policy', o.reclaimPolicy ?? 'Delete'],
    ['Binding mode', o.volumeBindingMode ?? 'Immediate'],
  ],
};

export function accessModes(modes: string[] | undefined): string {
  const short: Record<string, string> = {
    ReadWriteOnce: 'RWO',
    ReadOnlyMany: 'ROX',
    ReadWriteMany: 'RWX',
    ReadWriteOncePod: 'RWOP',
  };
  return (modes ?? []).map((m) => short[m] ?? m).join(',');
}

function claimLink(pv: KObject) {
  const c = pv.spec?.claimRef;
  if (!c) return '';
  return (
    <RefLink kind="PersistentVolumeClaim" apiVersion="v1" namespace={c.namespace} name={c.name} />
  );
}

function volumeSource(spec: Record<string, any>): string {
  const known = ['hostPath', 'local', 'nfs', 'csi', 'iscsi', 'fc', 'rbd', 'cephfs'];
  for (const k of known) if (spec[k]) return `${k} ${JSON.stringify(spec[k])}`;
  return '';
}
