// Preact hooks over watched collections: a page names what it shows and re-renders on
// every change, with no refresh button anywhere.

import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiError } from './client.js';
import type { KObject } from './reducer.js';
import { resourcePath, type Resource } from './resources.js';
import { followList } from './watch.js';

export interface Watched<T extends KObject> {
  items: T[];
  /** False until the first list has arrived. */
  loaded: boolean;
  /** The last error: 403 means the user may not list these (show it, do not break). */
  error: ApiError | undefined;
}

export interface ListQuery {
  /** A namespace, or undefined / '' for all namespaces (ignored for cluster-scoped kinds). */
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** False to not watch at all (e.g. while a name is unknown). */
  enabled?: boolean;
}

export function useList<T extends KObject = KObject>(res: Resource, q: ListQuery = {}): Watched<T> {
  const [state, setState] = useState<Watched<T>>({ items: [], loaded: false, error: undefined });
  const path = resourcePath(res, q.namespace);
  const query = [
    q.labelSelector && `labelSelector=${encodeURIComponent(q.labelSelector)}`,
    q.fieldSelector && `fieldSelector=${encodeURIComponent(q.fieldSelector)}`,
  ]
    .filter(Boolean)
    .join('&');
  const enabled = q.enabled ?? true;
  useEffect(() => {
    setState({ items: [], loaded: false, error: undefined });
    if (!enabled) return undefined;
    return followList({
      path,
      query,
      onState: (s) =>
        setState((old) => ({ ...old, items: [...s.items.values()] as T[], loaded: true })),
      onError: (error) => setState((old) => ({ ...old, error })),
    });
  }, [path, query, enabled]);
  return state;
}

/** One object, followed by a watch on its name. */
export function useObject<T extends KObject = KObject>(
  res: Resource,
  namespace: string | undefined,
  name: string,
): { object: T | undefined; loaded: boolean; error: ApiError | undefined } {
  const w = useList<T>(res, { namespace, fieldSelector: `metadata.name=${name}` });
  return useMemo(() => ({ object: w.items[0], loaded: w.loaded, error: w.error }), [w]);
}
