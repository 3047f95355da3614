// RBAC: the authorizer, the rule resolver and escalation prevention, over an in-memory
// index of roles and bindings that follows storage (see README.md).

import type { Store } from '../../../storage/index.js';
import type { Authorizer } from '../types.js';
import { createRbacAuthorizer } from './authorizer.js';
import { followPolicy } from './follow.js';
import { createPolicyIndex, type PolicyIndex } from './policy-index.js';
import { createRuleResolver, type RuleResolver } from './resolver.js';

export { createEscalationCheck, type RbacWrite, type RbacWriteCheck } from './escalation.js';
export { createPolicyIndex, type PolicyIndex } from './policy-index.js';
export { createRuleResolver, type RuleResolver } from './resolver.js';
export { createRbacAuthorizer } from './authorizer.js';
export type { PolicyRule } from './rules.js';
export { breakdownRule, covers } from './covers.js';

export interface Rbac {
  authorizer: Authorizer;
  resolver: RuleResolver;
  index: PolicyIndex;
  /** Resolves once every RBAC kind has been read from storage. */
  readonly ready: Promise<void>;
  close(): void;
}

/** RBAC over the roles and bindings in `store`, kept current by watching it. */
export function followRbac(store: Store): Rbac {
  const index = createPolicyIndex();
  const resolver = createRuleResolver(index);
  const follower = followPolicy(store, index);
  return {
    authorizer: createRbacAuthorizer(resolver),
    resolver,
    index,
    ready: follower.ready,
    close: () => follower.close(),
  };
}
