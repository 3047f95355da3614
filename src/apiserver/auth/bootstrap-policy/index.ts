// kube-apiserver's bootstrap RBAC policy as data, plus the roles of Skiff's own parts,
// and the `kubectl auth reconcile` rules that keep them in place.

import { clusterRoleBindings } from './cluster-role-bindings.js';
import { clusterRoles } from './cluster-roles.js';
import { controllerRoleBindings, controllerRoles } from './controller-roles.js';
import { namespaceRoleBindings, namespaceRoles } from './namespace-policy.js';
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
export { covers, breakdownRule } from './covers.js';

export interface BootstrapPolicy {
  clusterRoles: RoleObject[];
  clusterRoleBindings: BindingObject[];
  /** Namespaced Roles (kube-system, kube-public). */
  roles: RoleObject[];
  roleBindings: BindingObject[];
}

/** A fresh copy of the whole policy, safe to change. */
export function bootstrapPolicy(): BootstrapPolicy {
  const controllers = controllerRoles();
  return {
    clusterRoles: [...clusterRoles(), ...controllers],
    clusterRoleBindings: [...clusterRoleBindings(), ...controllerRoleBindings(controllers)],
    roles: namespaceRoles(),
    roleBindings: namespaceRoleBindings(),
  };
}
