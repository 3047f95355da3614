// Escalation prevention on writes of roles and bindings, as kube's registry/rbac policybased
// storages: nobody grants, through a role or a binding, a right they do not hold — unless
// they are in system:masters, or may `escalate` roles (for roles) or `bind` the role (for
// bindings). The check runs before validation, as kube's does, and throws the Status to send.

import type { KubeObject } from '../../../api/types.js';
import { forbidden, internalError, notFound } from '../../../api/errors.js';
import type { AuthorizationAttributes, Decision, UserInfo } from '../types.js';
import { compactRules, compactString, covers, goQuotedList } from './covers.js';
import { aggregate, type RuleResolver } from './resolver.js';
import { toPolicyRule, type PolicyRule } from './rules.js';

const GROUP = 'rbac.authorization.k8s.io';
const PRIVILEGED_GROUP = 'system:masters';
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export interface RbacWrite {
  user: UserInfo;
  /** The plural of the URL: roles, clusterroles, rolebindings or clusterrolebindings. */
  resource: string;
  /** The namespace and name of the URL (the name is empty for a create). */
  namespace: string;
  name: string;
}

export type RbacWriteCheck = (w: RbacWrite, obj: KubeObject, old: KubeObject | undefined) => void;

const RESOURCES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

/** IsOnlyMutatingGCFields: only owner references and finalizers (and bookkeeping) differ. */
function onlyGCFields(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const {
      ownerReferences: _o,
      finalizers: _f,
      managedFields: _m,
      selfLink: _s,
      resourceVersion: _r,
      ...meta
    } = o.metadata;
    return JSON.stringify({ ...o, metadata: meta });
  };
  return strip(obj) === strip(old);
}

const rulesOf = (obj: KubeObject): PolicyRule[] =>
  Array.isArray(obj['rules']) ? (obj['rules'] as unknown[]).map(toPolicyRule) : [];

const hasAggregationRule = (obj: KubeObject | undefined): boolean => {
  const agg = obj?.['aggregationRule'] as { clusterRoleSelectors?: unknown } | undefined;
  return Array.isArray(agg?.clusterRoleSelectors) && agg.clusterRoleSelectors.length > 0;
};

export function createEscalationCheck(opts: {
  resolver: RuleResolver;
  /** The whole authorizer chain (for the `escalate` and `bind` verbs). */
  authorize: (a: AuthorizationAttributes) => Decision;
}): RbacWriteCheck {
  const { resolver, authorize } = opts;
  const allowed = (
    user: UserInfo,
    verb: string,
    namespace: string,
    resource: string,
    name: string,
  ): boolean =>
    authorize({
      user,
      verb,
      isResourceRequest: true,
      path: '',
      namespace,
      group: GROUP,
      resource,
      subresource: '',
      name,
    }).decision === 'allow';

  /** ConfirmNoEscalation: the reason the user may not grant `rules`, or undefined. */
  const escalation = (
    user: UserInfo,
    namespace: string,
    rules: PolicyRule[],
  ): string | undefined => {
    const held = resolver.rulesFor(user, namespace);
    const missing = covers(held.rules, rules);
    if (!missing.length) return undefined;
    const lines = [...new Set(compactRules(missing).map(compactString))].sort();
    let msg = `user ${JSON.stringify(user.name)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
    if (held.errors.length) msg += `; resolution errors: [${aggregate(held.errors)}]`;
    return msg;
  };

  return (w, obj, old) => {
    if (!RESOURCES.has(w.resource) || w.user.groups.includes(PRIVILEGED_GROUP)) return;
    const gr = { group: GROUP, resource: w.resource };
    const name = obj.metadata.name ?? '';
    if (w.resource === 'roles' || w.resource === 'clusterroles') {
      if (allowed(w.user, 'escalate', w.namespace, w.resource, w.name)) return;
      if (old && onlyGCFields(obj, old)) return;
      const why = escalation(w.user, w.namespace, rulesOf(obj));
      if (why) throw forbidden(gr, name || undefined, why);
      // An aggregation rule can gather anything: it takes every right there is.
      if (
        w.resource === 'clusterroles' &&
        (hasAggregationRule(obj) || hasAggregationRule(old)) &&
        escalation(w.user, w.namespace, FULL_AUTHORITY)
      )
        throw forbidden(
          gr,
          name || undefined,
          'must have cluster-admin privileges to use the aggregationRule',
        );
      return;
    }
    if (old && onlyGCFields(obj, old)) return;
    const ref = (obj['roleRef'] ?? {}) as { apiGroup?: unknown; kind?: unknown; name?: unknown };
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    const refName = typeof ref.name === 'string' ? ref.name : '';
    const refGroup = typeof ref.apiGroup === 'string' ? ref.apiGroup : '';
    // BindingAuthorized: `bind` on the very role, in the binding's namespace.
    if (
      (kind === 'Role' || kind === 'ClusterRole') &&
      authorize({
        user: w.user,
        verb: 'bind',
        isResourceRequest: true,
        path: '',
        namespace: w.namespace,
        group: refGroup,
        resource: kind === 'Role' ? 'roles' : 'clusterroles',
        subresource: '',
        name: refName,
      }).decision === 'allow'
    )
      return;
    if (kind !== 'Role' && kind !== 'ClusterRole')
      throw internalError(new Error(`unsupported role reference kind: ${JSON.stringify(kind)}`));
    const rules = resolver.roleRefRules({ kind, name: refName }, w.namespace);
    // The storages read the role through the registry: a missing one is its NotFound.
    if (typeof rules === 'string')
      throw notFound(
        { group: GROUP, resource: kind === 'Role' ? 'roles' : 'clusterroles' },
        refName,
      );
    const why = escalation(w.user, w.namespace, rules);
    if (why) throw forbidden(gr, name || undefined, why);
  };
}
