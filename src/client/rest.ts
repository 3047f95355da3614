// A small Kubernetes REST client: CRUD, patch, status and watch for any resource.

import type { KubeObject } from '../api/types.js';
import type { Transport } from './transport.js';

/** Where a resource lives in the API. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** An error the server answered with: the Status it sent. */
export class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Record<string, unknown>;
  constructor(code: number, status: Record<string, unknown>) {
    super(
      typeof status['message'] === 'string' ? status['message'] : `the server answered ${code}`,
    );
    this.name = 'StatusError';
    this.code = code;
    this.reason = typeof status['reason'] === 'string' ? status['reason'] : '';
    this.status = status;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof StatusError && e.code === 404;
export const isConflict = (e: unknown): boolean =>
  e instanceof StatusError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean =>
  e instanceof StatusError && e.reason === 'AlreadyExists';

export function resourcePath(
  r: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

function query(o: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Client {
  transport: Transport;
  get<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    namespace: string,
    name: string,
  ): Promise<T>;
  list<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    namespace: string,
    opts?: ListOptions,
  ): Promise<ObjectList<T>>;
  create<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    namespace: string,
    obj: KubeObject,
    opts?: { fieldManager?: string },
  ): Promise<T>;
  update<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    obj: KubeObject,
    subresource?: string,
  ): Promise<T>;
  /** POST to a subresource (binding, eviction, token). */
  createSubresource<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    namespace: string,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: { subresource?: string; fieldManager?: string; force?: boolean },
  ): Promise<T>;
  delete(
    r: ResourceRef,
    namespace: string,
    name: string,
    opts?: {
      propagationPolicy?: string;
      gracePeriodSeconds?: number;
      preconditions?: { uid?: string; resourceVersion?: string };
    },
  ): Promise<void>;
  /** A watch stream; ends when the server closes it or the signal aborts. */
  watch<T extends KubeObject = KubeObject>(
    r: ResourceRef,
    namespace: string,
    opts: ListOptions & {
      resourceVersion: string;
      signal: AbortSignal;
      timeoutSeconds?: number;
      allowWatchBookmarks?: boolean;
    },
  ): AsyncIterable<WatchEvent<T>>;
  /** Any request, returning the parsed JSON body (errors thrown as StatusError). */
  raw(method: string, path: string, body?: unknown, contentType?: string): Promise<unknown>;
}

export function createClient(transport: Transport, fieldManager = 'skiff'): Client {
  async function call(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<unknown> {
    const res = await transport.request({
      method,
      path,
      ...(body !== undefined
        ? { body: typeof body === 'string' ? body : JSON.stringify(body), contentType }
        : {}),
    });
    const text = res.body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text };
    }
    if (res.status >= 400)
      throw new StatusError(res.status, (parsed ?? {}) as Record<string, unknown>);
    return parsed;
  }
  const client: Client = {
    transport,
    get: async (r, ns, name) => (await call('GET', resourcePath(r, ns, name))) as never,
    list: async (r, ns, o = {}) =>
      (await call('GET', resourcePath(r, ns) + query({ ...o }))) as never,
    create: async (r, ns, obj, o = {}) =>
      (await call(
        'POST',
        resourcePath(r, ns) + query({ fieldManager: o.fieldManager ?? fieldManager }),
        obj,
      )) as never,
    update: async (r, obj, sub) =>
      (await call(
        'PUT',
        resourcePath(r, obj.metadata.namespace, obj.metadata.name, sub) + query({ fieldManager }),
        obj,
      )) as never,
    createSubresource: async (r, ns, name, sub, body) =>
      (await call('POST', resourcePath(r, ns, name, sub), body)) as never,
    patch: async (r, ns, name, type, patch, o = {}) =>
      (await call(
        'PATCH',
        resourcePath(r, ns, name, o.subresource) +
          query({ fieldManager: o.fieldManager ?? fieldManager, force: o.force }),
        patch,
        PATCH_CONTENT_TYPE[type],
      )) as never,
    async delete(r, ns, name, o = {}) {
      await call('DELETE', resourcePath(r, ns, name), {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        ...o,
      });
    },
    watch: (r, ns, o) => watchStream(transport, r, ns, o) as never,
    raw: (method, path, body, ct) => call(method, path, body, ct),
  };
  return client;
}

async function* watchStream(
  transport: Transport,
  r: ResourceRef,
  ns: string,
  o: ListOptions & {
    resourceVersion: string;
    signal: AbortSignal;
    timeoutSeconds?: number;
    allowWatchBookmarks?: boolean;
  },
): AsyncGenerator<WatchEvent> {
  const path =
    resourcePath(r, ns) +
    query({
      watch: 'true',
      resourceVersion: o.resourceVersion,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
      timeoutSeconds: o.timeoutSeconds,
      allowWatchBookmarks: o.allowWatchBookmarks,
    });
  const res = await transport.stream({ method: 'GET', path, signal: o.signal });
  if (res.status >= 400) {
    const parts: Buffer[] = [];
    for await (const c of res.chunks) parts.push(c);
    let status: Record<string, unknown> = {};
    try {
      status = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    throw new StatusError(res.status, status);
  }
  let buf = '';
  try {
    for await (const chunk of res.chunks) {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line) as WatchEvent;
      }
    }
  } catch (e) {
    if (o.signal.aborted) return;
    throw e;
  }
}
