// The `kubernetes-dashboard` Service in namespace `kubernetes-dashboard`, so that the seed's
// URL (`…/services/https:kubernetes-dashboard:/proxy/` through `kubectl proxy` or the API
// server) reaches the dashboard: like kube-dns, a Service without a selector whose
// Endpoints and EndpointSlice name this node's address and the dashboard's port.
//
// The namespace, the Service and a RoleBinding to `system:skiff-dashboard` in it are made
// once at start by the cluster itself (as kube-apiserver makes its system namespaces and
// the `kubernetes` Service); the dashboard, on its own identity, keeps only its endpoints.

import type { KubeObject } from '../../api/types.js';
import {
  createServiceEndpoints,
  isAlreadyExists,
  resources,
  upsert,
  type Client,
  type ResourceRef,
  type ServiceEndpoints,
} from '../../client/index.js';

export const DASHBOARD_NAMESPACE = 'kubernetes-dashboard';
export const DASHBOARD_SERVICE = 'kubernetes-dashboard';
/** The ClusterRole the dashboard's identity is bound to in its namespace (bootstrap policy). */
export const DASHBOARD_ROLE = 'system:skiff-dashboard';
/** Who writes the EndpointSlice (so the EndpointSlice controller leaves it alone). */
export const MANAGED_BY = 'dashboard.skiff.dev';

export const DASHBOARD_LABELS: Record<string, string> = { 'k8s-app': 'kubernetes-dashboard' };

const roleBindings: ResourceRef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'rolebindings',
  namespaced: true,
};

/**
 * The Service: HTTPS on 443 to the dashboard's port. Its one port has no name, as the
 * dashboard project's own manifest has it: the seed's `https:kubernetes-dashboard:` (an
 * empty port name) selects exactly the unnamed port.
 */
export function dashboardService(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: DASHBOARD_SERVICE, namespace: DASHBOARD_NAMESPACE, labels: DASHBOARD_LABELS },
    spec: {
      type: 'ClusterIP',
      ports: [{ port: 443, protocol: 'TCP', targetPort: 8443, appProtocol: 'https' }],
      sessionAffinity: 'None',
    },
  };
}

async function createIfMissing(
  client: Client,
  ref: ResourceRef,
  ns: string,
  obj: KubeObject,
): Promise<void> {
  try {
    await client.create(ref, ns, obj);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/**
 * Makes the namespace, the Service (kept if it exists, its target port set to `port`) and
 * the RoleBinding that lets `user` keep the endpoints. `admin` is the cluster's own client.
 */
export async function ensureDashboardService(
  admin: Client,
  port: number,
  user: string,
): Promise<void> {
  await createIfMissing(admin, resources.namespaces, '', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: DASHBOARD_NAMESPACE },
  });
  const want = dashboardService();
  (want['spec'] as { ports: { targetPort: number }[] }).ports[0]!.targetPort = port;
  await upsert(
    admin,
    resources.services,
    DASHBOARD_NAMESPACE,
    DASHBOARD_SERVICE,
    () => want,
    (live) => {
      const ports = (live['spec'] as { ports?: { targetPort?: unknown }[] }).ports ?? [];
      if (ports.length !== 1 || ports[0]?.targetPort === port) return undefined;
      return {
        ...live,
        spec: { ...(live['spec'] as object), ports: [{ ...ports[0], targetPort: port }] },
      };
    },
  );
  await createIfMissing(admin, roleBindings, DASHBOARD_NAMESPACE, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: DASHBOARD_ROLE, namespace: DASHBOARD_NAMESPACE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: DASHBOARD_ROLE },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
}

/** This server's place in the Service's endpoints, on the dashboard's own client. */
export function dashboardEndpoints(
  client: Client,
  address: string,
  port: number,
  nodeName: string | undefined,
  pod: KubeObject | undefined,
): ServiceEndpoints {
  return createServiceEndpoints({
    client,
    namespace: DASHBOARD_NAMESPACE,
    name: DASHBOARD_SERVICE,
    labels: DASHBOARD_LABELS,
    ports: [{ name: '', port, protocol: 'TCP' }],
    managedBy: MANAGED_BY,
    address,
    nodeName,
    targetRef: pod && {
      kind: 'Pod',
      namespace: DASHBOARD_NAMESPACE,
      name: pod.metadata.name ?? '',
      ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
    },
  });
}

/** The local admin `skiff dashboard` signs in as: a kube-system account bound to cluster-admin. */
export const LOCAL_ADMIN = { namespace: 'kube-system', name: 'skiff-dashboard-admin' } as const;

const clusterRoleBindings: ResourceRef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterrolebindings',
  namespaced: false,
};

/** Makes the local admin's service account and its cluster-admin binding (kept if they exist). */
export async function ensureLocalAdmin(admin: Client): Promise<void> {
  await createIfMissing(admin, resources.serviceAccounts, LOCAL_ADMIN.namespace, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: LOCAL_ADMIN.name, namespace: LOCAL_ADMIN.namespace },
  });
  await createIfMissing(admin, clusterRoleBindings, '', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: LOCAL_ADMIN.name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [
      { kind: 'ServiceAccount', name: LOCAL_ADMIN.name, namespace: LOCAL_ADMIN.namespace },
    ],
  });
}
