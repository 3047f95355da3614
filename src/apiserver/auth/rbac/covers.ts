// Whether one set of rules covers another (component-helpers' policy comparator), and the
// compact form kube-apiserver lists missing rights in (CompactRules, CompactString).

import { nonResourceURLMatches, type PolicyRule } from './rules.js';

const ALL = '*';
const has = (set: readonly string[] | undefined, x: string): boolean => !!set && set.includes(x);
const hasAll = (set: readonly string[] | undefined, xs: readonly string[] | undefined): boolean =>
  (xs ?? []).every((x) => has(set, x));

/** BreakdownRule: one rule per (group, resource, verb[, name]) and per (URL, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length)
          for (const name of names)
            out.push({
              apiGroups: [group],
              resources: [resource],
              verbs: [verb],
              resourceNames: [name],
            });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
  for (const url of rule.nonResourceURLs ?? [])
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCoversAll(
  owner: readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): boolean {
  if (has(owner, ALL) || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

const nonResourceURLsCoverAll = (
  owner: readonly string[] | undefined,
  wanted: readonly string[] | undefined,
): boolean =>
  (wanted ?? []).every((path) => (owner ?? []).some((o) => nonResourceURLMatches(o, path)));

/** ruleCovers: `owner` (any shape) covers `sub` (one verb, resource and name at most). */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const ownerNames = owner.resourceNames ?? [];
  const names = (sub.resourceNames ?? []).length
    ? ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames)
    : ownerNames.length === 0;
  return verbs && groups && resources && names && urls;
}

/** Covers: whether `owner` holds every right of `wanted`, and the broken-down rights it lacks. */
export function covers(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const sub of wanted.flatMap(breakdownRule))
    if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return missing;
}

/** CompactRules: single group/resource(/name) rules that differ only by verb are merged. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const names = r.resourceNames ?? [];
    const isSimple =
      names.length <= 1 &&
      !(r.nonResourceURLs ?? []).length &&
      (r.apiGroups ?? []).length === 1 &&
      (r.resources ?? []).length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, names.length ? names[0] : null]);
    const cur = simple.get(key);
    if (!cur) simple.set(key, { ...r, verbs: [...r.verbs] });
    else for (const v of r.verbs) if (!cur.verbs.includes(v)) cur.verbs.push(v);
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a []string: `["a" "b"]`. */
export const goQuotedList = (xs: readonly string[]): string =>
  `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  const add = (label: string, xs: readonly string[] | undefined): void => {
    if (xs?.length) parts.push(`${label}:${goQuotedList(xs)}`);
  };
  add('APIGroups', r.apiGroups);
  add('Resources', r.resources);
  add('NonResourceURLs', r.nonResourceURLs);
  add('ResourceNames', r.resourceNames);
  add('Verbs', r.verbs);
  return `{${parts.join(', ')}}`;
}
