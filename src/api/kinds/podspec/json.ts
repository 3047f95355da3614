// Untyped JSON access: the small readers every kind uses on objects decoded from JSON.

import type { KubeObject } from '../../types.js';
import { isJsonObject } from '../../json.js';

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj | undefined => (isJsonObject(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Obj[] => arr(v).map((x) => obj(x) ?? {});
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const int = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const strMap = (v: unknown): Record<string, string> | undefined =>
  isJsonObject(v) ? (v as Record<string, string>) : undefined;
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
