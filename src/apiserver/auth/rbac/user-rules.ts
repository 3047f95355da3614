// The rules that apply to a user in one scope, resolved once and kept until the index
// changes: the request path then looks up the user and the namespace and matches compiled
// rules, instead of finding the bindings of the user and each of its groups, merging them
// and looking up each binding's role on every request.

import type { UserInfo } from '../types.js';
import type { PolicyIndex } from './policy-index.js';
import type { CompiledRule, RuleSource } from './rules.js';

/** The rules of one scope's bindings for one user, in the order RBAC visits them. */
export class ScopeRules {
  readonly rules: CompiledRule[] = [];
  /** The binding each rule came from (same position), as an allow names it. */
  readonly sources: RuleSource[] = [];
  /** The resolution errors met (roles not found), deduplicated, in order. */
  readonly errors: string[] = [];
}

/** One user's rules: the cluster scope's, and each namespace's once asked for. */
export class UserRules {
  readonly groups: readonly string[];
  readonly cluster: ScopeRules;
  readonly namespaces = new Map<string, ScopeRules>();
  constructor(groups: readonly string[], cluster: ScopeRules) {
    this.groups = groups;
    this.cluster = cluster;
  }
}

/**
 * Users and namespaces come from clients (tokens, certificates, impersonation), so the cache
 * is bounded: once it holds this many scopes it starts over.
 */
const MAX_SCOPES = 2048;

const sameList = (a: readonly string[], b: readonly string[]): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

export class UserRulesCache {
  readonly #index: PolicyIndex;
  readonly #resolve: (user: UserInfo, namespace: string) => ScopeRules;
  #generation = -1;
  #users = new Map<string, UserRules>();
  #scopes = 0;

  constructor(index: PolicyIndex, resolve: (user: UserInfo, namespace: string) => ScopeRules) {
    this.#index = index;
    this.#resolve = resolve;
  }

  /** The user's rules (the user as its name and groups, in order). */
  user(user: UserInfo): UserRules {
    if (this.#generation !== this.#index.generation || this.#scopes >= MAX_SCOPES) {
      this.#users = new Map();
      this.#scopes = 0;
      this.#generation = this.#index.generation;
    }
    let entry = this.#users.get(user.name);
    if (!entry || !sameList(entry.groups, user.groups)) {
      if (entry) this.#scopes -= 1 + entry.namespaces.size;
      entry = new UserRules([...user.groups], this.#resolve(user, ''));
      this.#users.set(user.name, entry);
      this.#scopes++;
    }
    return entry;
  }

  /** The rules of `entry`'s user in a namespace. */
  inNamespace(entry: UserRules, user: UserInfo, namespace: string): ScopeRules {
    let rules = entry.namespaces.get(namespace);
    if (!rules) {
      rules = this.#resolve(user, namespace);
      entry.namespaces.set(namespace, rules);
      this.#scopes++;
    }
    return rules;
  }
}
