// apiextensions.k8s.io/v1 CustomResourceDefinition (cluster-scoped): the v1 defaults, the
// main rules of kube's ValidateCustomResourceDefinition (names, group, scope, versions with
// exactly one storage version, a structural schema per version) and the status subresource.

import type { FieldError, KubeObject, ResourceDef } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  isDNS1035Label,
  isDNS1123Subdomain,
  notSupported,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import { DEFAULT_COLUMNS } from '../../printing.js';
import { asArr, asObj, asStr, ensureObj, type Obj } from '../kindutil.js';
import { structuralErrors, type Schema } from './schema.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
/** Held while a definition's objects are deleted (kube's CustomResourceCleanupFinalizer). */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface CrdNames {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
}

export interface CrdColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: Schema | undefined;
  status: boolean;
  scale:
    | { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string }
    | undefined;
  columns: CrdColumn[];
  deprecated: boolean;
  deprecationWarning: string | undefined;
  /** `selectableFields[].jsonPath`: more fields for field selectors (`.spec.color`). */
  selectableFields: string[];
}

/** The parts of a definition the server acts on, read from its JSON. */
export interface CrdView {
  name: string;
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: CrdNames;
  versions: CrdVersion[];
}

export function namesOf(v: unknown): CrdNames {
  const n = asObj(v) ?? {};
  return {
    plural: asStr(n.plural),
    singular: asStr(n.singular),
    kind: asStr(n.kind),
    listKind: asStr(n.listKind),
    shortNames: asArr(n.shortNames).map(asStr),
    categories: asArr(n.categories).map(asStr),
  };
}

export function viewOf(crd: KubeObject): CrdView {
  const spec = asObj(crd.spec) ?? {};
  return {
    name: crd.metadata.name ?? '',
    group: asStr(spec.group),
    scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
    names: namesOf(spec.names),
    versions: asArr(spec.versions).map((x) => {
      const v = asObj(x) ?? {};
      const sub = asObj(v.subresources) ?? {};
      const scale = asObj(sub.scale);
      return {
        name: asStr(v.name),
        served: v.served === true,
        storage: v.storage === true,
        schema: asObj(asObj(v.schema)?.openAPIV3Schema) as Schema | undefined,
        status: asObj(sub.status) !== undefined,
        scale: scale
          ? {
              specReplicasPath: asStr(scale.specReplicasPath),
              statusReplicasPath: asStr(scale.statusReplicasPath),
              ...(typeof scale.labelSelectorPath === 'string'
                ? { labelSelectorPath: scale.labelSelectorPath }
                : {}),
            }
          : undefined,
        columns: asArr(v.additionalPrinterColumns).map((c) => {
          const o = asObj(c) ?? {};
          return {
            name: asStr(o.name),
            type: asStr(o.type),
            jsonPath: asStr(o.jsonPath),
            ...(typeof o.format === 'string' ? { format: o.format } : {}),
            ...(typeof o.description === 'string' ? { description: o.description } : {}),
            ...(typeof o.priority === 'number' ? { priority: o.priority } : {}),
          };
        }),
        deprecated: v.deprecated === true,
        selectableFields: asArr(v.selectableFields)
          .map((f) => asStr(asObj(f)?.jsonPath))
          .filter(Boolean),
        deprecationWarning:
          typeof v.deprecationWarning === 'string' ? v.deprecationWarning : undefined,
      };
    }),
  };
}

/** SetDefaults for v1: singular and listKind from kind, conversion None. */
export function defaultCrd(crd: KubeObject): void {
  const spec = ensureObj(crd as Obj, 'spec');
  const names = ensureObj(spec, 'names');
  const kind = asStr(names.kind);
  if (!names.singular && kind) names.singular = kind.toLowerCase();
  if (!names.listKind && kind) names.listKind = `${kind}List`;
  const conversion = ensureObj(spec, 'conversion');
  if (!conversion.strategy) conversion.strategy = 'None';
  for (const x of asArr(spec.versions)) {
    const v = asObj(x);
    if (!v) continue;
    for (const c of asArr(v.additionalPrinterColumns)) {
      const col = asObj(c);
      if (col && col.priority === undefined) col.priority = 0;
    }
  }
}

const SCOPES = ['Cluster', 'Namespaced'];
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];

function validateNames(n: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const plural = asStr(n.plural);
  const singular = asStr(n.singular);
  const kind = asStr(n.kind);
  const listKind = asStr(n.listKind);
  if (!plural) errs.push(required(`${path}.plural`));
  else {
    const e = isDNS1035Label(plural);
    if (e.length) errs.push(invalidValue(`${path}.plural`, plural, e.join(',')));
  }
  if (!singular) errs.push(required(`${path}.singular`));
  else {
    const e = isDNS1035Label(singular);
    if (e.length) errs.push(invalidValue(`${path}.singular`, singular, e.join(',')));
  }
  if (!kind) errs.push(required(`${path}.kind`));
  else {
    const e = isDNS1035Label(kind.toLowerCase());
    if (e.length)
      errs.push(
        invalidValue(
          `${path}.kind`,
          kind,
          'may have mixed case, but should otherwise match: ' + e.join(','),
        ),
      );
  }
  if (!listKind) errs.push(required(`${path}.listKind`));
  else {
    const e = isDNS1035Label(listKind.toLowerCase());
    if (e.length)
      errs.push(
        invalidValue(
          `${path}.listKind`,
          listKind,
          'may have mixed case, but should otherwise match: ' + e.join(','),
        ),
      );
    else if (kind && kind === listKind)
      errs.push(
        invalidValue(
          `${path}.listKind`,
          listKind,
          'kind and listKind may not be the same or parsing become ambiguous',
        ),
      );
  }
  asArr(n.shortNames).forEach((s, i) => {
    const e = isDNS1035Label(asStr(s));
    if (e.length) errs.push(invalidValue(`${path}.shortNames[${i}]`, s, e.join(',')));
  });
  asArr(n.categories).forEach((s, i) => {
    const e = isDNS1035Label(asStr(s));
    if (e.length) errs.push(invalidValue(`${path}.categories[${i}]`, s, e.join(',')));
  });
  return errs;
}

const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';
const APPROVAL_PR = 'see https://github.com/kubernetes/enhancements/pull/1111';

const isProtectedGroup = (g: string): boolean =>
  g === 'k8s.io' || g.endsWith('.k8s.io') || g === 'kubernetes.io' || g.endsWith('.kubernetes.io');

/** Groups of the Kubernetes project need the API review's approval annotation. */
function approvalErrors(crd: KubeObject, group: string): FieldError[] {
  if (!isProtectedGroup(group)) return [];
  const field = `metadata.annotations[${APPROVAL_ANNOTATION}]`;
  const value = crd.metadata.annotations?.[APPROVAL_ANNOTATION] ?? '';
  if (!value)
    return [
      required(
        field,
        `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", ${APPROVAL_PR}`,
      ),
    ];
  if (value.startsWith('unapproved')) return [];
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.host && url.protocol) return [];
  return [
    invalidValue(
      field,
      value,
      `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", ${APPROVAL_PR}`,
    ),
  ];
}

export function validateCrd(crd: KubeObject): FieldError[] {
  const errs = validateObjectMeta(crd, false);
  const spec = asObj(crd.spec) ?? {};
  const names = asObj(spec.names) ?? {};
  const group = asStr(spec.group);
  const name = crd.metadata.name ?? '';
  if (name && name !== `${asStr(names.plural)}.${group}`)
    errs.push(invalidValue('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  errs.push(...approvalErrors(crd, group));
  if (!group) errs.push(required('spec.group'));
  else {
    const e = isDNS1123Subdomain(group);
    if (e.length) errs.push(invalidValue('spec.group', group, e.join(',')));
    else if (!group.includes('.'))
      errs.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = asStr(spec.scope);
  if (!scope) errs.push(required('spec.scope'));
  else if (!SCOPES.includes(scope)) errs.push(notSupported('spec.scope', scope, SCOPES));
  const versions = asArr(spec.versions);
  if (!versions.length) errs.push(required('spec.versions', 'must have at least one version'));
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((x, i) => {
    const v = asObj(x) ?? {};
    const path = `spec.versions[${i}]`;
    const vname = asStr(v.name);
    if (v.storage === true) storage++;
    if (seen.has(vname)) unique = false;
    seen.add(vname);
    const e = isDNS1035Label(vname);
    if (e.length) errs.push(invalidValue(`${path}.name`, vname, e.join(',')));
    const schema = asObj(asObj(v.schema)?.openAPIV3Schema);
    if (!schema) errs.push(required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
    else errs.push(...structuralErrors(schema as Schema, `${path}.schema.openAPIV3Schema`));
    asArr(v.additionalPrinterColumns).forEach((c, j) => {
      const col = asObj(c) ?? {};
      const cp = `${path}.additionalPrinterColumns[${j}]`;
      if (!asStr(col.name)) errs.push(required(`${cp}.name`));
      const t = asStr(col.type);
      if (!t) errs.push(required(`${cp}.type`));
      else if (!COLUMN_TYPES.includes(t)) errs.push(notSupported(`${cp}.type`, t, COLUMN_TYPES));
      if (!asStr(col.jsonPath)) errs.push(required(`${cp}.JSONPath`));
    });
  });
  if (!unique)
    errs.push(invalidValue('spec.versions', versions, 'must contain unique version names'));
  if (versions.length && storage !== 1)
    errs.push(
      invalidValue(
        'spec.versions',
        versions,
        'must have exactly one version marked as storage version',
      ),
    );
  errs.push(...validateNames(names, 'spec.names'));
  if (spec.preserveUnknownFields === true)
    errs.push(
      invalidValue(
        'spec.preserveUnknownFields',
        true,
        'must be false in order to use defaults in the schema',
      ),
    );
  const strategy = asStr(asObj(spec.conversion)?.strategy);
  if (strategy && strategy !== 'None' && strategy !== 'Webhook')
    errs.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  if (strategy === 'Webhook')
    errs.push(
      forbiddenField(
        'spec.conversion.strategy',
        'conversion webhooks are not supported by this server',
      ),
    );
  return errs;
}

/** Update rules: the group and scope are kept; storage versions may not be dropped. */
export function validateCrdUpdate(crd: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(crd.spec) ?? {};
  const prev = asObj(old.spec) ?? {};
  const errs: FieldError[] = [];
  errs.push(...immutable(spec.group, prev.group, 'spec.group'));
  errs.push(...immutable(spec.scope, prev.scope, 'spec.scope'));
  const stored = asArr(asObj(old.status)?.storedVersions).map(asStr);
  const names = new Set(asArr(spec.versions).map((v) => asStr(asObj(v)?.name)));
  stored.forEach((s, i) => {
    if (!names.has(s))
      errs.push(invalidValue(`status.storedVersions[${i}]`, s, 'must appear in spec.versions'));
  });
  return errs;
}

export const crdResource: ResourceDef = {
  group: CRD_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  statusStrategy: {
    prepareForUpdate(obj, old) {
      obj.spec = old.spec;
    },
    validateUpdate: () => [],
  },
  strategy: {
    defaults: (obj) => defaultCrd(obj),
    prepareForCreate(obj) {
      const finalizers = obj.metadata.finalizers ?? [];
      if (!finalizers.includes(CLEANUP_FINALIZER))
        obj.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
      obj.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
      const stored = asArr(asObj(obj.spec)?.versions).find((v) => asObj(v)?.storage === true);
      if (stored) (obj.status as Obj).storedVersions = [asStr(asObj(stored)?.name)];
    },
    prepareForUpdate(obj, old) {
      obj.status = structuredClone(old.status);
      // A new storage version is recorded as stored from now on.
      const stored = asArr(asObj(obj.spec)?.versions).find((v) => asObj(v)?.storage === true);
      const name = asStr(asObj(stored)?.name);
      const status = asObj(obj.status);
      if (status && name) {
        const list = asArr(status.storedVersions).map(asStr);
        if (!list.includes(name)) status.storedVersions = [...list, name];
      }
    },
    validate: (obj) => validateCrd(obj),
    validateUpdate: (obj, old) => validateCrdUpdate(obj, old),
    warnings: (obj) => celRuleWarnings(obj),
    // kube-apiserver has no printer for definitions: its default Name and Created At.
    columns: DEFAULT_COLUMNS,
    row: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''],
    tracksGeneration: true,
  },
};

/** Whether a schema holds CEL rules (`x-kubernetes-validations`) anywhere inside it. */
function hasCelRules(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(hasCelRules);
  if (!schema || typeof schema !== 'object') return false;
  return Object.entries(schema).some(
    ([k, v]) =>
      (k === 'x-kubernetes-validations' && Array.isArray(v) && v.length > 0) || hasCelRules(v),
  );
}

/** Versions whose schema has CEL rules: Skiff keeps them but does not evaluate them. */
export function celRuleWarnings(crd: KubeObject): string[] {
  const versions = asArr(asObj(crd.spec)?.versions)
    .map(asObj)
    .filter((v) => hasCelRules(asObj(v?.schema)?.openAPIV3Schema))
    .map((v) => asStr(v?.name));
  if (!versions.length) return [];
  return [
    `x-kubernetes-validations rules (CEL) of version ${versions.join(', ')} are stored but not enforced by this server; the schema's other constraints are`,
  ];
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kube's version priority (CompareKubeAwareVersionStrings): GA before beta before alpha, higher
 * numbers first, then other names alphabetically. Discovery lists a CRD's versions this way,
 * the first being the preferred one.
 */
export function compareVersionPriority(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a.localeCompare(b);
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  if (rank(ma) !== rank(mb)) return rank(mb) - rank(ma);
  if (ma[1] !== mb[1]) return Number(mb[1]) - Number(ma[1]);
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}
