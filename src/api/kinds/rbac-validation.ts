// rbac.authorization.k8s.io/v1 defaults and validation, as kube's rbac/v1 defaulters and
// pkg/apis/rbac/validation: policy rules, role references and subjects.

import type { FieldError, KubeObject } from '../types.js';
import { goLiteral } from '../go-literal.js';
import { selectorOf, validateLabelSelector } from '../labels.js';
import {
  invalidValue,
  isDNS1123Subdomain,
  notSupported,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { asArr, asObj, asStr, isPathSegmentName, objs, strs, type Obj } from './kindutil.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

/** ValidateRBACName: roles and bindings may be named anything that fits in a URL segment. */
const rbacName = isPathSegmentName;

/** SetDefaults_RoleBinding / _ClusterRoleBinding and SetDefaults_Subject. */
export function defaultBinding(obj: KubeObject): void {
  const ref = asObj(obj.roleRef);
  if (ref && !asStr(ref.apiGroup)) ref.apiGroup = RBAC_GROUP;
  for (const s of objs(obj.subjects))
    if (!asStr(s.apiGroup) && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}

const len = (v: unknown): number => asArr(v).length;

/** ValidatePolicyRule. */
export function validatePolicyRule(rule: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (len(rule.verbs) === 0)
    errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (len(rule.nonResourceURLs) > 0) {
    const urls = strs(rule.nonResourceURLs);
    if (namespaced)
      errs.push(
        invalidValue(
          `${path}.nonResourceURLs`,
          urls,
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    if (len(rule.apiGroups) > 0 || len(rule.resources) > 0 || len(rule.resourceNames) > 0)
      errs.push(
        invalidValue(
          `${path}.nonResourceURLs`,
          urls,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    return errs;
  }
  if (len(rule.apiGroups) === 0)
    errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (len(rule.resources) === 0)
    errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  return objs(obj.rules).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

export function validateRole(obj: KubeObject): FieldError[] {
  return [...validateObjectMeta(obj, true, rbacName), ...validateRules(obj, true)];
}

export function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = [...validateObjectMeta(obj, false, rbacName), ...validateRules(obj, false)];
  const agg = asObj(obj.aggregationRule);
  if (agg) {
    const base = 'aggregationRule.clusterRoleSelectors';
    const selectors = asArr(agg.clusterRoleSelectors);
    if (selectors.length === 0)
      errs.push(
        required(base, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
      );
    selectors.forEach((sel, i) => {
      errs.push(...validateLabelSelector(sel, `${base}[${i}]`));
      // LabelSelectorAsSelector fails on what validation flagged; kube reports it once more.
      if (selectorOf(sel) === undefined)
        errs.push(invalidValue(`${base}[${i}]`, 'null', 'invalid label selector.'));
    });
  }
  return errs;
}

/** validateRoleBindingSubject. */
function validateSubject(s: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = asStr(s.name);
  const apiGroup = asStr(s.apiGroup);
  if (!name) errs.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name)
        for (const m of isDNS1123Subdomain(name)) errs.push(invalidValue(`${path}.name`, name, m));
      if (apiGroup) errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !asStr(s.namespace)) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP)
        errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, asStr(s.kind), SUBJECT_KINDS));
  }
  return errs;
}

function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const errs = validateObjectMeta(obj, namespaced, rbacName);
  const ref = asObj(obj.roleRef) ?? {};
  const apiGroup = asStr(ref.apiGroup);
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(asStr(ref.kind)))
    errs.push(notSupported('roleRef.kind', asStr(ref.kind), kinds));
  const name = asStr(ref.name);
  if (!name) errs.push(required('roleRef.name'));
  else for (const m of rbacName(name)) errs.push(invalidValue('roleRef.name', name, m));
  objs(obj.subjects).forEach((s, i) =>
    errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)),
  );
  return errs;
}

export const validateRoleBinding = (obj: KubeObject): FieldError[] => validateBinding(obj, true);
export const validateClusterRoleBinding = (obj: KubeObject): FieldError[] =>
  validateBinding(obj, false);

/** The roleRef of a binding may never change (ValidateRoleBindingUpdate). */
export function validateRoleRefUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const ref = asObj(obj.roleRef) ?? {};
  const was = asObj(old.roleRef) ?? {};
  const same = ['apiGroup', 'kind', 'name'].every((k) => asStr(ref[k]) === asStr(was[k]));
  if (same) return [];
  // The internal rbac.RoleRef, printed by Go's %#v.
  const text = `rbac.RoleRef{APIGroup:${JSON.stringify(asStr(ref.apiGroup))}, Kind:${JSON.stringify(asStr(ref.kind))}, Name:${JSON.stringify(asStr(ref.name))}}`;
  return [invalidValue('roleRef', goLiteral(text), 'cannot change roleRef')];
}
