// Strict field validation: the fields of an object that its kind's schema does not declare,
// as paths in the form kube-apiserver prints them (`spec.foo`, `spec.containers[0].imagee`).
// The API server turns them into `strict decoding error: unknown field "…"` (fieldValidation
// Strict) or into warnings (Warn).

import type { GroupVersionKind } from '../types.js';
import { DEFINITIONS_PREFIX } from './schema.js';
import type { Schema } from './schema.js';

export type UnknownFieldFinder = (gvk: GroupVersionKind, obj: unknown) => string[];

/** Build a finder over Swagger definitions carrying `x-kubernetes-group-version-kind`. */
export function unknownFieldFinder(definitions: Record<string, Schema>): UnknownFieldFinder {
  const byKind = new Map<string, Schema>();
  for (const def of Object.values(definitions)) {
    const kinds = def['x-kubernetes-group-version-kind'];
    if (!Array.isArray(kinds)) continue;
    for (const k of kinds as GroupVersionKind[]) {
      byKind.set(kindKey(k), def);
    }
  }
  const resolve = (s: Schema): Schema => {
    let cur = s;
    for (let depth = 0; cur.$ref && depth < 8; depth++) {
      const target = definitions[cur.$ref.slice(DEFINITIONS_PREFIX.length)];
      if (!target) return {};
      // A property's own extensions (preserve-unknown-fields) still apply beside its ref.
      cur = cur['x-kubernetes-preserve-unknown-fields']
        ? { ...target, 'x-kubernetes-preserve-unknown-fields': true }
        : target;
    }
    return cur;
  };

  const walk = (schema: Schema, value: unknown, path: string, out: string[]): void => {
    const s = resolve(schema);
    if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
    if (Array.isArray(value)) {
      if (s.items) value.forEach((item, i) => walk(s.items as Schema, item, `${path}[${i}]`, out));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const child = (key: string): string => (path ? `${path}.${key}` : key);
    if (s.properties) {
      for (const [key, v] of Object.entries(value)) {
        const prop = s.properties[key];
        if (prop) walk(prop, v, child(key), out);
        else out.push(child(key));
      }
    } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      for (const [key, v] of Object.entries(value))
        walk(s.additionalProperties, v, child(key), out);
    }
    // An object schema with neither (FieldsV1, RawExtension) holds arbitrary content.
  };

  return (gvk, obj) => {
    const def = byKind.get(kindKey(gvk));
    if (!def) return [];
    const out: string[] = [];
    walk(def, obj, '', out);
    return out;
  };
}

function kindKey(k: GroupVersionKind): string {
  return `${k.group}/${k.version}/${k.kind}`;
}
