// Authorization chain, as kube-apiserver's union authorizer: system:masters may do
// anything; everything else is RBAC over the stored roles, the bootstrap policy among them
// (public-info paths, discovery, self reviews: see ./bootstrap-policy/).

import { forbidden, forbiddenPath } from '../../api/errors.js';
import type {
  AuthorizationAttributes,
  Authorizer,
  Decision,
  RulesInfo,
  UserInfo,
} from './types.js';

// Decisions without a reason are shared, not built per request.
const ALLOW: Decision = Object.freeze({ decision: 'allow' });
const NO_OPINION: Decision = Object.freeze({ decision: 'noOpinion' });

/**
 * kube's privileged-groups authorizer: it allows system:masters everything and, having no
 * rule resolver, lists no rules; `can-i --list` shows what RBAC's cluster-admin binding grants.
 */
export const superUserAuthorizer: Authorizer = {
  authorize: (a) => (a.user.groups.includes('system:masters') ? ALLOW : NO_OPINION),
};

export interface AuthorizerChain {
  authorize(a: AuthorizationAttributes): Decision;
  /** Throws the Forbidden Status kube-apiserver would send. */
  check(a: AuthorizationAttributes): void;
  /** The union of every module's rules (kube's unionAuthzRulesHandler). */
  rulesFor(user: UserInfo, namespace: string): RulesInfo & { incomplete: boolean };
}

export function createAuthorizer(modules: Authorizer[]): AuthorizerChain {
  // As kube's union authorizer: the first decision wins; when none decides, the reasons
  // the modules gave are joined, one a line.
  const authorize = (a: AuthorizationAttributes): Decision => {
    let reasons: string[] | undefined;
    for (const m of modules) {
      const d = m.authorize(a);
      if (d.decision !== 'noOpinion') return d;
      if (d.reason) (reasons ??= []).push(d.reason);
    }
    return reasons ? { decision: 'noOpinion', reason: reasons.join('\n') } : NO_OPINION;
  };
  return {
    authorize,
    check(a) {
      const d = authorize(a);
      if (d.decision === 'allow') return;
      if (!a.isResourceRequest) {
        const e = forbiddenPath(a.user.name, a.verb, a.path);
        if (d.reason) e.message = `${e.message}: ${d.reason}`;
        throw e;
      }
      const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
      const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
      const why = `User "${a.user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}${d.reason ? `: ${d.reason}` : ''}`;
      throw forbidden({ group: a.group, resource: a.resource }, a.name || undefined, why);
    },
    rulesFor(user, namespace) {
      const out = {
        resourceRules: [] as object[],
        nonResourceRules: [] as object[],
        incomplete: false,
      };
      const errors: string[] = [];
      for (const m of modules) {
        const r = m.rulesFor?.(user, namespace);
        if (!r) continue;
        out.resourceRules.push(...r.resourceRules);
        out.nonResourceRules.push(...r.nonResourceRules);
        if (r.incomplete) out.incomplete = true;
        if (r.evaluationError && !errors.includes(r.evaluationError))
          errors.push(r.evaluationError);
      }
      if (!errors.length) return out;
      const evaluationError = errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
      return { ...out, evaluationError };
    },
  };
}
