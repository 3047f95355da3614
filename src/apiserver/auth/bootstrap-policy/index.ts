// kube-apiserver's bootstrap RBAC policy as data, plus the roles of Skiff's own parts,
// and the `kubectl auth reconcile` rules that keep them in place.

import { clusterRoleBindings } from './cluster-role-bindings.js';
import { clusterRoles } from './cluster-roles.js';
import { controllerRoleBindings, controllerRoles } from './controller-roles.js';
import { namespaceRoleBindings, namespaceRoles } from './namespace-policy.js';
import {
  skiffClusterRoleBindings,
  skiffClusterRoles,
  skiffRoleBindings,
  skiffRoles,
} from './skiff-roles.js';
import type { BindingObject, RoleObject } from './build.js';

export type {
  AggregationRule,
  BindingObject,
  LabelSelector,
  PolicyRule,
  RoleObject,
  Subject,
} from './build.js';
export { AUTOUPDATE_ANNOTATION, BOOTSTRAPPING_LABEL, RBAC_GROUP } from './build.js';
export { reconcileRole, reconcileBinding, type Reconciled } from './reconcile.js';
export { SKIFF_IDENTITIES } from './skiff-roles.js';

export interface BootstrapPolicy {
  clusterRoles: RoleObject[];
  clusterRoleBindings: BindingObject[];
  /** Namespaced Roles (kube-system, kube-public). */
  roles: RoleObject[];
  roleBindings: BindingObject[];
}

/** kube-apiserver 1.33's policy alone (a fresh copy, safe to change). */
export function kubeBootstrapPolicy(): BootstrapPolicy {
  const controllers = controllerRoles();
  return {
    clusterRoles: [...clusterRoles(), ...controllers],
    clusterRoleBindings: [...clusterRoleBindings(), ...controllerRoleBindings(controllers)],
    roles: namespaceRoles(),
    roleBindings: namespaceRoleBindings(),
  };
}

/** What the API server keeps in place: kube's policy and the roles of Skiff's own parts. */
export function bootstrapPolicy(): BootstrapPolicy {
  const kube = kubeBootstrapPolicy();
  return {
    clusterRoles: [...kube.clusterRoles, ...skiffClusterRoles()],
    clusterRoleBindings: [...kube.clusterRoleBindings, ...skiffClusterRoleBindings()],
    roles: [...kube.roles, ...skiffRoles()],
    roleBindings: [...kube.roleBindings, ...skiffRoleBindings()],
  };
}
