// The kinds the dashboard shows, and how to reach them: group, version, plural, and
// whether they live in a namespace.

export interface Resource {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural, as in the URL. */
  plural: string;
  kind: string;
  namespaced: boolean;
}

const r = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): Resource => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

export const RESOURCES = {
  namespaces: r('', 'v1', 'namespaces', 'Namespace', false),
  nodes: r('', 'v1', 'nodes', 'Node', false),
  persistentvolumes: r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  storageclasses: r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  pods: r('', 'v1', 'pods', 'Pod'),
  services: r('', 'v1', 'services', 'Service'),
  endpoints: r('', 'v1', 'endpoints', 'Endpoints'),
  configmaps: r('', 'v1', 'configmaps', 'ConfigMap'),
  secrets: r('', 'v1', 'secrets', 'Secret'),
  events: r('', 'v1', 'events', 'Event'),
  persistentvolumeclaims: r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  serviceaccounts: r('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  replicationcontrollers: r('', 'v1', 'replicationcontrollers', 'ReplicationController'),
  deployments: r('apps', 'v1', 'deployments', 'Deployment'),
  replicasets: r('apps', 'v1', 'replicasets', 'ReplicaSet'),
  statefulsets: r('apps', 'v1', 'statefulsets', 'StatefulSet'),
  daemonsets: r('apps', 'v1', 'daemonsets', 'DaemonSet'),
  jobs: r('batch', 'v1', 'jobs', 'Job'),
  cronjobs: r('batch', 'v1', 'cronjobs', 'CronJob'),
  horizontalpodautoscalers: r(
    'autoscaling',
    'v2',
    'horizontalpodautoscalers',
    'HorizontalPodAutoscaler',
  ),
  ingresses: r('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  ingressclasses: r('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  customresourcedefinitions: r(
    'apiextensions.k8s.io',
    'v1',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
  ),
} as const satisfies Record<string, Resource>;

export type ResourceName = keyof typeof RESOURCES;

/**
 * Kinds shown only inside a namespace's page (as the Kubernetes dashboard does), with no
 * list or detail page of their own: references to them stay plain text.
 */
export const NAMESPACE_POLICY = {
  resourcequotas: r('', 'v1', 'resourcequotas', 'ResourceQuota'),
  limitranges: r('', 'v1', 'limitranges', 'LimitRange'),
} as const satisfies Record<string, Resource>;

/** The resource a kind (and apiVersion) names, if the dashboard knows it. */
export function resourceForKind(apiVersion: string, kind: string): Resource | undefined {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return Object.values(RESOURCES).find((x) => x.kind === kind && x.group === group);
}

/**
 * The collection or object path: `/api/v1/namespaces/NS/pods[/NAME]`, `/apis/apps/v1/…`.
 * `namespace` undefined (or '' ) on a namespaced resource means all namespaces.
 */
export function resourcePath(
  res: Resource,
  namespace?: string,
  name?: string,
  sub?: string,
): string {
  let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (sub) p += `/${sub}`;
  return p;
}
