// Services and ingresses: how to reach them from inside the cluster and from outside.

import type { KObject } from '../../api/reducer.js';
import { RESOURCES } from '../../api/resources.js';
import { ObjectLink, Section, Status } from '../../components/cells.js';
import { DataTable } from '../../components/data-table.js';
import { useWatched } from '../../components/data.js';
import {
  externalEndpoints,
  ingressAddresses,
  ingressBackends,
  ingressLinks,
  internalEndpoints,
  servicePorts,
  type Endpoint,
} from '../../kinds/endpoints.js';
import { workloadReady, workloadStatus } from '../../kinds/status.js';
import type { KindView } from './types.js';

function Endpoints({ list, label }: { list: Endpoint[]; label: string }) {
  if (!list.length) return <span class="hint">none</span>;
  return (
    <ul class="endpoints" aria-label={label}>
      {list.map((e) => (
        <li key={e.text}>
          {e.href ? (
            <a href={e.href} target="_blank" rel="noreferrer noopener">
              {e.text}
            </a>
          ) : (
            <code>{e.text}</code>
          )}
        </li>
      ))}
    </ul>
  );
}

export const services: KindView = {
  resource: 'services',
  title: 'Services',
  noun: 'services',
  section: 'Network',
  columns: () => [
    { title: 'Type', cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { title: 'Cluster IP', cell: (o) => o.spec?.clusterIP ?? '' },
    { title: 'Ports', cell: servicePorts },
    {
      title: 'Internal endpoints',
      cell: (o) =>
        internalEndpoints(o)
          .map((e) => e.text)
          .join(' '),
    },
    {
      title: 'External endpoints',
      cell: (o) =>
        externalEndpoints(o)
          .map((e) => e.text)
          .join(' ') || '—',
    },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Type', o.spec?.type ?? 'ClusterIP'],
    ['Cluster IP', (o.spec?.clusterIPs ?? [o.spec?.clusterIP]).filter(Boolean).join(', ') || '—'],
    ['Internal endpoints', <Endpoints list={internalEndpoints(o)} label="Internal endpoints" />],
    ['External endpoints', <Endpoints list={externalEndpoints(o)} label="External endpoints" />],
    [
      'Selector',
      Object.entries(o.spec?.selector ?? {})
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',') || 'none (endpoints managed by hand)',
    ],
    ['Session affinity', o.spec?.sessionAffinity ?? 'None'],
    [
      'Traffic policy',
      `external ${o.spec?.externalTrafficPolicy ?? '—'}, internal ${o.spec?.internalTrafficPolicy ?? 'Cluster'}`,
    ],
  ],
  sections: [ServicePods],
};

/** The pods a service's selector picks, with their readiness (what it sends traffic to). */
function ServicePods({ object: svc }: { object: KObject }) {
  const selector = Object.entries((svc.spec?.selector ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = useWatched(RESOURCES.pods, {
    namespace: svc.metadata.namespace,
    labelSelector: selector,
    enabled: Boolean(selector),
  });
  if (!selector) return null;
  return (
    <Section title="Pods behind it">
      <DataTable
        noun="pods"
        rows={pods.items}
        loaded={pods.loaded}
        error={pods.error}
        rowKey={(p) => p.metadata.name}
        columns={[
          { title: 'Name', cell: (p) => <ObjectLink resource="pods" object={p} /> },
          { title: 'Ready', cell: (p) => workloadReady('Pod', p) },
          { title: 'Status', cell: (p) => <Status word={workloadStatus('Pod', p)} /> },
          { title: 'IP', cell: (p) => p.status?.podIP ?? '' },
        ]}
      />
    </Section>
  );
}

export const ingresses: KindView = {
  resource: 'ingresses',
  title: 'Ingresses',
  noun: 'ingresses',
  section: 'Network',
  columns: () => [
    { title: 'Class', cell: (o) => o.spec?.ingressClassName ?? '' },
    { title: 'Hosts', cell: (o) => <Endpoints list={ingressLinks(o)} label="Hosts" /> },
    { title: 'Address', cell: (o) => ingressAddresses(o).join(', ') },
    { title: 'Backends', cell: (o) => ingressBackends(o).join(', ') },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Class', o.spec?.ingressClassName ?? 'default'],
    ['Hosts', <Endpoints list={ingressLinks(o)} label="Hosts" />],
    ['Address', ingressAddresses(o).join(', ') || '—'],
    ['Backends', ingressBackends(o).join(', ')],
    [
      'TLS',
      ((o.spec?.tls ?? []) as any[])
        .map((t) => `${(t.hosts ?? []).join(', ')} (secret ${t.secretName ?? '—'})`)
        .join('; ') || 'none',
    ],
  ],
  sections: [IngressRules],
};

function IngressRules({ object: ing }: { object: KObject }) {
  const rows = ((ing.spec?.rules ?? []) as any[]).flatMap((r) =>
    ((r.http?.paths ?? []) as any[]).map((p) => ({
      host: r.host ?? '*',
      path: p.path ?? '/',
      type: p.pathType ?? '',
      backend: p.backend?.service
        ? `${p.backend.service.name}:${p.backend.service.port?.number ?? p.backend.service.port?.name ?? ''}`
        : `${p.backend?.resource?.kind ?? ''}/${p.backend?.resource?.name ?? ''}`,
      service: p.backend?.service?.name as string | undefined,
    })),
  );
  if (!rows.length) return null;
  return (
    <Section title="Rules">
      <table class="list compact" aria-label="Rules">
        <thead>
          <tr>
            <th>Host</th>
            <th>Path</th>
            <th>Path type</th>
            <th>Backend</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.host}${r.path}`}>
              <td>{r.host}</td>
              <td>
                <code>{r.path}</code>
              </td>
              <td>{r.type}</td>
              <td>
                {r.service ? (
                  <ObjectLink
                    resource="services"
                    object={{
                      metadata: { name: r.service, namespace: ing.metadata.namespace ?? '' },
                    }}
                  >
                    {r.backend}
                  </ObjectLink>
                ) : (
                  r.backend
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
