// Whether one set of rules grants everything another does, as kube's rbac validation
// decides it (Covers/BreakdownRule): the rules to check are broken into atoms of one verb,
// one group, one resource (and one name, or one URL) and each atom must be granted by a
// single owner rule. Wildcards: `*` verbs, groups and resources, `*/sub` subresources, a
// trailing `*` in a URL.

import type { PolicyRule } from './build.js';

/** The atoms of a rule, in kube's order (group, resource, verb, name; then URLs by verb). */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of r.apiGroups ?? [])
    for (const resource of r.resources ?? [])
      for (const verb of r.verbs) {
        if (r.resourceNames?.length)
          for (const name of r.resourceNames)
            out.push({
              verbs: [verb],
              apiGroups: [group],
              resources: [resource],
              resourceNames: [name],
            });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
  for (const url of r.nonResourceURLs ?? [])
    for (const verb of r.verbs) out.push({ verbs: [verb], nonResourceURLs: [url] });
  return out;
}

const hasAll = (set: string[] | undefined, wanted: string[] | undefined): boolean =>
  (wanted ?? []).every((w) => (set ?? []).includes(w));

function resourcesCovered(set: string[] = [], wanted: string[] = []): boolean {
  if (set.includes('*') || hasAll(set, wanted)) return true;
  return wanted.every((path) => {
    if (set.includes(path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && set.includes(`*/${path.slice(slash + 1)}`);
  });
}

const urlCovered = (owner: string, path: string): boolean =>
  owner === path || (owner.endsWith('*') && path.startsWith(owner.replace(/\*+$/, '')));

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes('*') || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourcesCovered(owner.resources, sub.resources);
  const paths = (sub.nonResourceURLs ?? []).every((p) =>
    (owner.nonResourceURLs ?? []).some((o) => urlCovered(o, p)),
  );
  const names = sub.resourceNames?.length
    ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames)
    : !owner.resourceNames?.length;
  return verbs && groups && resources && paths && names;
}

/** Whether `owner` grants all of `wanted`, and the atoms of `wanted` it does not grant. */
export function covers(
  owner: PolicyRule[],
  wanted: PolicyRule[],
): { covered: boolean; uncovered: PolicyRule[] } {
  const uncovered = wanted
    .flatMap(breakdownRule)
    .filter((atom) => !owner.some((o) => ruleCovers(o, atom)));
  return { covered: uncovered.length === 0, uncovered };
}
