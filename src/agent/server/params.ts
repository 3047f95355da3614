// Query parameters decoded as the kubelet's parameter codec decodes them.

/** A value the codec cannot convert (the kubelet answers "Unable to decode query."). */
export class QueryError extends Error {}

/**
 * A boolean as apimachinery converts one: absent is false; otherwise false only for `0` or
 * `false` (any case).
 */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== '0' && v.toUpperCase() !== 'FALSE';
}

const INT64_MAX = 2n ** 63n - 1n;

/** An `*int64` (strconv.ParseInt): undefined when absent, QueryError when not a number. */
export function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw new QueryError(`${name}: invalid syntax`);
  const n = BigInt(v);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) throw new QueryError(`${name}: value out of range`);
  return Number(n);
}

/**
 * A `*metav1.Time`: undefined when absent; null (the zero time) for an empty value or
 * `null`; otherwise RFC 3339 or QueryError.
 */
export function timeParam(q: URLSearchParams, name: string): Date | null | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v === '' || v === 'null') return null;
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v);
  const d = new Date(v);
  if (!ok || Number.isNaN(d.getTime())) throw new QueryError(`${name}: cannot parse`);
  return d;
}
