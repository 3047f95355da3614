// Roles for Skiff's own parts that kube's policy has no role for, each granting only what
// that part reads and writes: the built-in load balancer, the root-CA half of Skiff's
// service-account controller, the ingress controller, a node's network policy enforcement
// (as a network plugin's node agent reads pods, namespaces and policies), cluster DNS (as
// k3s ships `system:coredns`, plus the kube-dns Service, Endpoints and EndpointSlice it
// registers in kube-system), and the dashboard's server (its mirror pod and its Service's
// endpoints).

import {
  CONTROLLER_ROLE_PREFIX,
  clusterRole,
  clusterRoleBinding,
  role,
  roleBinding,
  rule,
  serviceAccount,
  user,
  type BindingObject,
  type RoleObject,
} from './build.js';

const READ = ['get', 'list', 'watch'];
const EVENTS = rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

/** The identities Skiff's parts run as (users; service accounts live in kube-system). */
export const SKIFF_IDENTITIES = {
  serviceLoadBalancer: 'skiff-service-lb-controller',
  /** Skiff's service-account controller also publishes kube-root-ca.crt. */
  serviceAccounts: 'service-account-controller',
  ingress: 'system:skiff-ingress-controller',
  dns: 'coredns',
  /**
   * Cluster DNS on a node of its own (`skiff agent`): a client certificate cannot name a
   * service account, so it is this user, bound to the same roles as `coredns`.
   */
  nodeDns: 'system:skiff-dns',
  /** The dashboard's server, for its Service's endpoints (never for what users see). */
  dashboard: 'system:skiff-dashboard',
  /** A node's network policy enforcement (reads pods, namespaces and policies). */
  networkPolicy: 'system:skiff-network-policy',
} as const;

const LB_ROLE = CONTROLLER_ROLE_PREFIX + SKIFF_IDENTITIES.serviceLoadBalancer;
const ROOT_CA_ROLE = `${CONTROLLER_ROLE_PREFIX}skiff-root-ca-cert-publisher`;
const INGRESS_ROLE = SKIFF_IDENTITIES.ingress;
const DNS_ROLE = 'system:coredns';
const DNS_REGISTRATION_ROLE = 'system:coredns:kube-dns-registration';
/** Bound in namespace kubernetes-dashboard only, by the RoleBinding made with the namespace. */
const DASHBOARD_ROLE = SKIFF_IDENTITIES.dashboard;
const NETPOL_ROLE = SKIFF_IDENTITIES.networkPolicy;

export const skiffClusterRoles = (): RoleObject[] => [
  clusterRole(LB_ROLE, [
    rule(READ, [''], ['nodes', 'services']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(['patch', 'update'], [''], ['services/status']),
    EVENTS,
  ]),
  // kube's root-ca-cert-publisher updates the config map; Skiff's patches it.
  clusterRole(ROOT_CA_ROLE, [rule(['create', 'patch', 'update'], [''], ['configmaps']), EVENTS]),
  clusterRole(INGRESS_ROLE, [
    rule(READ, [''], ['endpoints', 'secrets', 'services']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['networking.k8s.io'], ['ingressclasses', 'ingresses']),
    rule(['patch', 'update'], ['networking.k8s.io'], ['ingresses/status']),
    EVENTS,
  ]),
  clusterRole(DNS_ROLE, [
    rule(['list', 'watch'], [''], ['endpoints', 'namespaces', 'pods', 'services']),
    rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
  clusterRole(NETPOL_ROLE, [
    rule(READ, [''], ['namespaces', 'pods']),
    rule(READ, ['networking.k8s.io'], ['networkpolicies']),
  ]),
  clusterRole(DASHBOARD_ROLE, [
    // Its mirror pod (the API's view of the dashboard on its node) and the pod's status.
    rule(['create', 'delete', 'get'], [''], ['pods']),
    rule(['update'], [''], ['pods/status']),
    rule(['create', 'get', 'update'], [''], ['endpoints']),
    rule(['create', 'get', 'update'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
];

export const skiffClusterRoleBindings = (): BindingObject[] => [
  clusterRoleBinding(LB_ROLE, LB_ROLE, [
    serviceAccount('kube-system', SKIFF_IDENTITIES.serviceLoadBalancer),
  ]),
  clusterRoleBinding(ROOT_CA_ROLE, ROOT_CA_ROLE, [
    serviceAccount('kube-system', SKIFF_IDENTITIES.serviceAccounts),
  ]),
  clusterRoleBinding(INGRESS_ROLE, INGRESS_ROLE, [user(SKIFF_IDENTITIES.ingress)]),
  clusterRoleBinding(NETPOL_ROLE, NETPOL_ROLE, [user(SKIFF_IDENTITIES.networkPolicy)]),
  clusterRoleBinding(DNS_ROLE, DNS_ROLE, [
    serviceAccount('kube-system', SKIFF_IDENTITIES.dns),
    user(SKIFF_IDENTITIES.nodeDns),
  ]),
];

/** DNS keeps the kube-dns Service and its endpoints in kube-system, and nothing else. */
export const skiffRoles = (): RoleObject[] => [
  role('kube-system', DNS_REGISTRATION_ROLE, [
    rule(['create', 'get', 'update'], [''], ['endpoints', 'services']),
    rule(['create', 'get', 'update'], ['discovery.k8s.io'], ['endpointslices']),
  ]),
];

export const skiffRoleBindings = (): BindingObject[] => [
  roleBinding('kube-system', DNS_REGISTRATION_ROLE, DNS_REGISTRATION_ROLE, [
    serviceAccount('kube-system', SKIFF_IDENTITIES.dns),
    user(SKIFF_IDENTITIES.nodeDns),
  ]),
];
