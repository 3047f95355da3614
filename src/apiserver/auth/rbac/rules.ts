// Policy rules and how a request matches one, as kube's rbac/v1 evaluation helpers:
// `*` for verbs, groups and resources; `resource/subresource` and `*/subresource`;
// resourceNames (empty = any); non-resource URLs exact or with a trailing `*`.

import type { AuthorizationAttributes } from '../types.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Where a rule came from: `ClusterRoleBinding "b" of ClusterRole "r" to User "u"`. */
export interface RuleSource {
  describe(): string;
}

const ALL = '*';

/** A rule from stored JSON (arrays of strings only; anything else is dropped). */
export function toPolicyRule(v: unknown): PolicyRule {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const list = (x: unknown): string[] | undefined =>
    Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : undefined;
  const rule: PolicyRule = { verbs: list(o['verbs']) ?? [] };
  const apiGroups = list(o['apiGroups']);
  const resources = list(o['resources']);
  const resourceNames = list(o['resourceNames']);
  const nonResourceURLs = list(o['nonResourceURLs']);
  if (apiGroups) rule.apiGroups = apiGroups;
  if (resources) rule.resources = resources;
  if (resourceNames) rule.resourceNames = resourceNames;
  if (nonResourceURLs) rule.nonResourceURLs = nonResourceURLs;
  return rule;
}

export function nonResourceURLMatches(ruleURL: string, path: string): boolean {
  if (ruleURL === ALL || ruleURL === path) return true;
  return ruleURL.endsWith('*') && path.startsWith(ruleURL.replace(/\*+$/, ''));
}

const NONE: readonly string[] = [];

/** Whether `r` is `${resource}/${subresource}`, without building that string. */
const isCombined = (r: string, resource: string, subresource: string): boolean =>
  r.length === resource.length + 1 + subresource.length &&
  r.startsWith(resource) &&
  r.charCodeAt(resource.length) === 0x2f &&
  r.endsWith(subresource);

/**
 * A rule ready for the request path: every rule has this one shape (absent lists are empty),
 * `*` is looked for once, and a URL's wildcard prefix is cut once, so matching a request
 * reads the same fields of the same kind of object for every rule and builds no string.
 */
export class CompiledRule {
  readonly rule: PolicyRule;
  readonly anyVerb: boolean;
  readonly verbs: readonly string[];
  readonly anyGroup: boolean;
  readonly groups: readonly string[];
  readonly resources: readonly string[];
  readonly names: readonly string[];
  readonly urls: readonly string[];
  /** For each URL ending in `*`, what a path must start with; null for the others. */
  readonly urlPrefixes: readonly (string | null)[];

  constructor(rule: PolicyRule) {
    this.rule = rule;
    this.verbs = rule.verbs;
    this.anyVerb = rule.verbs.includes(ALL);
    this.groups = rule.apiGroups ?? NONE;
    this.anyGroup = this.groups.includes(ALL);
    this.resources = rule.resources ?? NONE;
    this.names = rule.resourceNames ?? NONE;
    this.urls = rule.nonResourceURLs ?? NONE;
    this.urlPrefixes = this.urls.map((u) => (u.endsWith('*') ? u.replace(/\*+$/, '') : null));
  }

  /** RuleAllows: whether the rule grants the request. */
  allows(a: AuthorizationAttributes): boolean {
    if (!this.anyVerb && !this.verbs.includes(a.verb)) return false;
    if (!a.isResourceRequest) return this.allowsPath(a.path);
    if (!this.anyGroup && !this.groups.includes(a.group)) return false;
    if (!this.allowsResource(a.resource, a.subresource)) return false;
    return this.names.length === 0 || this.names.includes(a.name);
  }

  // `*`, the resource (with its subresource: `pods/log`), or `*/subresource`.
  private allowsResource(resource: string, subresource: string): boolean {
    for (const r of this.resources) {
      if (r === ALL) return true;
      if (subresource === '') {
        if (r === resource) return true;
      } else if (
        isCombined(r, resource, subresource) ||
        (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource))
      )
        return true;
    }
    return false;
  }

  private allowsPath(path: string): boolean {
    const { urls, urlPrefixes } = this;
    for (let i = 0; i < urls.length; i++) {
      const u = urls[i];
      if (u === ALL || u === path) return true;
      const prefix = urlPrefixes[i];
      if (prefix != null && path.startsWith(prefix)) return true;
    }
    return false;
  }
}

/** RuleAllows: whether `rule` grants the request. */
export const ruleAllows = (a: AuthorizationAttributes, rule: PolicyRule): boolean =>
  new CompiledRule(rule).allows(a);
