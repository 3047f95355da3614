// Resource lists as apiserver's quota helpers (k8s.io/apiserver/pkg/quota/v1) handle them:
// exact sums that take the format of the first non-zero operand (Quantity.Add), masks,
// comparisons against hard limits, and the text admission errors print.

import {
  compareQuantity,
  formatQuantity,
  parseQuantity,
  ZERO,
  type Quantity,
} from '../quantity.js';
import { isJsonObject } from '../json.js';

/** A ResourceList: resource name → quantity. */
export type ResourceList = Map<string, Quantity>;

/** A ResourceList from its JSON form; unparseable values are left out. */
export function parseResourceList(v: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!isJsonObject(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const q = parseQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

/** The JSON form, keys sorted, each quantity in its canonical text. */
export function resourceListJson(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatQuantity(list.get(k) ?? ZERO);
  return out;
}

const isZero = (q: Quantity): boolean => q.n === 0n;

/** Quantity.Add: a zero left operand takes the right one's format. */
export function addQ(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exp, b.exp);
  const n = a.n * 10n ** BigInt(a.exp - e) + b.n * 10n ** BigInt(b.exp - e);
  return { n, exp: e, format: isZero(a) ? b.format : a.format };
}

function subQ(a: Quantity, b: Quantity): Quantity {
  return addQ(a, { ...b, n: -b.n });
}

/** quota.Add: every key of either list, summed where both have it. */
export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [k, v] of b) {
    const cur = out.get(k);
    out.set(k, cur ? addQ(cur, v) : v);
  }
  return out;
}

/** quota.SubtractWithNonNegativeResult: a − b, negatives clamped to zero. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [k, v] of a) {
    const other = b.get(k);
    const d = other ? subQ(v, other) : v;
    out.set(k, d.n < 0n ? { ...ZERO, format: v.format } : d);
  }
  for (const [k, v] of b) if (!a.has(k)) out.set(k, { ...ZERO, format: v.format });
  return out;
}

/** quota.Mask: only the given names. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = new Map();
  for (const n of names) {
    const v = list.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

/** quota.RemoveZeros. */
export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, v]) => !isZero(v)));
}

/** quota.IsNegative: the names of negative quantities, sorted. */
export function negatives(list: ResourceList): string[] {
  return [...list]
    .filter(([, v]) => v.n < 0n)
    .map(([k]) => k)
    .sort();
}

/** quota.Equals: the same keys with equal quantities. */
export function equals(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const o = b.get(k);
    if (!o || compareQuantity(v, o) !== 0) return false;
  }
  return true;
}

/** quota.LessThanOrEqual: the names of `hard` that `a` exceeds (none: within). */
export function exceeded(a: ResourceList, hard: ResourceList): string[] {
  const out: string[] = [];
  for (const [k, limit] of hard) {
    const v = a.get(k);
    if (v && compareQuantity(v, limit) > 0) out.push(k);
  }
  return out;
}

/** prettyPrint of the quota admission: `a=1,b=2`, sorted by name. */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${formatQuantity(list.get(k) ?? ZERO)}`)
    .join(',');
}

export const one = (): Quantity => ({ n: 1n, exp: 0, format: 'DecimalSI' });
export const count = (n: number): Quantity => ({ n: BigInt(n), exp: 0, format: 'DecimalSI' });
