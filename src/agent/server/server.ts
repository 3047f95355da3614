// The node's HTTPS API, as the kubelet's: Go's request handling (target parsing, path
// cleaning, the mux and its 404), then authentication and authorization (./auth.ts), then
// the kubelet's routes with go-restful's 404/405 and each handler's own texts.

import { createServer, type Server } from 'node:https';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createNodeAuth,
  subresourcesOf,
  verbOf,
  TOKEN_CACHE_TTL_MS,
  ALLOWED_CACHE_TTL_MS,
  DENIED_CACHE_TTL_MS,
} from './auth.js';
import { serveLogFiles } from './files.js';
import { serveContainerLogs } from './logs.js';
import { Mux, parseQuery, parseTarget, cleanPath, type RequestTarget } from './mux.js';
import { htmlEscape, httpError, TEXT, writeJson, writeText } from './reply.js';
import { createStreamServer, type StreamExchange } from './streams.js';
import { PlainHttpError } from './streaming/http.js';
import type { NodeServer, NodeServerOptions } from './types.js';

const DEFAULT_STREAM_CREATION_TIMEOUT_MS = 30_000;
/** The kubelet's nodeLogDir: what /logs/ serves. */
export const DEFAULT_LOG_DIR = '/var/log';
/** Go's http.Server MaxHeaderBytes as the kubelet sets it (1 MiB), plus Go's 4 KiB slack. */
const MAX_HEADER_BYTES = (1 << 20) + 4096;

/** One request past the mux: what a route handler gets. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The cleaned, unescaped path. */
  path: string;
  query: URLSearchParams;
  /** The query as sent, without `?`. */
  rawQuery: string;
  upgrade?: { socket: Duplex; head: Buffer };
  signal: AbortSignal;
}

/** A go-restful route: fixed methods, a path of `segments` parameters after the root. */
interface Route {
  methods: readonly string[];
  /** How many path segments follow the web service's root. */
  segments: number;
  run(ex: Exchange, params: string[]): void | Promise<void>;
}

/** What a mux pattern leads to: a web service (routes) or a plain handler (any method). */
type Target =
  { routes: Route[]; root: string } | { handler: (ex: Exchange) => void | Promise<void> };

const GET = ['GET'] as const;
const GET_POST = ['GET', 'POST'] as const;

/** go-restful's answer when a web service has no route for the path, or not for the method. */
function dispatch(ex: Exchange, root: string, routes: Route[]): void | Promise<void> {
  const rest = ex.path.slice(root.length).replace(/^\/+|\/+$/g, '');
  const params = rest === '' ? [] : rest.split('/');
  const byPath = routes.filter((r) => r.segments === params.length);
  if (!byPath.length) return writeText(ex.res, 404, '404: Page Not Found');
  const route = byPath.find((r) => r.methods.includes(ex.req.method ?? ''));
  if (!route) return writeText(ex.res, 405, '405: Method Not Allowed');
  return route.run(ex, params);
}

export function createNodeServer(o: NodeServerOptions): NodeServer {
  const clock = o.clock ?? { now: () => new Date() };
  const auth = createNodeAuth({
    client: o.client,
    nodeName: o.nodeName,
    now: () => clock.now().getTime(),
  });
  const streams = createStreamServer({
    backend: o.backend,
    getPod: (ns, name) => o.pods.get(ns, name),
    streamCreationTimeoutMs: o.streamCreationTimeoutMs ?? DEFAULT_STREAM_CREATION_TIMEOUT_MS,
  });
  let boundPort: number | undefined;

  /** A PlainHttpError from the stream checks, as the kubelet writes it. */
  const streamCall = (ex: Exchange, fn: (s: StreamExchange) => void): void => {
    const s: StreamExchange = {
      req: ex.req,
      query: ex.query,
      ...(ex.upgrade ? { upgrade: ex.upgrade } : {}),
    };
    try {
      if (ex.upgrade) ex.res.detachSocket(ex.upgrade.socket as Socket);
      fn(s);
    } catch (e) {
      if (ex.upgrade) ex.res.assignSocket(ex.upgrade.socket as Socket);
      const err = e instanceof PlainHttpError ? e : new PlainHttpError(500, String(e));
      writeText(ex.res, err.status, err.message, err.headers);
    }
  };

  const commandRoutes = (kind: 'exec' | 'attach'): Route[] => [
    {
      methods: GET_POST,
      segments: 3,
      run: (ex, [namespace = '', pod = '', container = '']) =>
        streamCall(ex, (s) => streams.command(kind, s, { namespace, pod, container })),
    },
    {
      methods: GET_POST,
      segments: 4,
      run: (ex, [namespace = '', pod = '', , container = '']) =>
        streamCall(ex, (s) => streams.command(kind, s, { namespace, pod, container })),
    },
  ];
  const portForwardRoute = (segments: number): Route => ({
    methods: GET_POST,
    segments,
    run: (ex, [namespace = '', pod = '', uid = '']) =>
      streamCall(ex, (s) => streams.portForward(s, { namespace, pod, uid })),
  });

  const healthz = (ex: Exchange): void => {
    if (ex.query.has('verbose'))
      return writeText(
        ex.res,
        200,
        '[+]ping ok\n[+]log ok\n[+]syncloop ok\nhealthz check passed\n',
        {
          'X-Content-Type-Options': 'nosniff',
        },
      );
    writeText(ex.res, 200, 'ok', { 'X-Content-Type-Options': 'nosniff' });
  };

  const configz = (): unknown => ({
    kubeletconfig: {
      enableServer: true,
      address: '0.0.0.0',
      port: boundPort ?? 10250,
      readOnlyPort: 0,
      authentication: {
        x509: { clientCAFile: 'ca.crt' },
        webhook: { enabled: true, cacheTTL: `${TOKEN_CACHE_TTL_MS / 60_000}m0s` },
        anonymous: { enabled: false },
      },
      authorization: {
        mode: 'Webhook',
        webhook: {
          cacheAuthorizedTTL: `${ALLOWED_CACHE_TTL_MS / 60_000}m0s`,
          cacheUnauthorizedTTL: `${DENIED_CACHE_TTL_MS / 1000}s`,
        },
      },
      enableDebuggingHandlers: true,
      maxPods: 110,
      ...o.configz,
    },
  });

  const mux = new Mux<Target>();
  for (const p of ['/healthz', '/healthz/ping', '/healthz/log', '/healthz/syncloop'])
    mux.handle(p, { handler: healthz });
  mux.handle('/configz', { handler: (ex) => writeJson(ex.res, 200, configz()) });
  const podsService: Target = {
    root: '/pods',
    routes: [
      {
        methods: GET,
        segments: 0,
        run: (ex) =>
          writeJson(ex.res, 200, {
            kind: 'PodList',
            apiVersion: 'v1',
            metadata: {},
            items: o.pods.list(),
          }),
      },
    ],
  };
  mux.handle('/pods', podsService).handle('/pods/', podsService);
  for (const kind of ['exec', 'attach'] as const) {
    const t: Target = { root: `/${kind}`, routes: commandRoutes(kind) };
    mux.handle(`/${kind}`, t).handle(`/${kind}/`, t);
  }
  const pf: Target = { root: '/portForward', routes: [portForwardRoute(2), portForwardRoute(3)] };
  mux.handle('/portForward', pf).handle('/portForward/', pf);
  const logs: Target = {
    root: '/containerLogs',
    routes: [
      {
        methods: GET,
        segments: 3,
        run: (ex, [namespace = '', pod = '', container = '']) =>
          serveContainerLogs(
            { namespace, pod, container, query: ex.query, signal: ex.signal },
            ex.res,
            {
              backend: o.backend,
              getPod: (ns, name) => o.pods.get(ns, name),
              now: () => clock.now(),
            },
          ),
      },
    ],
  };
  mux.handle('/containerLogs', logs).handle('/containerLogs/', logs);
  // The system log handler (enableSystemLogHandler, on by default): GET only, `/logs` and
  // everything under it, a file server over the node's log directory.
  const systemLogs: Target = {
    handler: (ex) => {
      if (ex.req.method !== 'GET') return writeText(ex.res, 405, '405: Method Not Allowed');
      return serveLogFiles(
        { req: ex.req, res: ex.res, path: ex.path, rawQuery: ex.rawQuery },
        o.logDir ?? DEFAULT_LOG_DIR,
      );
    },
  };
  mux.handle('/logs', systemLogs).handle('/logs/', systemLogs);
  const stats = o.stats;
  if (stats) {
    mux.handle('/stats/', {
      root: '/stats',
      routes: [
        {
          methods: GET,
          segments: 1,
          run: async (ex, [what]) => {
            if (what !== 'summary') return writeText(ex.res, 404, '404: Page Not Found');
            try {
              writeJson(ex.res, 200, await stats.summary());
            } catch (e) {
              writeText(
                ex.res,
                500,
                `Internal Error: ${e instanceof Error ? e.message : String(e)}`,
              );
            }
          },
        },
      ],
    });
    mux.handle('/metrics/resource', {
      handler: async (ex) => {
        try {
          const text = await stats.resourceMetrics();
          const body = Buffer.from(text);
          ex.res.writeHead(200, {
            'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
            'Content-Length': String(body.length),
          });
          ex.res.end(body);
        } catch (e) {
          httpError(
            ex.res,
            500,
            `An error has occurred while serving metrics:\n\n${e instanceof Error ? e.message : String(e)}`,
          );
        }
      },
    });
  }

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    upgrade?: { socket: Duplex; head: Buffer },
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    if (raw === '*' && method === 'OPTIONS') return writeText(res, 200, '');
    const target = requestTarget(raw);
    if (!target) return goBadRequest(res);
    const m = mux.match(target);
    if (m.kind === 'redirect') return redirect(res, method, m.location);
    if (m.kind === 'notFound') return httpError(res, 404, '404 page not found');
    const path = cleanPath(target.path);

    const user = await auth.authenticate(req);
    if (!user) return writeText(res, 401, 'Unauthorized');
    const verb = verbOf(method);
    const subresources = subresourcesOf(path);
    const what = `user=${user.name}, verb=${verb}, resource=nodes, subresource(s)=[${subresources.join(' ')}]`;
    let allowed = false;
    try {
      for (const subresource of subresources) {
        if ((await auth.authorize({ user, verb, subresource, path })) === 'allowed') {
          allowed = true;
          break;
        }
      }
    } catch {
      return writeText(res, 500, `Authorization error (${what})`);
    }
    if (!allowed) return writeText(res, 403, `Forbidden (${what})`);

    const ac = new AbortController();
    res.on('close', () => ac.abort());
    // An upgraded connection outlives its response object: its socket's end is the signal.
    upgrade?.socket.once('close', () => ac.abort());
    const ex: Exchange = {
      req,
      res,
      path,
      query: parseQuery(target.rawQuery),
      rawQuery: target.rawQuery,
      ...(upgrade ? { upgrade } : {}),
      signal: ac.signal,
    };
    const t = m.handler;
    if ('handler' in t) return t.handler(ex);
    return dispatch(ex, t.root, t.routes);
  }

  const fail = (res: ServerResponse) => (e: unknown) => {
    if (!res.headersSent) writeText(res, 500, e instanceof Error ? e.message : String(e));
    else res.destroy();
  };

  const server: Server = createServer(
    {
      cert: o.certPem,
      key: o.keyPem,
      ca: o.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    (req, res) => void serve(req, res).catch(fail(res)),
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    // Answers that are not a 101 go through an ordinary response on the same socket.
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => (socket as Socket).destroySoon?.());
    void serve(req, res, { socket, head }).catch(fail(res));
  });
  // CONNECT names no path: Go's mux finds nothing for it.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    const body = '404 page not found\n';
    socket.end(
      `HTTP/1.1 404 Not Found\r\nContent-Type: ${TEXT}\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, text] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large']
        : [400, 'Bad Request'];
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: ${TEXT}\r\nConnection: close\r\n\r\n${status} ${text}`,
    );
  });
  server.on('tlsClientError', () => {});

  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return {
    get port() {
      return boundPort;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          boundPort = (server.address() as AddressInfo).port;
          resolve(boundPort);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/** The request-target's path and query; absolute-form targets reduced to them. */
function requestTarget(raw: string): RequestTarget | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return undefined;
    }
    return parseTarget((u.pathname || '/') + u.search);
  }
  return parseTarget(raw);
}

/** Go's answer to a request-target it cannot parse. */
function goBadRequest(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  writeText(res, 400, '400 Bad Request', { Connection: 'close' });
}

/** http.Redirect with 301, as ServeMux sends it for unclean paths. */
function redirect(res: ServerResponse, method: string, location: string): void {
  const html = method === 'GET' || method === 'HEAD';
  const body =
    method === 'GET' ? `<a href="${htmlEscape(location)}">Moved Permanently</a>.\n\n` : '';
  res.writeHead(301, {
    Location: location,
    ...(html ? { 'Content-Type': 'text/html; charset=utf-8' } : {}),
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
