// Workloads: deployments, replica sets, replication controllers, stateful sets, daemon sets,
// jobs, cron jobs and pods — ready counts, status, memory, and what their detail pages add.

import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import type { KObject } from '../../api/reducer.js';
import { Age } from '../../components/age.js';
import { Chips, KeyValues, RefLink, Section, Status } from '../../components/cells.js';
import { usePolled } from '../../components/data.js';
import { autoscalerTargets } from '../../kinds/autoscaler.js';
import { podMetricsCpu, podMetricsMemory, selectorString } from '../../kinds/owners.js';
import { formatCpu, formatMemory, parseQuantity } from '../../kinds/quantity.js';
import { podRestarts, workloadReady, workloadStatus } from '../../kinds/status.js';
import type { KindView, ListContext } from './types.js';

const images = (o: KObject): string[] => {
  const spec =
    o.kind === 'Pod' || o.spec?.containers
      ? o.spec
      : (o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec);
  return ((spec?.containers ?? []) as any[]).map((c) => c.image as string);
};

const ready = (kind: string) => ({ title: 'Ready', cell: (o: KObject) => workloadReady(kind, o) });
const status = (kind: string) => ({
  title: 'Status',
  cell: (o: KObject) => <Status word={workloadStatus(kind, o)} />,
});
const memory = (ctx: ListContext) => ({ title: 'Memory', cell: (o: KObject) => ctx.memory(o) });
const imagesColumn = { title: 'Images', cell: (o: KObject) => images(o).join(', ') };

function specSummary(o: KObject): [string, ComponentChildren][] {
  const rows: [string, ComponentChildren][] = [];
  const imgs = images(o);
  if (imgs.length) rows.push(['Images', imgs.join(', ')]);
  if (o.spec?.replicas !== undefined) rows.push(['Replicas', `${o.spec.replicas} desired`]);
  if (o.spec?.selector)
    rows.push([
      'Selector',
      typeof o.spec.selector.matchLabels === 'object' || o.spec.selector.matchExpressions
        ? selectorString(o.spec.selector)
        : Object.entries(o.spec.selector as Record<string, string>)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
    ]);
  const strategy = o.spec?.strategy ?? o.spec?.updateStrategy;
  if (strategy) {
    const ru = strategy.rollingUpdate;
    const detail = ru
      ? ` (${Object.entries(ru)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ')})`
      : '';
    rows.push(['Strategy', `${strategy.type ?? ''}${detail}`]);
  }
  return rows;
}

function replicaSummary(o: KObject): [string, ComponentChildren][] {
  const s = o.status ?? {};
  return [
    ['Status', <Status word={workloadStatus(o.kind ?? '', o)} />],
    [
      'Pods',
      `${s.readyReplicas ?? 0} ready, ${s.availableReplicas ?? 0} available, ${s.replicas ?? 0} current, ${o.spec?.replicas ?? 1} desired${s.updatedReplicas !== undefined ? `, ${s.updatedReplicas} up to date` : ''}`,
    ],
    ...specSummary(o),
  ];
}

export const deployments: KindView = {
  resource: 'deployments',
  title: 'Deployments',
  noun: 'deployments',
  section: 'Workloads',
  columns: (ctx) => [
    ready('Deployment'),
    { title: 'Up-to-date', cell: (o) => o.status?.updatedReplicas ?? 0 },
    { title: 'Available', cell: (o) => o.status?.availableReplicas ?? 0 },
    status('Deployment'),
    memory(ctx),
    imagesColumn,
  ],
  memory: 'owner',
  via: 'replicasets',
  actions: ['scale', 'restart', 'edit', 'delete'],
  summary: replicaSummary,
  owns: ['replicasets'],
  runsPods: true,
};

export const replicasets: KindView = {
  resource: 'replicasets',
  title: 'Replica sets',
  noun: 'replica sets',
  section: 'Workloads',
  columns: (ctx) => [
    ready('ReplicaSet'),
    { title: 'Current', cell: (o) => o.status?.replicas ?? 0 },
    status('ReplicaSet'),
    memory(ctx),
    imagesColumn,
  ],
  memory: 'owner',
  actions: ['scale', 'edit', 'delete'],
  summary: replicaSummary,
  runsPods: true,
};

export const replicationcontrollers: KindView = {
  ...replicasets,
  resource: 'replicationcontrollers',
  title: 'Replication controllers',
  noun: 'replication controllers',
  columns: (ctx) => [
    ready('ReplicationController'),
    { title: 'Current', cell: (o) => o.status?.replicas ?? 0 },
    status('ReplicationController'),
    memory(ctx),
    imagesColumn,
  ],
};

export const statefulsets: KindView = {
  resource: 'statefulsets',
  title: 'Stateful sets',
  noun: 'stateful sets',
  section: 'Workloads',
  columns: (ctx) => [ready('StatefulSet'), status('StatefulSet'), memory(ctx), imagesColumn],
  memory: 'owner',
  actions: ['scale', 'restart', 'edit', 'delete'],
  summary: (o) => [
    ...replicaSummary(o),
    ['Service', o.spec?.serviceName ?? ''],
    ['Pod management', o.spec?.podManagementPolicy ?? 'OrderedReady'],
  ],
  runsPods: true,
};

export const daemonsets: KindView = {
  resource: 'daemonsets',
  title: 'Daemon sets',
  noun: 'daemon sets',
  section: 'Workloads',
  columns: (ctx) => [
    { title: 'Desired', cell: (o) => o.status?.desiredNumberScheduled ?? 0 },
    { title: 'Current', cell: (o) => o.status?.currentNumberScheduled ?? 0 },
    ready('DaemonSet'),
    { title: 'Up-to-date', cell: (o) => o.status?.updatedNumberScheduled ?? 0 },
    { title: 'Available', cell: (o) => o.status?.numberAvailable ?? 0 },
    status('DaemonSet'),
    memory(ctx),
  ],
  memory: 'owner',
  actions: ['restart', 'edit', 'delete'],
  summary: (o) => {
    const s = o.status ?? {};
    return [
      ['Status', <Status word={workloadStatus('DaemonSet', o)} />],
      [
        'Pods',
        `${s.numberReady ?? 0} ready, ${s.numberAvailable ?? 0} available, ${s.currentNumberScheduled ?? 0} scheduled, ${s.desiredNumberScheduled ?? 0} desired`,
      ],
      ['Node selector', <Chips map={o.spec?.template?.spec?.nodeSelector} />],
      ...specSummary(o),
    ];
  },
  runsPods: true,
};

export const jobs: KindView = {
  resource: 'jobs',
  title: 'Jobs',
  noun: 'jobs',
  section: 'Workloads',
  columns: (ctx) => [
    { title: 'Completions', cell: (o) => workloadReady('Job', o) },
    status('Job'),
    { title: 'Active', cell: (o) => o.status?.active ?? 0 },
    { title: 'Failed', cell: (o) => o.status?.failed ?? 0 },
    memory(ctx),
    imagesColumn,
  ],
  memory: 'owner',
  actions: ['edit', 'delete'],
  summary: (o) => {
    const s = o.status ?? {};
    return [
      ['Status', <Status word={workloadStatus('Job', o)} />],
      ['Completions', workloadReady('Job', o)],
      ['Parallelism', o.spec?.parallelism ?? 1],
      ['Back-off limit', o.spec?.backoffLimit ?? 6],
      ['Pods', `${s.active ?? 0} active, ${s.succeeded ?? 0} succeeded, ${s.failed ?? 0} failed`],
      ['Started', s.startTime ? <Age since={s.startTime} /> : '—'],
      ...specSummary(o).filter(([k]) => k !== 'Selector'),
    ];
  },
  runsPods: true,
};

export const cronjobs: KindView = {
  resource: 'cronjobs',
  title: 'Cron jobs',
  noun: 'cron jobs',
  section: 'Workloads',
  columns: (ctx) => [
    { title: 'Schedule', cell: (o) => <code>{o.spec?.schedule}</code> },
    { title: 'Suspend', cell: (o) => String(Boolean(o.spec?.suspend)) },
    { title: 'Active', cell: (o) => (o.status?.active ?? []).length },
    {
      title: 'Last schedule',
      cell: (o) => (o.status?.lastScheduleTime ? <Age since={o.status.lastScheduleTime} /> : '—'),
    },
    status('CronJob'),
    memory(ctx),
  ],
  memory: 'owner',
  via: 'jobs',
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Status', <Status word={workloadStatus('CronJob', o)} />],
    ['Schedule', <code>{o.spec?.schedule}</code>],
    ['Time zone', o.spec?.timeZone ?? 'the controller’s'],
    ['Concurrency', o.spec?.concurrencyPolicy ?? 'Allow'],
    ['Suspended', String(Boolean(o.spec?.suspend))],
    [
      'Last schedule',
      o.status?.lastScheduleTime ? <Age since={o.status.lastScheduleTime} /> : 'never',
    ],
    ...specSummary(o),
  ],
  owns: ['jobs'],
  runsPods: true,
};

/** The autoscaler's target, linked to its page. */
const scaleTarget = (o: KObject) => {
  const ref = o.spec?.scaleTargetRef ?? {};
  return ref.name ? (
    <RefLink
      apiVersion={ref.apiVersion}
      kind={ref.kind}
      namespace={o.metadata.namespace}
      name={ref.name}
    />
  ) : (
    ''
  );
};

/** Not in WORKLOADS: an autoscaler runs no pods of its own (the workloads page lists those). */
export const horizontalpodautoscalers: KindView = {
  resource: 'horizontalpodautoscalers',
  title: 'Autoscalers',
  noun: 'horizontal pod autoscalers',
  section: 'Workloads',
  // kubectl get hpa: Reference, Targets, MinPods, MaxPods, Replicas.
  columns: () => [
    { title: 'Reference', cell: scaleTarget },
    { title: 'Targets', cell: (o) => autoscalerTargets(o) },
    { title: 'Min pods', cell: (o) => o.spec?.minReplicas ?? 1 },
    { title: 'Max pods', cell: (o) => o.spec?.maxReplicas ?? '' },
    { title: 'Replicas', cell: (o) => o.status?.currentReplicas ?? 0 },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Reference', scaleTarget(o)],
    ['Targets', autoscalerTargets(o)],
    [
      'Replicas',
      `${o.status?.currentReplicas ?? 0} now, ${o.status?.desiredReplicas ?? 0} desired (${o.spec?.minReplicas ?? 1}–${o.spec?.maxReplicas ?? ''})`,
    ],
    ['Last scaled', o.status?.lastScaleTime ? <Age since={o.status.lastScaleTime} /> : 'never'],
    [
      'Conditions',
      ((o.status?.conditions ?? []) as any[])
        .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`)
        .join(', ') || '—',
    ],
  ],
};

export const pods: KindView = {
  resource: 'pods',
  title: 'Pods',
  noun: 'pods',
  section: 'Workloads',
  columns: (ctx) => [
    ready('Pod'),
    status('Pod'),
    { title: 'Restarts', cell: podRestarts },
    memory(ctx),
    { title: 'Node', cell: (o) => o.spec?.nodeName ?? '' },
    { title: 'IP', cell: (o) => o.status?.podIP ?? '' },
  ],
  memory: 'pod',
  actions: ['edit', 'delete'],
  summary: (o) => {
    const s = o.status ?? {};
    return [
      ['Status', <Status word={workloadStatus('Pod', o)} />],
      ['Ready', workloadReady('Pod', o)],
      ['Restarts', podRestarts(o)],
      [
        'Node',
        o.spec?.nodeName ? (
          <RefLink kind="Node" apiVersion="v1" name={o.spec.nodeName} />
        ) : (
          'not scheduled'
        ),
      ],
      ['Pod IP', ((s.podIPs ?? []) as any[]).map((p) => p.ip).join(', ') || s.podIP || '—'],
      ['Host IP', s.hostIP ?? '—'],
      ['QoS class', s.qosClass ?? '—'],
      ['Service account', o.spec?.serviceAccountName ?? 'default'],
      ['Restart policy', o.spec?.restartPolicy ?? 'Always'],
    ];
  },
  sections: [PodUse, Containers],
};

/** The pod's CPU and memory now (PodMetrics), per container; absent metrics said in words. */
function PodUse({ object: pod }: { object: KObject }) {
  const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(pod.metadata.namespace ?? '')}/pods/${encodeURIComponent(pod.metadata.name)}`;
  const m = usePolled<KObject>(path);
  const containers: any[] = m.value?.containers ?? [];
  return (
    <Section title="Use">
      {m.value ? (
        <KeyValues
          rows={[
            ['CPU', formatCpu(podMetricsCpu(m.value))],
            ['Memory', formatMemory(podMetricsMemory(m.value))],
            ...containers.map((c): [string, ComponentChildren] => [
              `Container ${c.name}`,
              `${formatCpu(parseQuantity(c.usage?.cpu))} CPU, ${formatMemory(parseQuantity(c.usage?.memory))} memory`,
            ]),
          ]}
        />
      ) : (
        <p class="hint">
          {m.error
            ? m.error.forbidden
              ? 'You are not allowed to read this pod’s metrics.'
              : 'No metrics for this pod (yet): it is not running, or the metrics API is absent.'
            : 'Loading metrics…'}
        </p>
      )}
    </Section>
  );
}

function containerState(st: any): string {
  if (!st) return 'not started';
  if (st.running) return `Running since ${st.running.startedAt ?? '?'}`;
  if (st.waiting)
    return `Waiting: ${st.waiting.reason ?? ''}${st.waiting.message ? ` (${st.waiting.message})` : ''}`;
  if (st.terminated)
    return `Terminated: ${st.terminated.reason ?? ''} (exit code ${st.terminated.exitCode})`;
  return 'unknown';
}

function envValue(e: any): string {
  if (e.value !== undefined) return e.value;
  const from = e.valueFrom ?? {};
  if (from.secretKeyRef)
    return `from secret ${from.secretKeyRef.name} key ${from.secretKeyRef.key}`;
  if (from.configMapKeyRef)
    return `from config map ${from.configMapKeyRef.name} key ${from.configMapKeyRef.key}`;
  if (from.fieldRef) return `from field ${from.fieldRef.fieldPath}`;
  if (from.resourceFieldRef) return `from resource ${from.resourceFieldRef.resource}`;
  return '';
}

/** A pod's containers: state, restarts, ports, env, mounts, and their logs and terminal. */
function Containers({ object: pod }: { object: KObject }) {
  const statuses = new Map<string, any>(
    [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map(
      (s: any) => [s.name, s],
    ),
  );
  const ns = encodeURIComponent(pod.metadata.namespace ?? '');
  const name = encodeURIComponent(pod.metadata.name);
  const all: [string, any][] = [
    ...((pod.spec?.initContainers ?? []) as any[]).map((c): [string, any] => ['Init container', c]),
    ...((pod.spec?.containers ?? []) as any[]).map((c): [string, any] => ['Container', c]),
  ];
  return (
    <Section title="Containers">
      {all.map(([what, c]) => {
        const st = statuses.get(c.name);
        const q = `?container=${encodeURIComponent(c.name)}`;
        return (
          <article class="container" key={c.name} aria-label={`${what} ${c.name}`}>
            <h4>
              {what} {c.name} <Link href={`/pods/${ns}/${name}/logs${q}`}>Logs</Link>{' '}
              <Link href={`/pods/${ns}/${name}/exec${q}`}>Terminal</Link>
            </h4>
            <KeyValues
              rows={[
                ['Image', c.image],
                ['State', st ? containerState(st.state) : 'not created yet'],
                ...(st?.lastState?.terminated
                  ? ([['Last state', containerState(st.lastState)]] as [string, string][])
                  : []),
                ['Ready', String(Boolean(st?.ready))],
                ['Restarts', st?.restartCount ?? 0],
                [
                  'Ports',
                  ((c.ports ?? []) as any[])
                    .map(
                      (p) =>
                        `${p.name ? `${p.name} ` : ''}${p.containerPort}/${p.protocol ?? 'TCP'}`,
                    )
                    .join(', ') || 'none',
                ],
                ['Command', [...(c.command ?? []), ...(c.args ?? [])].join(' ') || 'image default'],
                [
                  'Requests',
                  Object.entries(c.resources?.requests ?? {})
                    .map(([k, v]) => `${k} ${String(v)}`)
                    .join(', ') || 'none',
                ],
                [
                  'Limits',
                  Object.entries(c.resources?.limits ?? {})
                    .map(([k, v]) => `${k} ${String(v)}`)
                    .join(', ') || 'none',
                ],
              ]}
            />
            {(c.env ?? []).length > 0 && (
              <table class="list compact" aria-label={`Environment of ${c.name}`}>
                <thead>
                  <tr>
                    <th>Variable</th>
                    <th>Value</th>
                  </tr>
                </thead>
                <tbody>
                  {(c.env as any[]).map((e) => (
                    <tr key={e.name}>
                      <td>
                        <code>{e.name}</code>
                      </td>
                      <td>{envValue(e)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {(c.volumeMounts ?? []).length > 0 && (
              <table class="list compact" aria-label={`Mounts of ${c.name}`}>
                <thead>
                  <tr>
                    <th>Volume</th>
                    <th>Mounted at</th>
                    <th>Read-only</th>
                  </tr>
                </thead>
                <tbody>
                  {(c.volumeMounts as any[]).map((m) => (
                    <tr key={m.mountPath}>
                      <td>{m.name}</td>
                      <td>
                        <code>
                          {m.mountPath}
                          {m.subPath ? ` (${m.subPath})` : ''}
                        </code>
                      </td>
                      <td>{String(Boolean(m.readOnly))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </article>
        );
      })}
    </Section>
  );
}

export const WORKLOADS: KindView[] = [
  deployments,
  replicasets,
  replicationcontrollers,
  statefulsets,
  daemonsets,
  jobs,
  cronjobs,
  pods,
];
