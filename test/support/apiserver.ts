// A test harness for the API server: a server over a memory store, reached without sockets
// by calling its handler, as a given user. For the REST-semantics tests beside the code.

import type { IncomingHttpHeaders } from 'node:http';
import { createOpenApiHandler } from '../../src/api/openapi/index.js';
import { createMemoryStore, type Store } from '../../src/storage/index.js';
import {
  createApiServer,
  type ApiServer,
  type ApiServerOptions,
} from '../../src/apiserver/index.js';
import type { UserInfo } from '../../src/apiserver/auth/types.js';
import { rawPathOf } from '../../src/apiserver/request-info.js';

export const ADMIN: UserInfo = { name: 'test-admin', groups: ['system:masters'] };

/** Who sends a request: a certificate user, a bearer token, or nobody (anonymous). */
export type Caller = UserInfo | { token: string } | 'anonymous';

export interface SendOptions {
  /** An object is sent as JSON (or YAML text as is); a Buffer or string as is. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  as?: Caller;
  headers?: IncomingHttpHeaders;
  signal?: AbortSignal;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[]>;
  text: string;
  /** The body parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

export interface WatchEventJson {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown> };
}

export interface TestWatch {
  status: number;
  headers: Record<string, string | string[]>;
  /** The next event, or undefined when none came within `ms` (default 500) or the stream ended. */
  next(ms?: number): Promise<WatchEventJson | undefined>;
  /** Every event arriving within `ms` of quiet (default 100). */
  drain(ms?: number): Promise<WatchEventJson[]>;
  /** Whether the server ended the stream. */
  ended(): boolean;
  close(): void;
}

export interface TestApiServer {
  server: ApiServer;
  store: Store;
  send(method: string, path: string, o?: SendOptions): Promise<TestResponse>;
  get(path: string, o?: SendOptions): Promise<TestResponse>;
  post(path: string, body: unknown, o?: SendOptions): Promise<TestResponse>;
  put(path: string, body: unknown, o?: SendOptions): Promise<TestResponse>;
  /** PATCH; the content type defaults to merge patch. */
  patch(path: string, body: unknown, o?: SendOptions): Promise<TestResponse>;
  delete(path: string, o?: SendOptions): Promise<TestResponse>;
  /**
   * Makes a namespace (if missing) with its `default` service account, as the namespace's
   * controllers would, so pods can be created in it.
   */
  namespace(name: string): Promise<void>;
  /** Opens a watch (`watch=true` is added to the query). */
  watch(path: string, o?: SendOptions): Promise<TestWatch>;
  close(): Promise<void>;
}

export interface TestServerOptions extends Partial<Omit<ApiServerOptions, 'store' | 'tls'>> {
  store?: Store;
  /** Write the system namespaces and the `kubernetes` service first (default true). */
  bootstrap?: boolean;
  /** Unknown-field detection from the OpenAPI schemas, as `skiff up` wires it (default true). */
  fieldValidation?: boolean;
}

let openapi: ReturnType<typeof createOpenApiHandler> | undefined;

export async function startTestServer(o: TestServerOptions = {}): Promise<TestApiServer> {
  const store = o.store ?? createMemoryStore();
  const { bootstrap = true, fieldValidation = true, store: _s, ...rest } = o;
  if (fieldValidation) openapi ??= createOpenApiHandler();
  const finder = openapi;
  const server = await createApiServer({
    ...(fieldValidation && finder
      ? { findUnknownFields: (gvk, obj) => finder.findUnknownFields(gvk, obj) }
      : {}),
    ...rest,
    store,
    tls: { cert: '', key: '', ca: '' },
  });
  if (bootstrap) await server.bootstrap();

  const streams = new Set<AbortController>();

  async function call(method: string, path: string, so: SendOptions = {}) {
    const caller = so.as ?? ADMIN;
    const headers: IncomingHttpHeaders = { ...(so.headers ?? {}) };
    let body: Buffer = Buffer.alloc(0);
    if (so.body !== undefined) {
      if (Buffer.isBuffer(so.body)) body = so.body;
      else if (typeof so.body === 'string') body = Buffer.from(so.body);
      else body = Buffer.from(JSON.stringify(so.body));
      headers['content-type'] = so.contentType ?? 'application/json';
    } else if (so.contentType) headers['content-type'] = so.contentType;
    if (so.accept) headers['accept'] = so.accept;
    const credentials =
      caller === 'anonymous'
        ? {}
        : 'token' in caller
          ? { authorization: `Bearer ${caller.token}` }
          : { certificateUser: caller };
    if ('authorization' in credentials) headers['authorization'] = credentials.authorization;
    const ac = new AbortController();
    so.signal?.addEventListener('abort', () => ac.abort(), { once: true });
    const res = await server.handler({
      method,
      url: new URL(path, 'https://127.0.0.1:6443'),
      path: rawPathOf(path),
      headers,
      body,
      credentials,
      signal: ac.signal,
    });
    return { res, ac };
  }

  async function send(method: string, path: string, so?: SendOptions): Promise<TestResponse> {
    const { res } = await call(method, path, so);
    let text = '';
    if (res.stream) {
      for await (const chunk of res.stream) text += chunk.toString();
    } else if (res.body !== undefined) text = res.body.toString();
    return {
      status: res.status,
      headers: res.headers,
      text,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  async function watch(path: string, so?: SendOptions): Promise<TestWatch> {
    const url = new URL(path, 'https://127.0.0.1:6443');
    if (!url.searchParams.has('watch')) url.searchParams.set('watch', 'true');
    const { res, ac } = await call('GET', url.pathname + url.search, so);
    streams.add(ac);
    const queue: WatchEventJson[] = [];
    let waiter: (() => void) | undefined;
    let done = !res.stream;
    if (!res.stream && res.body !== undefined) {
      // An error answered before the stream started.
      queue.push({ type: 'RESPONSE', object: JSON.parse(res.body.toString()) });
    }
    if (res.stream) {
      const stream = res.stream;
      void (async () => {
        let buf = '';
        try {
          for await (const chunk of stream) {
            buf += chunk.toString();
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim()) queue.push(JSON.parse(line) as WatchEventJson);
            }
            waiter?.();
          }
        } finally {
          done = true;
          waiter?.();
        }
      })();
    }
    const next = async (ms = 500): Promise<WatchEventJson | undefined> => {
      const deadline = Date.now() + ms;
      while (!queue.length && !done && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(deadline - Date.now(), 0));
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        waiter = undefined;
      }
      return queue.shift();
    };
    return {
      status: res.status,
      headers: res.headers,
      next,
      async drain(ms = 100) {
        const out: WatchEventJson[] = [];
        for (let e = await next(ms); e; e = await next(ms)) out.push(e);
        return out;
      },
      ended: () => done && !queue.length,
      close() {
        ac.abort();
        streams.delete(ac);
      },
    };
  }

  return {
    server,
    store,
    send,
    get: (p, so) => send('GET', p, so),
    post: (p, body, so) => send('POST', p, { ...so, body }),
    put: (p, body, so) => send('PUT', p, { ...so, body }),
    patch: (p, body, so) =>
      send('PATCH', p, {
        ...so,
        body,
        contentType: so?.contentType ?? 'application/merge-patch+json',
      }),
    delete: (p, so) => send('DELETE', p, so),
    watch,
    async namespace(name) {
      for (const [path, obj] of [
        ['/api/v1/namespaces', { metadata: { name } }],
        [`/api/v1/namespaces/${name}/serviceaccounts`, { metadata: { name: 'default' } }],
      ] as const) {
        const res = await send('POST', path, { body: obj });
        if (res.status !== 201 && res.status !== 409)
          throw new Error(`creating ${path}: ${res.status} ${res.text}`);
      }
    },
    async close() {
      for (const ac of streams) ac.abort();
      await server.close();
      await store.close();
    },
  };
}
