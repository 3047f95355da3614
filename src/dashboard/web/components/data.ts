// Data the resource pages share. One watch per collection however many parts of a page show
// it (the workloads page shows pods in several places: 5,000 pods are watched once), kept a
// little while after the last part goes so that moving between pages does not list again.
// Metrics cannot be watched (metrics.k8s.io answers 405): they are polled, shared the same way.
// Permission checks (SelfSubjectAccessReview) are asked once per verb/resource/namespace.
// Every key starts with the token, so a new sign-in never sees the last user's data.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import type { ListQuery, Watched } from '../api/hooks.js';
import type { KObject } from '../api/reducer.js';
import { resourcePath, type Resource } from '../api/resources.js';
import { currentToken } from '../api/session.js';
import { follow } from './streams.js';

interface Source<S> {
  state: S;
  listeners: Set<(s: S) => void>;
  stop: () => void;
  linger?: ReturnType<typeof setTimeout> | undefined;
}

// Short: a lingering watch holds one of the few connections a page has (see streams.ts).
const LINGER_MS = 1_500;
const sources = new Map<string, Source<any>>();

/** Subscribes to the source named `key`, starting it with `start` when nobody else holds it. */
function useSource<S>(
  key: string | undefined,
  initial: S,
  start: (publish: (s: S) => void, current: () => S) => () => void,
): S {
  const [state, setState] = useState<S>(() => (key && sources.get(key)?.state) ?? initial);
  useEffect(() => {
    if (!key) {
      setState(initial);
      return undefined;
    }
    let src = sources.get(key) as Source<S> | undefined;
    if (!src) {
      const created: Source<S> = { state: initial, listeners: new Set(), stop: () => undefined };
      sources.set(key, created);
      created.stop = start(
        (s) => {
          created.state = s;
          for (const f of created.listeners) f(s);
        },
        () => created.state,
      );
      src = created;
    }
    const source = src;
    if (source.linger) clearTimeout(source.linger);
    source.linger = undefined;
    source.listeners.add(setState);
    setState(source.state);
    return () => {
      source.listeners.delete(setState);
      if (source.listeners.size) return;
      source.linger = setTimeout(() => {
        if (source.listeners.size) return;
        source.stop();
        sources.delete(key);
      }, LINGER_MS);
    };
  }, [key]);
  return state;
}

const EMPTY: Watched<KObject> = { items: [], loaded: false, error: undefined };

/** A watched collection, shared by every part of the page that names the same one. */
export function useWatched<T extends KObject = KObject>(
  res: Resource,
  q: ListQuery = {},
): Watched<T> {
  const path = resourcePath(res, q.namespace);
  const query = [
    q.labelSelector && `labelSelector=${encodeURIComponent(q.labelSelector)}`,
    q.fieldSelector && `fieldSelector=${encodeURIComponent(q.fieldSelector)}`,
  ]
    .filter(Boolean)
    .join('&');
  const key = (q.enabled ?? true) ? `${currentToken() ?? ''} watch ${path}?${query}` : undefined;
  return useSource<Watched<T>>(key, EMPTY as Watched<T>, (publish, current) =>
    follow(path, query, {
      onState: (s) =>
        publish({ items: [...s.items.values()] as T[], loaded: true, error: current().error }),
      onError: (error) => publish({ ...current(), error }),
    }),
  );
}

export interface Polled<T> {
  value: T | undefined;
  error: ApiError | undefined;
  loaded: boolean;
}

const METRICS_EVERY_MS = 15_000;

/** A GET repeated every 15 s (metrics), shared like watches; undefined path = off. */
export function usePolled<T>(path: string | undefined): Polled<T> {
  return useSource<Polled<T>>(
    path && `${currentToken() ?? ''} poll ${path}`,
    { value: undefined, error: undefined, loaded: false },
    (publish, current) => {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const abort = new AbortController();
      const once = async (): Promise<void> => {
        try {
          const value = await api<T>(path!, { signal: abort.signal });
          if (!stopped) publish({ value, error: undefined, loaded: true });
        } catch (e) {
          if (stopped) return;
          const error =
            e instanceof ApiError
              ? e
              : new ApiError({ code: 0, reason: 'NetworkError', message: String(e) });
          // An absent or forbidden API stays so: keep asking, but rarely.
          publish({ value: current().value, error, loaded: true });
        }
        if (!stopped) timer = setTimeout(() => void once(), METRICS_EVERY_MS);
      };
      void once();
      return () => {
        stopped = true;
        abort.abort();
        if (timer) clearTimeout(timer);
      };
    },
  );
}

/** PodMetrics of a namespace ('' = all), or an error when the metrics API is absent or forbidden. */
export function usePodMetrics(namespace: string, enabled = true): Polled<KObject[]> {
  const base = '/apis/metrics.k8s.io/v1beta1';
  const path = namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/pods`
    : `${base}/pods`;
  const p = usePolled<{ items: KObject[] }>(enabled ? path : undefined);
  return useMemo(() => ({ ...p, value: p.value?.items }), [p]);
}

export function useNodeMetrics(enabled = true): Polled<KObject[]> {
  const p = usePolled<{ items: KObject[] }>(
    enabled ? '/apis/metrics.k8s.io/v1beta1/nodes' : undefined,
  );
  return useMemo(() => ({ ...p, value: p.value?.items }), [p]);
}

export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

export interface Access {
  /** undefined while the answer is on its way. */
  allowed: boolean | undefined;
  reason: string;
  /** The review could not be asked (the network, a proxy's 5xx): allowed until asked again. */
  unanswered?: boolean;
}

/** How soon an unanswered review is asked again, doubling up to the last. */
const ACCESS_RETRY_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];

const accessCache = new Map<string, Promise<Access>>();

const accessKey = (a: AccessCheck): string =>
  [currentToken() ?? '', a.verb, a.group, a.resource, a.subresource ?? '', a.namespace ?? ''].join(
    '|',
  );

export function checkAccess(a: AccessCheck): Promise<Access> {
  const key = accessKey(a);
  let p = accessCache.get(key);
  if (!p) {
    p = api<any>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: a.verb,
            group: a.group,
            resource: a.resource,
            ...(a.subresource ? { subresource: a.subresource } : {}),
            ...(a.namespace ? { namespace: a.namespace } : {}),
          },
        },
      },
    }).then(
      (r) => ({
        allowed: Boolean(r?.status?.allowed),
        reason: r?.status?.allowed ? '' : notAllowed(a),
      }),
      // Cannot ask (itself forbidden, or the network): let the API server decide on use,
      // and ask again later (useAccess does).
      (e: unknown) => {
        accessCache.delete(key);
        // Refused to ask (403) is an answer of its own: asking again changes nothing.
        const refused = e instanceof ApiError && e.code === 403;
        return { allowed: true, reason: '', ...(refused ? {} : { unanswered: true }) };
      },
    );
    accessCache.set(key, p);
  }
  return p;
}

function notAllowed(a: AccessCheck): string {
  const what = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return `You are not allowed to ${a.verb} ${what}${a.namespace ? ` in namespace ${a.namespace}` : ''}.`;
}

/** Whether the user may do something, for enabling a button (cached per verb/resource/namespace). */
export function useAccess(a: AccessCheck): Access {
  const key = accessKey(a);
  const [access, setAccess] = useState<Access>({ allowed: undefined, reason: '' });
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = (attempt: number): void => {
      void checkAccess(a).then((r) => {
        if (!live) return;
        setAccess(r);
        // A passing failure must not leave a button enabled for good.
        if (r.unanswered)
          timer = setTimeout(
            () => ask(attempt + 1),
            ACCESS_RETRY_MS[Math.min(attempt, ACCESS_RETRY_MS.length - 1)],
          );
      });
    };
    ask(0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  return access;
}
