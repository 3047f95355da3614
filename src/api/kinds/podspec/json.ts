// Untyped JSON access: the small readers every kind uses on objects decoded from JSON.

import type { KubeObject } from '../../types.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Obj[] => arr(v).map((x) => obj(x) ?? {});
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const int = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const strMap = (v: unknown): Record<string, string> | undefined =>
  isObj(v) ? (v as Record<string, string>) : undefined;
export const has = (o: Obj, k: string): boolean => o[k] !== undefined && o[k] !== null;

/** `parent[key]` as an object, created when missing (defaulting works in place). */
export function child(parent: Obj, key: string): Obj {
  const cur = obj(parent[key]);
  if (cur) return cur;
  const made: Obj = {};
  parent[key] = made;
  return made;
}

export const specOf = (o: KubeObject): Obj => obj(o.spec) ?? {};
export const statusOf = (o: KubeObject): Obj => obj(o.status) ?? {};

/** Deep equality of JSON values where absent, null and empty containers are alike (Go nil). */
export function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => normalize(x) ?? null);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (v === '' || v === false || v === 0) return undefined;
  return v;
}

export const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));
