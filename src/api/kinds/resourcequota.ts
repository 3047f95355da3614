// core/v1 ResourceQuota: ValidateResourceQuota (hard names and quantities, scopes and the
// scope selector), the strategy (a create starts with an empty status, an update keeps it, a
// status write keeps the spec) and printResourceQuota's columns.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  invalidValue,
  isQualifiedName,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { ZERO, formatQuantity, parseQuantity } from '../quantity.js';
import { goLiteral } from '../go-literal.js';
import { deepCopy } from '../json.js';
import { asObj, column, specOf, statusOf } from './kindutil.js';
import { quantityValue } from './podspec/index.js';

const QUOTA_SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
];

const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);

/** helper.IsStandardResourceName: the quota names plus `storage`. */
const STANDARD_RESOURCES = new Set([...STANDARD_QUOTA_RESOURCES, 'storage']);

const POD_COUNT = new Set(['pods']);
const POD_COMPUTE = new Set([
  'cpu',
  'memory',
  'limits.cpu',
  'limits.memory',
  'requests.cpu',
  'requests.memory',
]);

const isQuotaHugePages = (n: string): boolean =>
  n.startsWith('hugepages-') || n.startsWith('requests.hugepages-');
const isStandardQuotaResource = (n: string): boolean =>
  STANDARD_QUOTA_RESOURCES.has(n) || isQuotaHugePages(n);

/** IsResourceQuotaScopeValidForResource. */
function scopeValidFor(scope: string, resource: string): boolean {
  switch (scope) {
    case 'Terminating':
    case 'NotTerminating':
    case 'NotBestEffort':
    case 'PriorityClass':
    case 'CrossNamespacePodAffinity':
      return POD_COUNT.has(resource) || POD_COMPUTE.has(resource);
    case 'BestEffort':
      return POD_COUNT.has(resource);
    default:
      return true;
  }
}

/** ValidateResourceQuotaResourceName. */
function validateResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalidValue(field, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isQuotaHugePages(name))
      errs.push(invalidValue(field, name, 'must be a standard resource type or fully qualified'));
    if (!isStandardQuotaResource(name))
      errs.push(invalidValue(field, name, 'must be a standard resource for quota'));
  }
  return errs;
}

function validateResourceList(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(asObj(list) ?? {})) {
    const path = `${field}[${k}]`;
    errs.push(...validateResourceName(k, path), ...quantityValue(k, v, path).errs);
  }
  return errs;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const goScopes = (scopes: string[]): ReturnType<typeof goLiteral> =>
  goLiteral(
    scopes.length
      ? `[]core.ResourceQuotaScope{${scopes.map((s) => JSON.stringify(s)).join(', ')}}`
      : '[]core.ResourceQuotaScope(nil)',
  );

interface SelectorRequirement {
  scopeName: string;
  operator: string;
  values: string[] | undefined;
}

function selectorRequirements(sel: unknown): SelectorRequirement[] {
  const exprs = asObj(sel)?.matchExpressions;
  return (Array.isArray(exprs) ? exprs : []).map((e) => {
    const o = asObj(e) ?? {};
    return {
      scopeName: typeof o.scopeName === 'string' ? o.scopeName : '',
      operator: typeof o.operator === 'string' ? o.operator : '',
      values: Array.isArray(o.values) ? strings(o.values) : undefined,
    };
  });
}

/** The scope selector as Go's %#v prints the dereferenced core.ScopeSelector. */
function goScopeSelector(reqs: SelectorRequirement[]): ReturnType<typeof goLiteral> {
  const items = reqs.map(
    (r) =>
      `core.ScopedResourceSelectorRequirement{ScopeName:${JSON.stringify(r.scopeName)}, Operator:${JSON.stringify(r.operator)}, Values:${
        r.values
          ? `[]string{${r.values.map((v) => JSON.stringify(v)).join(', ')}}`
          : '[]string(nil)'
      }}`,
  );
  return goLiteral(
    `core.ScopeSelector{MatchExpressions:${
      reqs.length
        ? `[]core.ScopedResourceSelectorRequirement{${items.join(', ')}}`
        : '[]core.ScopedResourceSelectorRequirement(nil)'
    }}`,
  );
}

const CONFLICTING = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

/** validateResourceQuotaScopes and validateScopeSelector. */
function validateScopes(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const hard = Object.keys(asObj(spec.hard) ?? {}).sort();
  const scopes = strings(spec.scopes);
  if (scopes.length) {
    const set = new Set<string>();
    for (const scope of scopes) {
      if (!QUOTA_SCOPES.includes(scope))
        errs.push(invalidValue('spec.scopes', goScopes(scopes), 'unsupported scope'));
      for (const k of hard)
        if (isStandardQuotaResource(k) && !scopeValidFor(scope, k))
          errs.push(
            invalidValue('spec.scopes', goScopes(scopes), 'unsupported scope applied to resource'),
          );
      set.add(scope);
    }
    for (const pair of CONFLICTING)
      if (pair.every((s) => set.has(s)))
        errs.push(invalidValue('spec.scopes', goScopes(scopes), 'conflicting scopes'));
  }
  if (spec.scopeSelector == null) return errs;
  const path = 'spec.scopeSelector.matchExpressions';
  const reqs = selectorRequirements(spec.scopeSelector);
  const set = new Set<string>();
  for (const r of reqs) {
    if (!QUOTA_SCOPES.includes(r.scopeName))
      errs.push(invalidValue(`${path}.scopeName`, r.scopeName, 'unsupported scope'));
    for (const k of hard)
      if (isStandardQuotaResource(k) && !scopeValidFor(r.scopeName, k))
        errs.push(
          invalidValue(path, goScopeSelector(reqs), 'unsupported scope applied to resource'),
        );
    if (
      [
        'BestEffort',
        'NotBestEffort',
        'Terminating',
        'NotTerminating',
        'CrossNamespacePodAffinity',
      ].includes(r.scopeName) &&
      r.operator !== 'Exists'
    )
      errs.push(
        invalidValue(
          `${path}.operator`,
          r.operator,
          "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
        ),
      );
    const nValues = r.values?.length ?? 0;
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (!nValues)
          errs.push(
            required(
              `${path}.values`,
              "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
            ),
          );
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (nValues)
          errs.push(
            invalidValue(
              `${path}.values`,
              r.values,
              "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
            ),
          );
        break;
      default:
        errs.push(invalidValue(`${path}.operator`, r.operator, 'not a valid selector operator'));
    }
    set.add(r.scopeName);
  }
  for (const pair of CONFLICTING)
    if (pair.every((s) => set.has(s)))
      errs.push(invalidValue(path, goScopes(strings(spec.scopes)), 'conflicting scopes'));
  return errs;
}

/** ValidateResourceQuota. */
export function validateResourceQuota(quota: KubeObject): FieldError[] {
  const spec = specOf(quota);
  const status = statusOf(quota);
  return [
    ...validateObjectMeta(quota, true),
    ...validateResourceList(spec.hard, 'spec.hard'),
    ...validateScopes(spec),
    ...validateResourceList(status.hard, 'status.hard'),
    ...validateResourceList(status.used, 'status.used'),
  ];
}

/** ValidateResourceQuotaUpdate's own rule: the scopes (as a set) cannot change. */
export function validateResourceQuotaUpdate(quota: KubeObject, old: KubeObject): FieldError[] {
  const now = new Set(strings(specOf(quota).scopes));
  const before = new Set(strings(specOf(old).scopes));
  const same = now.size === before.size && [...now].every((s) => before.has(s));
  return same
    ? []
    : [invalidValue('spec.scopes', goScopes(strings(specOf(quota).scopes)), 'field is immutable')];
}

/** ValidateResourceQuotaStatusUpdate. */
export function validateResourceQuotaStatus(quota: KubeObject): FieldError[] {
  const status = statusOf(quota);
  return [
    ...validateResourceList(status.hard, 'status.hard'),
    ...validateResourceList(status.used, 'status.used'),
  ];
}

export const RESOURCE_QUOTA_COLUMNS = [
  NAME_COLUMN,
  AGE_COLUMN,
  column(
    'Request',
    'Request represents a minimum amount of cpu/memory that a container may consume.',
  ),
  column(
    'Limit',
    'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
  ),
];

/** printResourceQuota: `name: used/hard` for each hard resource by name; limits.* apart. */
export function resourceQuotaRow(quota: KubeObject, now: Date): unknown[] {
  const status = statusOf(quota);
  const hard = asObj(status.hard) ?? {};
  const used = asObj(status.used) ?? {};
  const text = (v: unknown): string => formatQuantity(parseQuantity(v) ?? ZERO);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const pieces = name.split('.');
    const cell = `${name}: ${text(used[name])}/${text(hard[name])}`;
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(cell);
  }
  return [
    quota.metadata.name ?? '',
    age(quota.metadata.creationTimestamp, now),
    request.join(', '),
    limit.join(', '),
  ];
}

export const resourceQuotaResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  listKind: 'ResourceQuotaList',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: {
    prepareForCreate: (quota) => {
      quota.status = {};
    },
    prepareForUpdate: (quota, old) => {
      if (old.status === undefined) delete quota.status;
      else quota.status = deepCopy(old.status);
    },
    validate: (quota) => validateResourceQuota(quota),
    validateUpdate: (quota, old) => validateResourceQuotaUpdate(quota, old),
    columns: RESOURCE_QUOTA_COLUMNS,
    row: resourceQuotaRow,
  },
  statusStrategy: {
    prepareForUpdate: (quota, old) => {
      quota.spec = deepCopy(old.spec);
    },
    validateUpdate: (quota) => validateResourceQuotaStatus(quota),
  },
};
