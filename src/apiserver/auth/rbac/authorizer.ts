// The RBAC authorizer (kube's plugin/pkg/auth/authorizer/rbac): allows when a rule that
// applies to the user grants the request, saying which binding did; otherwise has no
// opinion, with the resolution errors met as its reason (`RBAC: clusterrole... not found`).

import type { Authorizer, Decision } from '../types.js';
import type { RuleResolver, RuleSource } from './resolver.js';
import { aggregate } from './resolver.js';

const NO_OPINION: Decision = Object.freeze({ decision: 'noOpinion' });

/**
 * An allow whose reason is written only when read (by access reviews). Its fields are set in
 * the constructor, not declared with initializers, which would cost a call per allow.
 */
class Allowed implements Decision {
  declare readonly decision: 'allow';
  declare readonly source: RuleSource;
  constructor(source: RuleSource) {
    this.decision = 'allow';
    this.source = source;
  }
  get reason(): string {
    return `RBAC: allowed by ${this.source.describe()}`;
  }
}

export function createRbacAuthorizer(resolver: RuleResolver): Authorizer {
  return {
    authorize(a): Decision {
      const found = resolver.firstAllowing(a);
      if (found) return new Allowed(found);
      const errors = resolver.resolutionErrors(a);
      return errors.length
        ? { decision: 'noOpinion', reason: `RBAC: ${aggregate(errors)}` }
        : NO_OPINION;
    },
    rulesFor(user, namespace) {
      const { rules, errors } = resolver.rulesFor(user, namespace);
      const resourceRules: object[] = [];
      const nonResourceRules: object[] = [];
      for (const r of rules) {
        if (r.resources?.length)
          resourceRules.push({
            verbs: r.verbs,
            ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}),
            resources: r.resources,
            ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
          });
        if (r.nonResourceURLs?.length)
          nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      }
      return {
        resourceRules,
        nonResourceRules,
        ...(errors.length ? { evaluationError: aggregate(errors) } : {}),
      };
    },
  };
}
