// Query parameters read as kube-apiserver's conversion reads them, shared by the request
// info (which decides list or watch) and the handlers.

/**
 * A boolean query parameter as kube-apiserver converts one: absent is false; otherwise its
 * first value is false only when it is `0` or `false` (any case) — `watch=`, `watch=1`,
 * `watch=True` and `watch=yes` all mean true.
 */
export function boolParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  // Go's EqualFold: toUpperCase also folds `ſ` to `S`, as simple case folding does.
  return v !== null && v !== '0' && v.toUpperCase() !== 'FALSE';
}

/** The same for an optional boolean (`*bool`): undefined when absent. */
export function optionalBoolParam(query: URLSearchParams, name: string): boolean | undefined {
  return query.has(name) ? boolParam(query, name) : undefined;
}
