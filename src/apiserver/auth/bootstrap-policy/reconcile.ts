// `kubectl auth reconcile` as kube-apiserver's RBAC post-start hook runs it on its own
// policy (additive: never removes a permission or a subject): labels and annotations the
// policy sets are added when missing (existing values win), missing rules are appended as
// atoms, missing aggregation selectors appended, missing subjects appended; a binding whose
// roleRef changed is recreated. An object annotated `autoupdate: "false"` is protected: it
// is left as it is (only recreated when deleted).

import { AUTOUPDATE_ANNOTATION, RBAC_GROUP } from './build.js';
import type { BindingObject, LabelSelector, RoleObject, Subject } from './build.js';
import { covers } from '../rbac/index.js';

export interface Reconciled<T> {
  operation: 'none' | 'update' | 'recreate';
  /** What the object should become (the existing one when nothing changes). */
  object: T;
  /** The existing object asks not to be updated. */
  protected: boolean;
}

const isProtected = (o: { metadata: { annotations?: Record<string, string> } }): boolean =>
  o.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';

/** Equal maps, whatever the order of their keys. */
const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
};

/** `expected`'s entries under `existing`'s: the existing values win. */
function merged(
  expected: Record<string, string> | undefined,
  existing: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (!expected && !existing) return undefined;
  return { ...expected, ...existing };
}

function mergeMeta<T extends RoleObject | BindingObject>(existing: T, expected: T): [T, boolean] {
  const next = structuredClone(existing);
  const labels = merged(expected.metadata.labels, existing.metadata.labels);
  const annotations = merged(expected.metadata.annotations, existing.metadata.annotations);
  if (labels) next.metadata.labels = labels;
  if (annotations) next.metadata.annotations = annotations;
  const changed =
    !sameMap(labels ?? {}, existing.metadata.labels ?? {}) ||
    !sameMap(annotations ?? {}, existing.metadata.annotations ?? {});
  return [next, changed];
}

// Key order must not matter when comparing selectors.
const canonical = (s: LabelSelector): string =>
  JSON.stringify({
    matchLabels: Object.entries(s.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    matchExpressions: s.matchExpressions ?? [],
  });

export function reconcileRole(existing: RoleObject, expected: RoleObject): Reconciled<RoleObject> {
  const [next, metaChanged] = mergeMeta(existing, expected);
  let changed = metaChanged;
  const missing = covers(existing.rules ?? [], expected.rules ?? []);
  if (missing.length) {
    next.rules = [...(existing.rules ?? []), ...missing];
    changed = true;
  }
  const have = existing.aggregationRule?.clusterRoleSelectors ?? [];
  const want = expected.aggregationRule?.clusterRoleSelectors ?? [];
  if (!expected.aggregationRule && existing.aggregationRule) {
    // Not meant to be aggregated at all.
    delete next.aggregationRule;
    changed = true;
  } else {
    const haveKeys = new Set(have.map(canonical));
    const missingSelectors = want.filter((s) => !haveKeys.has(canonical(s)));
    if (missingSelectors.length) {
      next.aggregationRule = { clusterRoleSelectors: [...have, ...missingSelectors] };
      changed = true;
    }
  }
  return { operation: changed ? 'update' : 'none', object: next, protected: isProtected(existing) };
}

const subjectKey = (s: Subject): string =>
  JSON.stringify([
    s.kind,
    s.apiGroup ?? (s.kind === 'ServiceAccount' ? '' : RBAC_GROUP),
    s.name,
    s.namespace ?? '',
  ]);

export function reconcileBinding(
  existing: BindingObject,
  expected: BindingObject,
): Reconciled<BindingObject> {
  const protectedBinding = isProtected(existing);
  const ref = (b: BindingObject): string =>
    JSON.stringify([b.roleRef.apiGroup, b.roleRef.kind, b.roleRef.name]);
  if (ref(existing) !== ref(expected))
    return { operation: 'recreate', object: expected, protected: protectedBinding };
  const [next, metaChanged] = mergeMeta(existing, expected);
  const have = new Set((existing.subjects ?? []).map(subjectKey));
  const missing = (expected.subjects ?? []).filter((s) => !have.has(subjectKey(s)));
  if (missing.length) next.subjects = [...(existing.subjects ?? []), ...missing];
  return {
    operation: metaChanged || missing.length ? 'update' : 'none',
    object: next,
    protected: protectedBinding,
  };
}
