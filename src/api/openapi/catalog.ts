// The resources whose schemas Skiff publishes, and their operations: every verb of a listed
// kind (read, list, watch, create, replace, patch, delete, deletecollection, and status),
// PATCH for scale, a POST on the collection for create-only kinds. The PATCH operation names the kind (`x-kubernetes-group-version-kind`) and declares the
// `fieldValidation` query parameter, which is what kubectl looks for before it leaves field
// validation to the server, and what `kubectl explain` uses to map a resource to its kind.

import type { GroupVersionKind } from '../types.js';
import { APIEXTENSIONS } from './source.js';

export interface OpenApiOperation {
  /** The URL's group and version (the document that carries the path). */
  group: string;
  version: string;
  /** Plural resource name in the URL. */
  resource: string;
  namespaced: boolean;
  subresource?: string;
  /** `patch` on the item path, or `post` for create-only kinds (reviews, bindings, tokens). */
  method: 'patch' | 'post';
  /** The kind the operation takes and returns (another group's kind for scale and token). */
  kind: GroupVersionKind;
  /** Whether `<Kind>List` exists for this kind (and so the full set of CRUD operations). */
  listed: boolean;
  /** Whether the resource has a status subresource (read, replace, patch). */
  status?: boolean;
  /** The kind's definition name, when not a Kubernetes package's (custom resources). */
  definition?: string;
  /** Its list kind's definition name, likewise. */
  listDefinition?: string;
  /**
   * A custom resource: its writes take JSON or YAML and its patches no strategic merge
   * patch, as kube-apiextensions-server publishes them.
   */
  custom?: boolean;
}

const gvk = (group: string, version: string, kind: string): GroupVersionKind => ({
  group,
  version,
  kind,
});

function crud(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  withStatus = false,
  version = 'v1',
): OpenApiOperation {
  return {
    group,
    version,
    resource,
    namespaced,
    method: 'patch',
    kind: gvk(group, version, kind),
    listed: true,
    ...(withStatus ? { status: true } : {}),
  };
}

function createOnly(
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
): OpenApiOperation {
  return {
    group,
    version: 'v1',
    resource,
    namespaced,
    method: 'post',
    kind: gvk(group, 'v1', kind),
    listed: false,
  };
}

function scale(group: string, resource: string): OpenApiOperation {
  const kind = gvk('autoscaling', 'v1', 'Scale');
  return {
    group,
    version: 'v1',
    resource,
    namespaced: true,
    subresource: 'scale',
    method: 'patch',
    kind,
    listed: false,
  };
}

/** What Skiff serves. */
export const DEFAULT_OPERATIONS: readonly OpenApiOperation[] = [
  crud('', 'namespaces', 'Namespace', false, true),
  crud('', 'pods', 'Pod', true, true),
  crud('', 'services', 'Service', true, true),
  crud('', 'endpoints', 'Endpoints', true),
  crud('', 'configmaps', 'ConfigMap', true),
  crud('', 'secrets', 'Secret', true),
  crud('', 'resourcequotas', 'ResourceQuota', true, true),
  crud('', 'serviceaccounts', 'ServiceAccount', true),
  crud('', 'events', 'Event', true),
  crud('', 'limitranges', 'LimitRange', true),
  crud('', 'nodes', 'Node', false, true),
  crud('', 'replicationcontrollers', 'ReplicationController', true, true),
  createOnly('', 'bindings', 'Binding', true),
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    namespaced: true,
    subresource: 'binding',
    method: 'post',
    kind: gvk('', 'v1', 'Binding'),
    listed: false,
  },
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    namespaced: true,
    subresource: 'eviction',
    method: 'post',
    kind: gvk('policy', 'v1', 'Eviction'),
    listed: false,
  },
  scale('', 'replicationcontrollers'),
  {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    namespaced: true,
    subresource: 'token',
    method: 'post',
    kind: gvk('authentication.k8s.io', 'v1', 'TokenRequest'),
    listed: false,
  },
  crud('', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, true),
  crud('', 'persistentvolumes', 'PersistentVolume', false, true),
  crud('apps', 'controllerrevisions', 'ControllerRevision', true),
  crud('apps', 'daemonsets', 'DaemonSet', true, true),
  crud('apps', 'deployments', 'Deployment', true, true),
  crud('apps', 'replicasets', 'ReplicaSet', true, true),
  crud('apps', 'statefulsets', 'StatefulSet', true, true),
  scale('apps', 'deployments'),
  scale('apps', 'replicasets'),
  scale('apps', 'statefulsets'),
  crud('autoscaling', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, true, 'v2'),
  crud('autoscaling', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, true),
  crud('batch', 'cronjobs', 'CronJob', true, true),
  crud('batch', 'jobs', 'Job', true, true),
  crud('discovery.k8s.io', 'endpointslices', 'EndpointSlice', true),
  crud('policy', 'poddisruptionbudgets', 'PodDisruptionBudget', true, true),
  crud('networking.k8s.io', 'ingresses', 'Ingress', true, true),
  crud('networking.k8s.io', 'ingressclasses', 'IngressClass', false),
  crud('networking.k8s.io', 'networkpolicies', 'NetworkPolicy', true),
  // The legacy Ingress versions, served from v1 storage (src/api/kinds/ingress-versions.ts).
  crud('networking.k8s.io', 'ingresses', 'Ingress', true, true, 'v1beta1'),
  crud('extensions', 'ingresses', 'Ingress', true, true, 'v1beta1'),
  crud('coordination.k8s.io', 'leases', 'Lease', true),
  crud(
    'certificates.k8s.io',
    'certificatesigningrequests',
    'CertificateSigningRequest',
    false,
    true,
  ),
  crud('events.k8s.io', 'events', 'Event', true),
  crud('rbac.authorization.k8s.io', 'clusterrolebindings', 'ClusterRoleBinding', false),
  crud('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false),
  crud('rbac.authorization.k8s.io', 'rolebindings', 'RoleBinding', true),
  crud('rbac.authorization.k8s.io', 'roles', 'Role', true),
  crud(
    'apiextensions.k8s.io',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
    true,
  ),
  crud('storage.k8s.io', 'storageclasses', 'StorageClass', false),
  crud('scheduling.k8s.io', 'priorityclasses', 'PriorityClass', false),
  createOnly('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false),
  createOnly('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false),
  createOnly('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview', false),
  createOnly('authorization.k8s.io', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
  createOnly('authentication.k8s.io', 'tokenreviews', 'TokenReview', false),
  createOnly('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview', false),
];

/** meta/v1 definitions every document carries, as the Kubernetes documents do. */
export const META_DEFINITIONS = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
] as const;

/** `apps/v1 Deployment` → `io.k8s.api.apps.v1.Deployment`. */
export function definitionOf(kind: GroupVersionKind): string {
  if (kind.group === 'apiextensions.k8s.io') return `${APIEXTENSIONS}.${kind.version}.${kind.kind}`;
  // Definitions are named by the Go package: the group's first label (`rbac`, `certificates`).
  const group = kind.group === '' ? 'core' : (kind.group.split('.')[0] ?? '');
  return `io.k8s.api.${group}.${kind.version}.${kind.kind}`;
}

/** The key of a group-version in the v3 index: `api/v1`, `apis/apps/v1`. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The URL path of an operation, with `{namespace}` and `{name}` placeholders. */
export function operationPath(op: OpenApiOperation): string {
  let path = `/${groupVersionPath(op.group, op.version)}`;
  if (op.namespaced) path += '/namespaces/{namespace}';
  path += `/${op.resource}`;
  if (op.method === 'patch' || op.subresource) path += '/{name}';
  if (op.subresource) path += `/${op.subresource}`;
  return path;
}
