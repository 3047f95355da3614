// Structural OpenAPI v3 schemas as apiextensions-apiserver uses them: the structural checks a
// CustomResourceDefinition's schema must pass, and, for custom objects, pruning of unknown
// fields, `default` values, and validation with kube's field error texts.

import type { FieldError } from '../../types.js';
import { isJsonObject } from '../../json.js';
import { invalidValue, notSupported, required } from '../../validation/common.js';

export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [other: string]: unknown;
}

type Obj = Record<string, unknown>;
const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

const asSchema = (v: unknown): Schema | undefined => (isJsonObject(v) ? (v as Schema) : undefined);

// ---- the CRD side: is the schema structural? ----

type Level = 'root' | 'item' | 'field';

/** The structural-schema rules on one version's openAPIV3Schema (path is its field path). */
export function structuralErrors(schema: Schema, path: string): FieldError[] {
  return checkNode(schema, path, 'root');
}

function checkNode(s: Schema, path: string, lvl: Level): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeof s.type === 'string' ? s.type : '';
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (type && !TYPES.includes(type)) errs.push(notSupported(`${path}.type`, type, TYPES));
  if (!type && !intOrString && !preserve)
    errs.push(
      required(
        `${path}.type`,
        lvl === 'root'
          ? 'must not be empty at the root'
          : lvl === 'item'
            ? 'must not be empty for specified array items'
            : 'must not be empty for specified object fields',
      ),
    );
  if (lvl === 'root' && type && type !== 'object')
    errs.push(invalidValue(`${path}.type`, type, 'must be object at the root'));
  if (typeof s.$ref === 'string') errs.push(forbidden(`${path}.$ref`, '$ref is not supported'));
  const props = isJsonObject(s.properties) ? (s.properties as Record<string, unknown>) : undefined;
  if (props && s.additionalProperties !== undefined)
    errs.push(
      forbidden(
        `${path}.additionalProperties`,
        'additionalProperties and properties are mutual exclusive',
      ),
    );
  if (type === 'array' && !asSchema(s.items))
    errs.push(required(`${path}.items`, 'must be specified'));
  for (const [name, child] of Object.entries(props ?? {})) {
    const c = asSchema(child);
    if (c) errs.push(...checkNode(c, `${path}.properties[${name}]`, 'field'));
  }
  const items = asSchema(s.items);
  if (items) errs.push(...checkNode(items, `${path}.items`, 'item'));
  const extra = asSchema(s.additionalProperties);
  if (extra) errs.push(...checkNode(extra, `${path}.additionalProperties`, 'field'));
  return errs;
}

const forbidden = (field: string, detail: string): FieldError => ({
  type: 'FieldValueForbidden',
  field,
  detail,
});

// ---- the custom object side ----

const preserves = (s: Schema): boolean => s['x-kubernetes-preserve-unknown-fields'] === true;

/**
 * Removes fields the schema does not declare (in place) and returns their paths, as kube's
 * pruning does; the root's apiVersion, kind and metadata are kept.
 */
export function prune(value: unknown, s: Schema, path = '', root = true): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    const items = asSchema(s.items);
    if (items) value.forEach((v, i) => out.push(...prune(v, items, `${path}[${i}]`, false)));
    return out;
  }
  if (!isJsonObject(value)) return out;
  const o = value as Obj;
  const props = isJsonObject(s.properties) ? (s.properties as Record<string, Schema>) : undefined;
  const extra = asSchema(s.additionalProperties);
  for (const key of Object.keys(o)) {
    const at = path ? `${path}.${key}` : key;
    // The root and embedded objects keep their apiVersion, kind and metadata.
    const objectLike = root || s['x-kubernetes-embedded-resource'] === true;
    if (objectLike && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    const child = props?.[key] ?? extra;
    if (child) {
      out.push(...prune(o[key], child, at, false));
      continue;
    }
    if (preserves(s) || s.additionalProperties === true) continue;
    delete o[key];
    out.push(at);
  }
  return out;
}

/**
 * Fills `default` values of absent properties (in place), parents before children; nulls of
 * fields that are not nullable are dropped first.
 */
export function applyDefaults(value: unknown, s: Schema): void {
  if (Array.isArray(value)) {
    const items = asSchema(s.items);
    if (items) for (const v of value) applyDefaults(v, items);
    return;
  }
  if (!isJsonObject(value)) return;
  const o = value as Obj;
  const props = isJsonObject(s.properties) ? (s.properties as Record<string, Schema>) : {};
  for (const [key, child] of Object.entries(props)) {
    // A null where the schema does not allow one is dropped (then defaulted), as kube does.
    if (o[key] === null && child.nullable !== true) delete o[key];
    if (o[key] === undefined && child.default !== undefined)
      o[key] = structuredClone(child.default);
    if (o[key] !== undefined) applyDefaults(o[key], child);
  }
  const extra = asSchema(s.additionalProperties);
  if (extra) for (const key of Object.keys(o)) if (!(key in props)) applyDefaults(o[key], extra);
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const typeError = (path: string, want: string, got: string): FieldError =>
  invalidValue(path, got, `${path} in body must be of type ${want}: "${got}"`);

/** Go's formatting of a number in these messages (%v). */
const num = (n: number): string => String(n);

/** The object's errors against the schema (kube's OpenAPI validation, its texts). */
export function validateAgainst(value: unknown, s: Schema, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeof s.type === 'string' ? s.type : '';
  const got = jsonType(value);
  if (value === null) {
    if (s.nullable || !type) return errs;
    return [typeError(path, type, 'null')];
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (got !== 'integer' && got !== 'string') return [typeError(path, 'integer,string', got)];
  } else if (type) {
    const ok = got === type || (type === 'number' && got === 'integer');
    if (!ok) return [typeError(path, type, got)];
  }
  if (
    Array.isArray(s.enum) &&
    s.enum.length &&
    !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))
  )
    errs.push(
      notSupported(
        path,
        value,
        s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
      ),
    );
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number') {
      if (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)
        errs.push(
          invalidValue(
            path,
            value,
            `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${num(s.minimum)}`,
          ),
        );
    }
    if (typeof s.maximum === 'number') {
      if (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)
        errs.push(
          invalidValue(
            path,
            value,
            `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${num(s.maximum)}`,
          ),
        );
    }
  }
  if (typeof value === 'number' && typeof s.multipleOf === 'number' && s.multipleOf > 0) {
    const q = value / s.multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9)
      errs.push(
        invalidValue(path, value, `${path} in body should be a multiple of ${num(s.multipleOf)}`),
      );
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof s.maxLength === 'number' && len > s.maxLength)
      errs.push({
        type: 'FieldValueTooLong',
        field: path,
        badValue: value,
        detail: `may not be more than ${s.maxLength} bytes`,
      });
    if (typeof s.minLength === 'number' && len < s.minLength)
      errs.push(
        invalidValue(path, value, `${path} in body should be at least ${s.minLength} chars long`),
      );
    if (typeof s.pattern === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value))
        errs.push(invalidValue(path, value, `${path} in body should match '${s.pattern}'`));
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.maxItems === 'number' && value.length > s.maxItems)
      errs.push({
        type: 'FieldValueTooMany',
        field: path,
        detail: `${value.length}: must have at most ${s.maxItems} items`,
      });
    if (typeof s.minItems === 'number' && value.length < s.minItems)
      errs.push(
        invalidValue(
          path,
          value.length,
          `${path} in body should have at least ${s.minItems} items`,
        ),
      );
    const items = asSchema(s.items);
    if (items) value.forEach((v, i) => errs.push(...validateAgainst(v, items, `${path}[${i}]`)));
  }
  if (isJsonObject(value)) {
    const o = value as Obj;
    const count = Object.keys(o).length;
    if (typeof s.maxProperties === 'number' && count > s.maxProperties)
      errs.push({
        type: 'FieldValueTooMany',
        field: path,
        detail: `${count}: must have at most ${s.maxProperties} items`,
      });
    if (typeof s.minProperties === 'number' && count < s.minProperties)
      errs.push(
        invalidValue(
          path,
          count,
          `${path} in body should have at least ${s.minProperties} properties`,
        ),
      );
    for (const r of Array.isArray(s.required) ? s.required : [])
      if (o[r] === undefined) errs.push(required(path ? `${path}.${r}` : r));
    const props = isJsonObject(s.properties) ? (s.properties as Record<string, Schema>) : {};
    const extra = asSchema(s.additionalProperties);
    for (const [key, v] of Object.entries(o)) {
      const child = props[key] ?? extra;
      if (!child || v === undefined) continue;
      if (!path && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
      errs.push(...validateAgainst(v, child, path ? `${path}.${key}` : key));
    }
  }
  return errs;
}
