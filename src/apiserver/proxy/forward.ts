// A plain (non-upgrade) request passed to its backend as kube-apiserver's UpgradeAwareHandler
// passes it: method, path, query, headers (less hop-by-hop ones and API-server credentials)
// and body; the response streamed back, its links rewritten for the proxy subresources.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { serviceUnavailable } from '../../api/errors.js';
import type { KubeletClient } from '../kubelet/index.js';
import type { ApiResponse } from '../types.js';
import { goNetError } from './dial-errors.js';
import { backendRequestHeaders, clientResponseHeaders } from './headers.js';
import type { Backend } from './locations.js';
import { rewriteHtmlBody, rewriteUrl, type RewriteContext } from './rewrite.js';

/** How long connecting to a backend may take (Go's proxy dialer: 30 s). */
const DIAL_TIMEOUT_MS = 30_000;

/** Keep-alive agents for pods and services: plain, and TLS that verifies nothing (as kube). */
const plainAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
const insecureAgent = new HttpsAgent({
  keepAlive: true,
  maxSockets: 256,
  rejectUnauthorized: false,
});

export interface OutgoingRequest {
  method: string;
  headers: Record<string, string | string[]>;
  body?: Buffer | Readable;
  signal: AbortSignal;
}

/** Sends a request to a backend; resolves with its response, rejects with a socket error. */
export function openBackend(
  b: Backend,
  out: OutgoingRequest,
  kubelet: KubeletClient | undefined,
): Promise<IncomingMessage> {
  const https = b.scheme === 'https';
  const agent = !https
    ? plainAgent
    : b.tls === 'kubelet' && kubelet
      ? kubelet.agent
      : insecureAgent;
  const send = https ? httpsRequest : httpRequest;
  const path = (b.path || '/') + (b.query ? `?${b.query}` : '');
  return new Promise((resolve, reject) => {
    const req = send({
      host: b.hostname,
      port: b.port,
      method: out.method,
      path,
      headers: out.headers,
      agent,
      // The client's Host goes through when there is one (as kube's proxy keeps it).
      setHost: !Object.keys(out.headers).some((k) => k.toLowerCase() === 'host'),
    });
    let answered = false;
    const dialTimer = setTimeout(() => {
      const e = Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' });
      req.destroy(e);
    }, DIAL_TIMEOUT_MS);
    dialTimer.unref();
    // Only connecting is timed: a backend may take its time to answer (long polls).
    req.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(dialTimer);
      else socket.once(https ? 'secureConnect' : 'connect', () => clearTimeout(dialTimer));
    });
    const abort = (): void => void req.destroy();
    out.signal.addEventListener('abort', abort, { once: true });
    req.on('response', (res) => {
      answered = true;
      clearTimeout(dialTimer);
      res.on('close', () => out.signal.removeEventListener('abort', abort));
      resolve(res);
    });
    req.on('error', (e) => {
      clearTimeout(dialTimer);
      out.signal.removeEventListener('abort', abort);
      if (!answered) reject(e);
    });
    if (out.body && !Buffer.isBuffer(out.body)) {
      const body = out.body;
      // A client that goes away mid-body takes the backend request with it.
      body.on('error', (e) => req.destroy(e));
      body.on('aborted', () => req.destroy());
      body.pipe(req);
    } else req.end(out.body && out.body.length ? out.body : undefined);
  });
}

/** What the plain proxy needs from the client's request. */
export interface ProxiedRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body still to be read (it then replaces `body`), streamed to the backend. */
  bodyStream?: Readable | undefined;
  signal: AbortSignal;
  /** The path as the client sent it, and the raw query ('' or without `?`). */
  rawPath: string;
  rawQuery: string;
  /** The request path up to and including its `proxy` segment. */
  prefix: string;
  /** The client's address, appended to X-Forwarded-For as Go's reverse proxy does. */
  remoteAddress?: string | undefined;
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** kube's UpgradeAwareHandler.ServeHTTP with its link-rewriting Transport. */
export async function forwardPlain(
  b: Backend,
  r: ProxiedRequest,
  kubelet: KubeletClient | undefined,
): Promise<ApiResponse> {
  const target = { ...b, query: b.query || r.rawQuery };
  if (!target.path.endsWith('/') && r.rawPath.endsWith('/')) target.path += '/';
  // The bare `/proxy` is redirected to `/proxy/` (GET and HEAD), as kube does.
  if (target.path === '' && (r.method === 'GET' || r.method === 'HEAD')) {
    return {
      status: 301,
      headers: { location: `${r.rawPath}/${r.rawQuery ? `?${r.rawQuery}` : ''}` },
      body: '',
    };
  }
  const host = String(r.headers[':authority'] ?? r.headers.host ?? '');
  const headers: Record<string, string | string[]> = {
    ...(backendRequestHeaders(r.headers) as Record<string, string | string[]>),
    ...(host ? { host } : {}),
  };
  if (r.remoteAddress) {
    const prior = r.headers['x-forwarded-for'];
    const list = Array.isArray(prior) ? prior.join(', ') : prior;
    headers['x-forwarded-for'] = list ? `${list}, ${r.remoteAddress}` : r.remoteAddress;
  }
  if (b.rewrite) headers['x-forwarded-uri'] = r.prefix + (target.path || '/');
  if (r.bodyStream) {
    // The client's framing ends here: its declared length goes on, else Node frames it
    // (chunked) as the bytes come.
    const declared = r.headers['content-length'];
    if (typeof declared === 'string' && /^\d+$/.test(declared))
      headers['content-length'] = declared;
  } else if (r.body.length || ['POST', 'PUT', 'PATCH'].includes(r.method))
    headers['content-length'] = String(r.body.length);
  let res: IncomingMessage;
  try {
    res = await openBackend(
      target,
      { method: r.method, headers, body: r.bodyStream ?? r.body, signal: r.signal },
      kubelet,
    );
  } catch (e) {
    throw serviceUnavailable(
      `error trying to reach service: ${goNetError(e, target.hostname, target.port)}`,
    );
  }
  const out = clientResponseHeaders(res.headers);
  const status = res.statusCode ?? 502;
  if (!b.rewrite) return { status, headers: out, stream: res };
  const ctx: RewriteContext = {
    prefix: r.prefix,
    backendHost: `${target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname}:${target.port}`,
    requestHost: host,
  };
  const one = (name: string): string | undefined => {
    const v = out[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const location = one('location');
  if (location) {
    out.location = rewriteUrl(location, ctx);
    return { status, headers: out, stream: res };
  }
  const media = (one('content-type') ?? '').split(';')[0]?.trim();
  if (media !== 'text/html' || r.method === 'HEAD') return { status, headers: out, stream: res };
  const body = await readAll(res);
  let rewritten: Buffer | undefined;
  try {
    rewritten = rewriteHtmlBody(body, one('content-encoding'), ctx);
  } catch {
    rewritten = undefined; // A body that does not decode is passed on as it came.
  }
  const final = rewritten ?? body;
  out['content-length'] = String(final.length);
  return { status, headers: out, body: final };
}
