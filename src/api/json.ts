// Helpers for decoded JSON values (what JSON.parse returns), shared by the API definitions,
// the API server, the controllers and the client.
//
// Three equalities, because Kubernetes compares JSON in three ways:
//   jsonEqual               – exact structure (JSON Patch `test`, server-side apply).
//   equalIgnoringEmpty      – absent, null, [] and {} alike: Go's nil slices and maps, which
//                             encode the same with omitempty.
//   equalIgnoringZeroValues – also '', 0 and false alike: two values decoded into Go structs,
//                             where an absent field holds its zero value.

export type JsonObject = { [key: string]: unknown };

/** Whether a value is a JSON object (not null, not an array). */
export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy of a JSON value (undefined stays undefined, as do keys holding it). */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x);
    return out as T;
  }
  return v;
}

/** Structural equality of two JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** JSON with object keys sorted, as Go's encoding/json writes maps. */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * A deterministic rendering of a JSON value: sorted keys, with absent, null and empty
 * containers dropped (so `{a: []}`, `{a: null}` and `{}` all render as `null`).
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(withoutEmpty(v, false) ?? null);
}

/** Deep equality where absent, null, [] and {} are alike (Go's nil slices and maps). */
export function equalIgnoringEmpty(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Deep equality where absent, null, empty containers and the zero values '', 0 and false
 * are alike: two values compare as they would once decoded into Go structs.
 */
export function equalIgnoringZeroValues(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(withoutEmpty(a, true) ?? null) === JSON.stringify(withoutEmpty(b, true) ?? null)
  );
}

/** The value with keys sorted and empty members removed (undefined when nothing is left). */
function withoutEmpty(v: unknown, dropZeroValues: boolean): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    // An array keeps its length: an empty member stays in place (JSON writes it as null).
    return v.length === 0 ? undefined : v.map((x) => withoutEmpty(x, dropZeroValues) ?? null);
  }
  if (isJsonObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) {
      const n = withoutEmpty(v[k], dropZeroValues);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (dropZeroValues && (v === '' || v === false || v === 0)) return undefined;
  return v;
}
