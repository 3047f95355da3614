// The resource definitions a CustomResourceDefinition serves: one per served version, all
// stored at /registry/<group>/<plural>/ (conversion None: only apiVersion differs). Each
// carries the version's schema (pruning, defaults, validation), its printer columns and
// its status and scale subresources.

import type { FieldError, KubeObject, ResourceDef, TableColumn } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import { NAME_COLUMN, age } from '../../printing.js';
import { terminatingDefinition } from '../../errors.js';
import { validateObjectMeta } from '../../validation/common.js';
import type { CrdColumn, CrdNames, CrdVersion, CrdView } from './definition.js';
import { evalJsonPath, formatJsonPathValue } from './jsonpath.js';
import { applyDefaults, prune, validateAgainst, type Schema } from './schema.js';

const CREATION_TIMESTAMP_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** A version without printer columns shows its age, as kube-apiserver's default. */
const DEFAULT_CRD_COLUMNS: CrdColumn[] = [
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: CREATION_TIMESTAMP_DOC,
  },
];

function tableColumn(c: CrdColumn): TableColumn {
  return {
    name: c.name,
    type: c.type as TableColumn['type'],
    ...(c.format !== undefined ? { format: c.format } : {}),
    description:
      c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
    priority: c.priority ?? 0,
  };
}

/** One cell as kube's CRD table convertor renders it (dates as ages, missing as null). */
export function cell(c: CrdColumn, obj: KubeObject, now: Date): unknown {
  const found = evalJsonPath(obj, c.jsonPath);
  if (!found.length) return null;
  const v = found[0];
  switch (c.type) {
    case 'string':
      return formatJsonPathValue(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? v : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? age(v, now) : null;
    default:
      return null;
  }
}

/** The fields of an object the schema does not declare, without changing it. */
export function unknownFields(schema: Schema | undefined, obj: KubeObject): string[] {
  if (!schema) return [];
  return prune(structuredClone(obj), schema);
}

function metadataSchemaErrors(obj: KubeObject, namespaced: boolean): FieldError[] {
  return validateObjectMeta(obj, namespaced);
}

/** The definition of one served version of a custom resource. */
export function customResourceDef(
  view: CrdView,
  names: CrdNames,
  version: CrdVersion,
  /** The definition is being deleted: its objects are listed and deleted, none created. */
  terminating = false,
): ResourceDef {
  const namespaced = view.scope === 'Namespaced';
  const schema = version.schema;
  const columns = version.columns.length ? version.columns : DEFAULT_CRD_COLUMNS;
  const prepareStatus = (obj: KubeObject, old: KubeObject | undefined): void => {
    if (!version.status) return;
    if (old && old['status'] !== undefined) obj['status'] = structuredClone(old['status']);
    else delete obj['status'];
  };
  const def: ResourceDef = {
    group: view.group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind,
    plural: names.plural,
    singular: names.singular,
    namespaced,
    ...(names.shortNames.length ? { shortNames: names.shortNames } : {}),
    ...(names.categories.length ? { categories: names.categories } : {}),
    verbs: [...STANDARD_VERBS],
    strategicMergePatch: false,
    ...(version.deprecated
      ? {
          deprecation: {
            warning:
              version.deprecationWarning ??
              `${view.group}/${version.name} ${names.kind} is deprecated`,
          },
        }
      : {}),
    strategy: {
      defaults(obj) {
        if (!schema) return;
        prune(obj, schema);
        applyDefaults(obj, schema);
      },
      prepareForCreate(obj) {
        if (terminating)
          throw terminatingDefinition({ group: view.group, resource: names.plural }, 'create');
        prepareStatus(obj, undefined);
      },
      prepareForUpdate: (obj, old) => prepareStatus(obj, old),
      validate(obj) {
        const errs = metadataSchemaErrors(obj, namespaced);
        if (schema) errs.push(...validateAgainst(obj, schema, ''));
        return errs;
      },
      ...(version.selectableFields.length
        ? {
            selectableFields: (obj: KubeObject) => {
              const out: Record<string, string> = {};
              for (const path of version.selectableFields) {
                const v = evalJsonPath(obj, path)[0];
                out[path.replace(/^\./, '')] = v === undefined || v === null ? '' : String(v);
              }
              return out;
            },
          }
        : {}),
      columns: [NAME_COLUMN, ...columns.map(tableColumn)],
      row: (obj, now) => [obj.metadata.name ?? '', ...columns.map((c) => cell(c, obj, now))],
      tracksGeneration: true,
    },
  };
  const subresources: NonNullable<ResourceDef['subresources']> = [];
  if (version.status) {
    subresources.push({ name: 'status', verbs: ['get', 'patch', 'update'] });
    def.statusStrategy = {
      prepareForUpdate(obj, old) {
        for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'status') delete obj[k];
        for (const [k, v] of Object.entries(old))
          if (k !== 'metadata' && k !== 'status') obj[k] = v;
        if (schema) prune(obj, schema);
      },
      validateUpdate: (obj) => (schema ? validateAgainst(obj, schema, '') : []),
    };
  }
  const scale = version.scale;
  const specPath = scale && dottedPath(scale.specReplicasPath, 'spec');
  const statusPath = scale && dottedPath(scale.statusReplicasPath, 'status');
  if (scale && specPath && statusPath) {
    subresources.push({
      name: 'scale',
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
    const selectorPath = scale.labelSelectorPath;
    const read = (obj: KubeObject, path: string[]): number => {
      const v = valueAt(obj, path);
      return typeof v === 'number' ? v : 0;
    };
    def.scaleStrategy = {
      selector(obj) {
        if (!selectorPath) return '';
        const v = evalJsonPath(obj, selectorPath)[0];
        return typeof v === 'string' ? v : '';
      },
      replicas: {
        get: (obj) => read(obj, specPath),
        status: (obj) => read(obj, statusPath),
        set(obj, replicas) {
          let cur = obj as Record<string, unknown>;
          for (const k of specPath.slice(0, -1)) {
            const next = cur[k];
            if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
            cur = cur[k] as Record<string, unknown>;
          }
          cur[specPath[specPath.length - 1] ?? 'replicas'] = replicas;
        },
      },
    };
  }
  if (subresources.length) def.subresources = subresources;
  return def;
}

/** `.spec.replicas` → ['spec', 'replicas'], for a simple path under `root` (else undefined). */
function dottedPath(path: string, root: string): string[] | undefined {
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(path)) return undefined;
  const parts = path.slice(1).split('.');
  return parts[0] === root && parts.length > 1 ? parts : undefined;
}

function valueAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}
