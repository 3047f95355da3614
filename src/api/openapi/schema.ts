// Turns the parsed declarations into Swagger 2.0 definitions, shaped like the ones in
// Kubernetes' own `swagger.json`: `$ref` into `#/definitions/`, descriptions beside refs,
// `x-kubernetes-*` extensions on properties and kinds.

import type { TypeExpr } from './dts.js';
import { ATOMIC_DEFINITIONS, FIELD_EXTENSIONS } from './extensions.js';
import type { FieldExt } from './extensions.js';
import type { LoadedModel } from './source.js';

/** A Swagger 2.0 / OpenAPI schema object as JSON. */
export interface Schema {
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  allOf?: Schema[];
  oneOf?: Schema[];
  [extension: `x-${string}`]: unknown;
}

export const DEFINITIONS_PREFIX = '#/definitions/';

const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

// The package renders these as TypeScript aliases and keeps no description for Quantity.
const QUANTITY_DOC = [
  'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.',
  '',
  'The serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> may be empty, from the "" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n<decimalSI>       ::= m | "" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I didn\'t choose the capitalization.)\n\n<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```',
  '',
  'No matter which of the three exponent forms is used, no quantity may represent a number greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we require larger or smaller quantities.',
  '',
  'When a Quantity is parsed from a string, it will remember the type of suffix it had, and will use the same type again when it is serialized.',
].join('\n');

const ALIASES: Record<string, Schema> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { description: QUANTITY_DOC, type: 'string' },
};

const JSON_SCHEMA = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

// Any JSON value, or one of two forms: Kubernetes publishes these without a type.
const UNTYPED = new Set(
  ['JSON', 'JSONSchemaPropsOrArray', 'JSONSchemaPropsOrBool', 'JSONSchemaPropsOrStringArray'].map(
    (n) => JSON_SCHEMA + n,
  ),
);

// The package writes every number as `number`; these are float64 in the Go types.
const FLOAT_FIELDS: Record<string, Set<string>> = {
  [`${JSON_SCHEMA}JSONSchemaProps`]: new Set(['maximum', 'minimum', 'multipleOf']),
};

/** The Swagger definition of one loaded model. */
export function definitionSchema(loaded: LoadedModel): Schema {
  const { def, model } = loaded;
  const description = model.description ? { description: model.description } : {};
  if (model.form === 'alias') {
    const alias = ALIASES[def];
    if (alias) return { ...description, ...alias };
    if (model.aliasOf?.t === 'string') return { ...description, type: 'string' };
    throw new Error(`no schema for alias ${def}`);
  }
  if (UNTYPED.has(def)) return { ...description };
  const out: Schema = { ...description, type: 'object' };
  const topLevel = model.properties.some((p) => p.name === 'kind' && p.type.t === 'literal');
  if (model.properties.length > 0) {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const p of model.properties) {
      if (topLevel && (p.name === 'apiVersion' || p.name === 'kind')) {
        properties[p.name] = {
          description: p.name === 'kind' ? KIND_DOC : API_VERSION_DOC,
          type: 'string',
        };
        continue;
      }
      const schema = typeSchema(p.type, loaded);
      if (FLOAT_FIELDS[def]?.has(p.name))
        Object.assign(schema, { type: 'number', format: 'double' });
      if (p.description) schema.description = p.description;
      const ext = FIELD_EXTENSIONS[def]?.[p.name];
      if (ext) Object.assign(schema, extensionsOf(ext));
      properties[p.name] = orderKeys(schema);
      if (!p.optional) required.push(p.name);
    }
    out.properties = properties;
    if (required.length > 0) out.required = required;
  }
  if (ATOMIC_DEFINITIONS.has(def)) out['x-kubernetes-map-type'] = 'atomic';
  return out;
}

function typeSchema(t: TypeExpr, loaded: LoadedModel): Schema {
  switch (t.t) {
    case 'string':
      return { type: 'string' };
    // No Kubernetes field in these groups is a float; the package writes every int as `number`.
    case 'number':
      return { type: 'integer' };
    case 'boolean':
      return { type: 'boolean' };
    case 'any':
      return { 'x-kubernetes-preserve-unknown-fields': true };
    case 'literal':
      return { type: 'string', enum: [t.value] };
    case 'union': {
      const values = t.of.map((o) => (o.t === 'literal' ? o.value : undefined));
      if (values.some((v) => v === undefined)) throw new Error(`${loaded.def}: unsupported union`);
      return { type: 'string', enum: values };
    }
    case 'array':
      return { type: 'array', items: typeSchema(t.of, loaded) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(t.of, loaded) };
    case 'ref': {
      const target = loaded.refs.get(t.ident);
      if (!target) throw new Error(`${loaded.def}: unresolved ${t.ident}`);
      return { $ref: DEFINITIONS_PREFIX + target };
    }
    case 'embedded': {
      const target = loaded.refs.get(t.specIdent.replace(/Spec$/, ''));
      if (!target) throw new Error(`${loaded.def}: unresolved ${t.specIdent}`);
      return { $ref: DEFINITIONS_PREFIX + target };
    }
  }
}

function extensionsOf(ext: FieldExt): Schema {
  const out: Schema = {};
  if (ext.keys) out['x-kubernetes-list-map-keys'] = ext.keys;
  if (ext.list) out['x-kubernetes-list-type'] = ext.list;
  if (ext.map) out['x-kubernetes-map-type'] = ext.map;
  if (ext.key) out['x-kubernetes-patch-merge-key'] = ext.key;
  if (ext.patch) out['x-kubernetes-patch-strategy'] = ext.patch;
  return out;
}

/** Keys in the order Kubernetes' documents list them: `$ref` and plain keys, then extensions. */
function orderKeys(s: Schema): Schema {
  const entries = Object.entries(s);
  entries.sort(([a], [b]) => {
    const ax = a.startsWith('x-') ? 1 : 0;
    const bx = b.startsWith('x-') ? 1 : 0;
    return ax - bx || (a < b ? -1 : a > b ? 1 : 0);
  });
  return Object.fromEntries(entries) as Schema;
}
