// Decoding type errors: a JSON value whose type the kind's Go struct cannot hold (a string
// for an int32, a number in a map of strings). kube-apiserver fails the decode with Go's
// encoding/json words, e.g. `json: cannot unmarshal string into Go struct field
// DeploymentSpec.spec.replicas of type int32`; the first such value in document order is
// reported. Types with their own JSON decoding (Time, Quantity, raw JSON) are not checked
// here, but for IntOrString, whose decoder reads anything but a string as an int32.

import type { GroupVersionKind } from '../types.js';
import { DEFINITIONS_PREFIX } from './schema.js';
import type { Schema } from './schema.js';

export type TypeErrorFinder = (gvk: GroupVersionKind, obj: unknown) => string | undefined;

/** Definitions whose Go types decode JSON themselves and accept more than their schema says. */
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const CUSTOM_DECODING = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
]);

/** Integer fields that are int64 in the Go types (the schemas here carry no int formats). */
const INT64_FIELDS = new Set([
  'activeDeadlineSeconds',
  'deletionGracePeriodSeconds',
  'expirationSeconds',
  'fsGroup',
  'generation',
  'observedGeneration',
  'runAsGroup',
  'runAsUser',
  'supplementalGroups',
  'terminationGracePeriodSeconds',
  'tolerationSeconds',
]);

const INT32 = 2 ** 31;

export function typeErrorFinder(definitions: Record<string, Schema>): TypeErrorFinder {
  const byKind = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    const kinds = def['x-kubernetes-group-version-kind'];
    if (Array.isArray(kinds))
      for (const k of kinds as GroupVersionKind[])
        byKind.set(`${k.group}/${k.version}/${k.kind}`, name);
  }

  /** Follows `$ref`s; returns the schema and the name of the last definition reached. */
  const resolve = (s: Schema): { s: Schema; name?: string } => {
    let cur = s;
    let name: string | undefined;
    for (let depth = 0; cur.$ref && depth < 8; depth++) {
      name = cur.$ref.slice(DEFINITIONS_PREFIX.length);
      const target = definitions[name];
      if (!target) return { s: {} };
      cur = cur['x-kubernetes-preserve-unknown-fields']
        ? { ...target, 'x-kubernetes-preserve-unknown-fields': true }
        : target;
    }
    return name === undefined ? { s: cur } : { s: cur, name };
  };

  /** The Go type a schema decodes into, as reflect prints it (`int32`, `[]v1.Container`). */
  const goType = (schema: Schema, field: string): string => {
    const { s, name } = resolve(schema);
    if (name && (s.type === 'object' || s.properties)) {
      const parts = name.split('.');
      return `${parts.at(-2) ?? ''}.${parts.at(-1) ?? ''}`;
    }
    switch (s.type) {
      case 'integer':
        return INT64_FIELDS.has(field) ? 'int64' : 'int32';
      case 'number':
        return 'float64';
      case 'boolean':
        return 'bool';
      case 'string':
        return 'string';
      case 'array':
        return `[]${goType(s.items ?? {}, field)}`;
      default:
        return s.additionalProperties && typeof s.additionalProperties === 'object'
          ? `map[string]${goType(s.additionalProperties, field)}`
          : 'map[string]interface {}';
    }
  };

  const jsonKind = (v: unknown): string =>
    Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v;

  /**
   * `stack` is the path of struct fields from the root (map keys and list indices are not
   * part of it, as in encoding/json); `struct` the Go struct that holds the last one.
   */
  const walk = (
    schema: Schema,
    value: unknown,
    stack: string[],
    struct: string,
  ): string | undefined => {
    if (value === null || value === undefined) return undefined;
    const { s, name } = resolve(schema);
    if (name && CUSTOM_DECODING.has(name)) return undefined;
    if (s['x-kubernetes-preserve-unknown-fields'] === true) return undefined;
    if (s.format === 'date-time') return undefined;
    const field = stack.at(-1) ?? '';
    const fail = (what: string, type = goType(schema, field)): string =>
      `json: cannot unmarshal ${what} into Go struct field ${struct}.${stack.join('.')} of type ${type}`;
    if (name === INT_OR_STRING || s.format === 'int-or-string') {
      if (typeof value === 'string') return undefined;
      if (typeof value !== 'number') return fail(jsonKind(value), 'int32');
      const int32 = Number.isInteger(value) && value < INT32 && value >= -INT32;
      return int32 ? undefined : fail(`number ${value}`, 'int32');
    }
    switch (s.type) {
      case 'string':
        return typeof value === 'string' ? undefined : fail(jsonKind(value));
      case 'boolean':
        return typeof value === 'boolean' ? undefined : fail(jsonKind(value));
      case 'number':
        return typeof value === 'number' ? undefined : fail(jsonKind(value));
      case 'integer': {
        if (typeof value !== 'number') return fail(jsonKind(value));
        const limit = INT64_FIELDS.has(field) ? 2 ** 63 : INT32;
        if (!Number.isInteger(value) || value >= limit || value < -limit)
          return fail(`number ${value}`);
        return undefined;
      }
      case 'array': {
        if (!Array.isArray(value)) return fail(jsonKind(value));
        for (const item of value) {
          const e = walk(s.items ?? {}, item, stack, struct);
          if (e) return e;
        }
        return undefined;
      }
      default: {
        if (!s.properties && !s.additionalProperties) return undefined;
        if (typeof value !== 'object' || Array.isArray(value)) return fail(jsonKind(value));
        const holder = name ? (name.split('.').at(-1) ?? struct) : struct;
        for (const [key, v] of Object.entries(value)) {
          if (s.properties) {
            const prop = s.properties[key];
            const e = prop ? walk(prop, v, [...stack, key], holder) : undefined;
            if (e) return e;
          } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
            const e = walk(s.additionalProperties, v, stack, struct);
            if (e) return e;
          }
        }
        return undefined;
      }
    }
  };

  return (gvk, obj) => {
    const name = byKind.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
    const def = name ? definitions[name] : undefined;
    if (!name || !def) return undefined;
    return walk({ $ref: `${DEFINITIONS_PREFIX}${name}` }, obj, [], name.split('.').at(-1) ?? '');
  };
}
