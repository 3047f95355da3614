// Which rules apply to a user in a namespace, as kube's DefaultRuleResolver: the
// ClusterRoleBindings first, then the RoleBindings of the namespace; a binding whose role is
// missing yields an error (`clusterrole.rbac.authorization.k8s.io "x" not found`), and the
// rules found elsewhere still count.

import type { AuthorizationAttributes, UserInfo } from '../types.js';
import type { Binding, PolicyIndex, Subject } from './policy-index.js';
import { names } from './policy-index.js';
import { CompiledRule, type PolicyRule, type RuleSource } from './rules.js';
import { ScopeRules, UserRulesCache } from './user-rules.js';

const GROUP = 'rbac.authorization.k8s.io';

export type { RuleSource } from './rules.js';

/** Returns false to stop visiting. */
export type RuleVisitor = (
  source: RuleSource | undefined,
  rule: PolicyRule | undefined,
  err: string | undefined,
) => boolean;

export interface RuleResolver {
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void;
  /**
   * What visitRulesFor with RuleAllows as the visitor finds: the source of the first rule
   * that grants the request. It runs for every request, so it allocates nothing.
   */
  firstAllowing(a: AuthorizationAttributes): RuleSource | undefined;
  /** The resolution errors met for the request's user and scopes (deduplicated, in order). */
  resolutionErrors(a: AuthorizationAttributes): string[];
  /** Every rule that applies, and the resolution errors met (deduplicated, in order). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
  /** The rules of a binding's role, or the NotFound message when it does not exist. */
  roleRefRules(roleRef: { kind: string; name: string }, namespace: string): PolicyRule[] | string;
}

const q = JSON.stringify;

function describeSubject(s: Subject, namespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${q(`${s.name}/${s.namespace || namespace}`)}`;
  return `${s.kind} ${q(s.name)}`;
}

/** Described only when asked (access reviews), not on every request. */
class BindingSource implements RuleSource {
  readonly binding: Binding;
  readonly user: UserInfo;
  constructor(binding: Binding, user: UserInfo) {
    this.binding = binding;
    this.user = user;
  }
  /** The first subject that applies names the source, as appliesTo's index does. */
  get subject(): Subject | undefined {
    const { user } = this;
    const i = this.binding.principals.findIndex((p) => names(p, user.name, user.groups));
    return this.binding.subjects[i];
  }
  describe(): string {
    const b = this.binding;
    const subject = this.subject;
    if (!subject) return '';
    const what = b.namespace
      ? `RoleBinding ${q(`${b.name}/${b.namespace}`)}`
      : `ClusterRoleBinding ${q(b.name)}`;
    return `${what} of ${b.roleRef.kind} ${q(b.roleRef.name)} to ${describeSubject(subject, b.namespace)}`;
  }
}

export function createRuleResolver(index: PolicyIndex): RuleResolver {
  const roleRefRules = (
    roleRef: { kind: string; name: string },
    namespace: string,
  ): PolicyRule[] | string => {
    if (roleRef.kind === 'Role') {
      const rules = index.roleRules(namespace, roleRef.name);
      return rules ?? `role.${GROUP} ${q(roleRef.name)} not found`;
    }
    if (roleRef.kind === 'ClusterRole') {
      const rules = index.clusterRoleRules(roleRef.name);
      return rules ?? `clusterrole.${GROUP} ${q(roleRef.name)} not found`;
    }
    return `unsupported role reference kind: ${q(roleRef.kind)}`;
  };

  /** Visits one scope's bindings; false when the visitor stopped. */
  const visitScope = (user: UserInfo, namespace: string, visit: RuleVisitor): boolean => {
    for (const b of index.bindingsFor(namespace, user.name, user.groups)) {
      const rules = roleRefRules(b.roleRef, namespace);
      if (typeof rules === 'string') {
        if (!visit(undefined, undefined, rules)) return false;
        continue;
      }
      const source = new BindingSource(b, user);
      for (const rule of rules) if (!visit(source, rule, undefined)) return false;
    }
    return true;
  };

  // Each role's rules compiled once (a changed role is a new list).
  const compiled = new WeakMap<readonly PolicyRule[], CompiledRule[]>();
  const compile = (rules: readonly PolicyRule[]): CompiledRule[] => {
    let out = compiled.get(rules);
    if (!out) compiled.set(rules, (out = rules.map((r) => new CompiledRule(r))));
    return out;
  };

  /** What visitScope visits, resolved once for the user: rules, their bindings, errors. */
  const resolveScope = (user: UserInfo, namespace: string): ScopeRules => {
    const out = new ScopeRules();
    // Kept with the rules: the user as the cache knows it (name and groups), no more.
    const named: UserInfo = { name: user.name, groups: [...user.groups] };
    for (const b of index.bindingsFor(namespace, user.name, user.groups)) {
      const rules = roleRefRules(b.roleRef, namespace);
      if (typeof rules === 'string') {
        if (!out.errors.includes(rules)) out.errors.push(rules);
        continue;
      }
      const source = new BindingSource(b, named);
      for (const rule of compile(rules)) {
        out.rules.push(rule);
        out.sources.push(source);
      }
    }
    return out;
  };
  const cache = new UserRulesCache(index, resolveScope);

  /** Where the first rule of `scope` that grants the request came from. */
  const allowingIn = (scope: ScopeRules, a: AuthorizationAttributes): RuleSource | undefined => {
    const { rules } = scope;
    for (let i = 0; i < rules.length; i++) if (rules[i]?.allows(a)) return scope.sources[i];
    return undefined;
  };

  const firstAllowing = (a: AuthorizationAttributes): RuleSource | undefined => {
    const userRules = cache.user(a.user);
    const found = allowingIn(userRules.cluster, a);
    if (found || !a.namespace) return found;
    return allowingIn(cache.inNamespace(userRules, a.user, a.namespace), a);
  };

  const resolutionErrors = (a: AuthorizationAttributes): string[] => {
    const userRules = cache.user(a.user);
    const errors = [...userRules.cluster.errors];
    if (a.namespace)
      for (const e of cache.inNamespace(userRules, a.user, a.namespace).errors)
        if (!errors.includes(e)) errors.push(e);
    return errors;
  };

  const visitRulesFor = (user: UserInfo, namespace: string, visit: RuleVisitor): void => {
    if (!visitScope(user, '', visit)) return;
    if (namespace) visitScope(user, namespace, visit);
  };

  return {
    visitRulesFor,
    firstAllowing,
    resolutionErrors,
    rulesFor(user, namespace) {
      const rules: PolicyRule[] = [];
      const errors: string[] = [];
      visitRulesFor(user, namespace, (_s, rule, err) => {
        if (rule) rules.push(rule);
        if (err && !errors.includes(err)) errors.push(err);
        return true;
      });
      return { rules, errors };
    },
    roleRefRules,
  };
}

/** utilerrors.NewAggregate(...).Error(): one message, or `[a, b]`. */
export const aggregate = (errors: readonly string[]): string =>
  errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
