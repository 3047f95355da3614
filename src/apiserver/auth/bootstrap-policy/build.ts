// The small vocabulary the policy tables are written in, shaped as kube's rbac helpers
// (NewRule(...).Groups(...).Resources(...)): every list sorted, every object labelled
// `kubernetes.io/bootstrapping=rbac-defaults` and annotated for automatic update.

import type { KubeObject } from '../../../api/types.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAPPING_VALUE = 'rbac-defaults';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
/** The prefix of the controllers' roles; the rest of the name is their service account. */
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export interface RoleObject extends KubeObject {
  rules: PolicyRule[] | null;
  aggregationRule?: AggregationRule;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface BindingObject extends KubeObject {
  roleRef: RoleRef;
  subjects?: Subject[];
}

const sorted = (a: string[]): string[] => [...a].sort();

/** A rule on resources: verbs on resources of groups ('' is the core group). */
export function rule(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule {
  return {
    verbs: sorted(verbs),
    apiGroups: sorted(apiGroups),
    resources: sorted(resources),
    ...(resourceNames ? { resourceNames: sorted(resourceNames) } : {}),
  };
}

/** A rule on non-resource URLs (`/healthz`, `/api/*`). */
export function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(nonResourceURLs) };
}

function meta(name: string, labels?: Record<string, string>, namespace?: string) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE, ...labels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

export interface RoleOptions {
  labels?: Record<string, string>;
  aggregationRule?: AggregationRule;
}

export function clusterRole(name: string, rules: PolicyRule[], o: RoleOptions = {}): RoleObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: meta(name, o.labels),
    // Aggregated roles start empty: the aggregation controller fills them.
    rules: o.aggregationRule ? null : rules,
    ...(o.aggregationRule ? { aggregationRule: o.aggregationRule } : {}),
  };
}

export function role(namespace: string, name: string, rules: PolicyRule[]): RoleObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'Role',
    metadata: meta(name, undefined, namespace),
    rules,
  };
}

export const user = (name: string): Subject => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
export const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
export const serviceAccount = (namespace: string, name: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  namespace,
});

export function clusterRoleBinding(
  name: string,
  roleName: string,
  subjects: Subject[],
): BindingObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
    ...(subjects.length ? { subjects } : {}),
  };
}

export function roleBinding(
  namespace: string,
  name: string,
  roleName: string,
  subjects: Subject[],
): BindingObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'RoleBinding',
    metadata: meta(name, undefined, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    ...(subjects.length ? { subjects } : {}),
  };
}

/** An aggregation rule gathering the ClusterRoles labelled `label: "true"`. */
export const aggregateFrom = (label: string): AggregationRule => ({
  clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }],
});
