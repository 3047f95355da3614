// The RBAC authorizer (kube's plugin/pkg/auth/authorizer/rbac): allows when a rule that
// applies to the user grants the request, saying which binding did; otherwise has no
// opinion, with the resolution errors met as its reason (`RBAC: clusterrole... not found`).

import type { Authorizer, Decision } from '../types.js';
import type { RuleResolver } from './resolver.js';
import { aggregate } from './resolver.js';
import { ruleAllows } from './rules.js';

export function createRbacAuthorizer(resolver: RuleResolver): Authorizer {
  return {
    authorize(a): Decision {
      let allowedBy: string | undefined;
      const errors: string[] = [];
      resolver.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
        if (rule && source && ruleAllows(a, rule)) {
          allowedBy = source();
          return false;
        }
        if (err && !errors.includes(err)) errors.push(err);
        return true;
      });
      if (allowedBy !== undefined)
        return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
      return errors.length
        ? { decision: 'noOpinion', reason: `RBAC: ${aggregate(errors)}` }
        : { decision: 'noOpinion' };
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
