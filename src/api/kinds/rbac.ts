// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding. Roles print
// as kinds without a printer (Name, Created At); bindings as printRoleBinding and
// printClusterRoleBinding do. Who may write them (escalation prevention) is decided by the
// API server's RBAC module, not here.

import type { KubeObject, ResourceDef, TableColumn } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { AGE_COLUMN, DEFAULT_COLUMNS, NAME_COLUMN, age } from '../printing.js';
import { asObj, asStr, column, objs } from './kindutil.js';
import {
  RBAC_GROUP,
  defaultBinding,
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
  validateRoleRefUpdate,
} from './rbac-validation.js';

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts. */
export function subjectsStrings(obj: KubeObject): {
  users: string[];
  groups: string[];
  serviceAccounts: string[];
} {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const s of objs(obj.subjects)) {
    const name = asStr(s.name);
    if (s.kind === 'User') out.users.push(name);
    else if (s.kind === 'Group') out.groups.push(name);
    else if (s.kind === 'ServiceAccount') out.serviceAccounts.push(`${asStr(s.namespace)}/${name}`);
  }
  return out;
}

function bindingColumns(what: string, roleRefDoc: string): TableColumn[] {
  return [
    NAME_COLUMN,
    column('Role', roleRefDoc),
    AGE_COLUMN,
    column('Users', `Users in the ${what}`, { priority: 1 }),
    column('Groups', `Groups in the ${what}`, { priority: 1 }),
    column('ServiceAccounts', `ServiceAccounts in the ${what}`, { priority: 1 }),
  ];
}

function bindingRow(obj: KubeObject, now: Date): unknown[] {
  const ref = asObj(obj.roleRef) ?? {};
  const s = subjectsStrings(obj);
  return [
    obj.metadata.name ?? '',
    `${asStr(ref.kind)}/${asStr(ref.name)}`,
    age(obj.metadata.creationTimestamp, now),
    s.users.join(', '),
    s.groups.join(', '),
    s.serviceAccounts.join(', '),
  ];
}

/** kube has no printer for roles: the default table's Name and Created At. */
const roleRow = (obj: KubeObject): unknown[] => [
  obj.metadata.name ?? '',
  obj.metadata.creationTimestamp ?? '',
];

const rbacDef = (
  kind: string,
  plural: string,
  namespaced: boolean,
): Omit<ResourceDef, 'strategy'> => ({
  group: RBAC_GROUP,
  version: 'v1',
  kind,
  listKind: `${kind}List`,
  plural,
  singular: kind.toLowerCase(),
  namespaced,
  verbs: [...STANDARD_VERBS],
});

export const roleResource: ResourceDef = {
  ...rbacDef('Role', 'roles', true),
  strategy: { validate: (obj) => validateRole(obj), columns: DEFAULT_COLUMNS, row: roleRow },
};

export const clusterRoleResource: ResourceDef = {
  ...rbacDef('ClusterRole', 'clusterroles', false),
  strategy: {
    validate: (obj) => validateClusterRole(obj),
    columns: DEFAULT_COLUMNS,
    row: roleRow,
  },
};

export const roleBindingResource: ResourceDef = {
  ...rbacDef('RoleBinding', 'rolebindings', true),
  strategy: {
    defaults: (obj) => defaultBinding(obj),
    validate: (obj) => validateRoleBinding(obj),
    validateUpdate: (obj, old) => validateRoleRefUpdate(obj, old),
    columns: bindingColumns(
      'roleBinding',
      'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    row: bindingRow,
  },
};

export const clusterRoleBindingResource: ResourceDef = {
  ...rbacDef('ClusterRoleBinding', 'clusterrolebindings', false),
  strategy: {
    defaults: (obj) => defaultBinding(obj),
    validate: (obj) => validateClusterRoleBinding(obj),
    validateUpdate: (obj, old) => validateRoleRefUpdate(obj, old),
    columns: bindingColumns(
      'clusterRoleBinding',
      'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
    ),
    row: bindingRow,
  },
};

/** In kube-apiserver's discovery order. */
export const rbacResources: readonly ResourceDef[] = [
  clusterRoleBindingResource,
  clusterRoleResource,
  roleBindingResource,
  roleResource,
];
