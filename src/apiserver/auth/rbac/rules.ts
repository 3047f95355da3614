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

const matchesOrAll = (list: readonly string[] | undefined, want: string): boolean =>
  !!list && list.some((x) => x === ALL || x === want);

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (
      subresource &&
      r.length === subresource.length + 2 &&
      r.startsWith('*/') &&
      r.endsWith(subresource)
    )
      return true;
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

export function nonResourceURLMatches(ruleURL: string, path: string): boolean {
  if (ruleURL === ALL || ruleURL === path) return true;
  return ruleURL.endsWith('*') && path.startsWith(ruleURL.replace(/\*+$/, ''));
}

/** RuleAllows: whether `rule` grants the request. */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!matchesOrAll(rule.verbs, a.verb)) return false;
  if (a.isResourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return (
      matchesOrAll(rule.apiGroups, a.group) &&
      resourceMatches(rule, combined, a.subresource) &&
      resourceNameMatches(rule, a.name)
    );
  }
  return (rule.nonResourceURLs ?? []).some((u) => nonResourceURLMatches(u, a.path));
}
