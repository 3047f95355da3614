// What a new cluster has before anyone writes to it, kept true by the API server as
// kube-apiserver's bootstrap controllers do: the system namespaces, the `kubernetes`
// service in `default` with endpoints pointing at this API server, the bootstrap RBAC
// policy (reconciled as kube-apiserver's rbac/bootstrap-roles post-start hook does) and the
// system PriorityClasses.

import type { ResourceTable } from '../api/registry.js';
import type { KubeObject, ResourceDef } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { Registry } from './registry/generic.js';
import {
  bootstrapPolicy,
  reconcileBinding,
  reconcileRole,
  type BindingObject,
  type Reconciled,
  type RoleObject,
} from './auth/bootstrap-policy/index.js';
import { LOCAL_PATH_STORAGE_CLASS, SYSTEM_PRIORITY_CLASSES } from '../api/kinds/index.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface BootstrapOptions {
  /** The first IP of the service range (10.96.0.1). */
  kubernetesServiceIP: string;
  /** Where pods reach the API server. */
  advertiseAddress: string;
  securePort: number;
}

function def(table: ResourceTable, group: string, plural: string): ResourceDef {
  const d = table.byGroupResource(group, plural);
  if (!d) throw new Error(`resource ${plural} is not in the resource table`);
  return d;
}

async function ensure(
  registry: Registry,
  d: ResourceDef,
  ns: string,
  obj: KubeObject,
  reconcile?: (live: KubeObject) => KubeObject | undefined,
): Promise<void> {
  const live = await registry.tryGet(d, ns, obj.metadata.name ?? '');
  if (!live) {
    try {
      await registry.create(d, ns, obj);
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
    }
    return;
  }
  const next = reconcile?.(live);
  if (next) await registry.update(d, ns, obj.metadata.name ?? '', next);
}

export async function bootstrap(
  registry: Registry,
  table: ResourceTable,
  o: BootstrapOptions,
): Promise<void> {
  const namespaces = def(table, '', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(registry, namespaces, '', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
  await reconcileRbacPolicy(registry, table);
  await ensurePriorityClasses(registry, table);
  const services = def(table, '', 'services');
  await ensure(registry, services, 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { component: 'apiserver', provider: 'kubernetes' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: o.kubernetesServiceIP,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.securePort }],
      sessionAffinity: 'None',
    },
  });
  // Endpoints may not point at loopback: with no other address (a machine or namespace
  // without a network) the `kubernetes` service has no endpoints, as pods could not reach it.
  if (o.advertiseAddress.startsWith('127.')) return;
  const endpoints = def(table, '', 'endpoints');
  const subsets = [
    {
      addresses: [{ ip: o.advertiseAddress }],
      ports: [{ name: 'https', port: o.securePort, protocol: 'TCP' }],
    },
  ];
  await ensure(
    registry,
    endpoints,
    'default',
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets,
    },
    (live) =>
      JSON.stringify(live['subsets']) === JSON.stringify(subsets)
        ? undefined
        : { ...live, subsets },
  );
  const slices = table.byGroupResource('discovery.k8s.io', 'endpointslices');
  if (slices) {
    const endpointsList = [{ addresses: [o.advertiseAddress], conditions: { ready: true } }];
    const ports = [{ name: 'https', port: o.securePort, protocol: 'TCP' }];
    await ensure(
      registry,
      slices,
      'default',
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: 'kubernetes',
          namespace: 'default',
          labels: {
            'kubernetes.io/service-name': 'kubernetes',
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
        },
        addressType: 'IPv4',
        endpoints: endpointsList,
        ports,
      },
      (live) =>
        JSON.stringify(live['endpoints']) === JSON.stringify(endpointsList)
          ? undefined
          : { ...live, endpoints: endpointsList, ports },
    );
  }
}

/** Skiff's own IngressClass, the cluster's default (its controller serves Ingresses). */
export const SKIFF_INGRESS_CLASS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: {
    name: 'skiff',
    annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
  },
  spec: { controller: 'skiff.dev/ingress-controller' },
};

/**
 * Creates Skiff's IngressClass when it is missing. Done once at start, not kept: like the
 * class a k3s chart installs, one a user deletes stays deleted until the next start.
 */
export async function ensureIngressClass(registry: Registry, table: ResourceTable): Promise<void> {
  const classes = table.byGroupResource('networking.k8s.io', 'ingressclasses');
  if (classes) await ensure(registry, classes, '', structuredClone(SKIFF_INGRESS_CLASS));
}

/**
 * Creates the default StorageClass `local-path` when it is missing: once at start, like the
 * IngressClass (a class a user deletes stays deleted until the next start).
 */
export async function ensureStorageClass(registry: Registry, table: ResourceTable): Promise<void> {
  const classes = table.byGroupResource('storage.k8s.io', 'storageclasses');
  if (classes) await ensure(registry, classes, '', structuredClone(LOCAL_PATH_STORAGE_CLASS));
}

/**
 * The system PriorityClasses `system-node-critical` and `system-cluster-critical`, created
 * when missing (as kube-apiserver's scheduling bootstrap hook does; they cannot be deleted).
 */
export async function ensurePriorityClasses(
  registry: Registry,
  table: ResourceTable,
): Promise<void> {
  const classes = table.byGroupResource('scheduling.k8s.io', 'priorityclasses');
  if (!classes) return;
  for (const pc of SYSTEM_PRIORITY_CLASSES)
    await ensure(registry, classes, '', structuredClone(pc));
}

/**
 * The bootstrap RBAC policy, as `kubectl auth reconcile` would apply it: missing objects
 * created; objects annotated `autoupdate: "true"` given what they lack (nothing removed);
 * `autoupdate: "false"` ones left alone. Every object is tried even when one fails.
 */
export async function reconcileRbacPolicy(registry: Registry, table: ResourceTable): Promise<void> {
  const kinds = {
    clusterroles: table.byGroupResource('rbac.authorization.k8s.io', 'clusterroles'),
    clusterrolebindings: table.byGroupResource('rbac.authorization.k8s.io', 'clusterrolebindings'),
    roles: table.byGroupResource('rbac.authorization.k8s.io', 'roles'),
    rolebindings: table.byGroupResource('rbac.authorization.k8s.io', 'rolebindings'),
  };
  if (!kinds.clusterroles || !kinds.clusterrolebindings || !kinds.roles || !kinds.rolebindings)
    return;
  const policy = bootstrapPolicy();
  const failures: unknown[] = [];
  const apply = async <T extends RoleObject | BindingObject>(
    d: ResourceDef,
    objects: T[],
    reconcile: (live: T, want: T) => Reconciled<T>,
  ): Promise<void> => {
    for (const want of objects) {
      const ns = want.metadata.namespace ?? '';
      const name = want.metadata.name ?? '';
      try {
        const live = (await registry.tryGet(d, ns, name)) as T | undefined;
        if (!live) {
          await createIgnoringRace(registry, d, ns, structuredClone(want));
          continue;
        }
        const out = reconcile(live, want);
        if (out.protected || out.operation === 'none') continue;
        if (out.operation === 'update') await registry.update(d, ns, name, out.object);
        else {
          await registry.delete(d, ns, name);
          await createIgnoringRace(registry, d, ns, structuredClone(out.object));
        }
      } catch (e) {
        failures.push(e);
      }
    }
  };
  await apply(kinds.clusterroles, policy.clusterRoles, reconcileRole);
  await apply(kinds.clusterrolebindings, policy.clusterRoleBindings, reconcileBinding);
  await apply(kinds.roles, policy.roles, reconcileRole);
  await apply(kinds.rolebindings, policy.roleBindings, reconcileBinding);
  if (failures.length)
    throw new AggregateError(
      failures,
      `bootstrap RBAC policy: ${failures.length} objects not reconciled`,
    );
}

async function createIgnoringRace(
  registry: Registry,
  d: ResourceDef,
  ns: string,
  obj: KubeObject,
): Promise<void> {
  try {
    await registry.create(d, ns, obj);
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
  }
}
