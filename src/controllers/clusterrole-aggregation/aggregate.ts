// The rules an aggregated ClusterRole should hold, as kube's clusterrole-aggregation
// controller computes them: for each selector in turn, the matching ClusterRoles sorted by
// name (the role itself skipped), their rules in order, each rule kept once.

import { fromLabelSelectorObject, matchesLabels } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: unknown[] } | null;
}

/** A rule's identity regardless of key order, with absent and empty lists alike. */
export function ruleKey(r: PolicyRule): string {
  const list = (v: string[] | undefined) => (v?.length ? v : []);
  return JSON.stringify([
    list(r.verbs),
    list(r.apiGroups),
    list(r.resources),
    list(r.resourceNames),
    list(r.nonResourceURLs),
  ]);
}

export function aggregatedRules(role: ClusterRole, all: ClusterRole[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  const byName = [...all].sort((a, b) =>
    (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1,
  );
  for (const raw of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const selector = fromLabelSelectorObject(raw);
    if (!selector) continue;
    for (const other of byName) {
      if (other.metadata.name === role.metadata.name) continue;
      if (!matchesLabels(selector, other.metadata.labels)) continue;
      for (const r of other.rules ?? []) {
        const key = ruleKey(r);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(r);
      }
    }
  }
  return rules;
}

/** Whether two rule lists are the same (absent, null and empty alike). */
export const sameRules = (a: PolicyRule[] | null | undefined, b: PolicyRule[] | null | undefined) =>
  JSON.stringify((a ?? []).map(ruleKey)) === JSON.stringify((b ?? []).map(ruleKey));
