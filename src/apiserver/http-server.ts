// The TLS front: HTTP/2 (ALPN h2) and HTTP/1.1 on one port, client certificates, request
// size limits, streaming responses. Everything else happens in the transport-free handler.

import { createHash } from 'node:crypto';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { badRequest, tooLarge } from '../api/errors.js';
import type { UserInfo } from './auth/types.js';
import { credentialsOf, type ApiHandler } from './chain.js';
import { HTTP1_MAX_HEADER_SIZE, HTTP2_MAX_HEADER_LIST_SIZE, MAX_BODY_BYTES } from './limits.js';
import { isProxyPath, rawPathOf } from './request-info.js';
import { errorResponse } from './respond.js';
import type { ApiResponse } from './types.js';

export { MAX_BODY_BYTES } from './limits.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
}

export type UpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  user: UserInfo | undefined,
) => void;

/**
 * How long a connection may take to complete its TLS handshake before it is closed, as Go's
 * (kube-apiserver's) 10 s TLS handshake timeout. SKIFF_TLS_HANDSHAKE_TIMEOUT_MS overrides it.
 */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface HttpServerOptions {
  tls: TlsMaterial;
  handler: ApiHandler;
  onUpgrade?: UpgradeHandler;
  /** Default: SKIFF_TLS_HANDSHAKE_TIMEOUT_MS, else DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS. */
  tlsHandshakeTimeoutMs?: number;
}

function handshakeTimeoutMs(opts: HttpServerOptions): number {
  if (opts.tlsHandshakeTimeoutMs !== undefined) return opts.tlsHandshakeTimeoutMs;
  const env = Number(process.env['SKIFF_TLS_HANDSHAKE_TIMEOUT_MS']);
  return Number.isInteger(env) && env > 0 ? env : DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
}

type AnyRequest = IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = ServerResponse | http2.Http2ServerResponse;

/**
 * The identity in a verified client certificate: CN is the user, each O a group, and the
 * certificate's SHA-256 as the credential id kube-apiserver records in the user's extra.
 */
// A connection's certificate identity, worked out once: HTTP/2 carries many requests on one.
const identities = new WeakMap<
  object,
  { user: UserInfo | undefined; error: ReturnType<typeof certificateError> }
>();

function connectionIdentity(
  req: AnyRequest,
  socket: TLSSocket | undefined,
): { user: UserInfo | undefined; error: ReturnType<typeof certificateError> } {
  const key = (req as http2.Http2ServerRequest).stream?.session ?? socket;
  const hit = key ? identities.get(key) : undefined;
  if (hit) return hit;
  const user = certificateUser(socket);
  const found = { user, error: user ? undefined : certificateError(socket) };
  if (key) identities.set(key, found);
  return found;
}

export function certificateUser(socket: TLSSocket | undefined): UserInfo | undefined {
  if (!socket || typeof socket.getPeerCertificate !== 'function' || !socket.authorized)
    return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return undefined;
  const cn = cert.subject.CN;
  const o = cert.subject.O as string | string[] | undefined;
  const name = Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
  if (!name) return undefined;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  if (!cert.raw) return { name, groups };
  const id = `X509SHA256=${createHash('sha256').update(cert.raw).digest('hex')}`;
  return { name, groups, extra: { 'authentication.kubernetes.io/credential-id': [id] } };
}

/** Why a client certificate that was presented did not verify; undefined if none or valid. */
export function certificateError(socket: TLSSocket | undefined): string | undefined {
  if (!socket || typeof socket.getPeerCertificate !== 'function' || socket.authorized)
    return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  return String(socket.authorizationError ?? 'certificate verification failed');
}

/** How long a connection closed on an unread body still drains what arrives (Go's 500 ms). */
const CLOSE_LINGER_MS = 500;

/**
 * Closes an HTTP/1.1 connection whose request body is left unread as Go's server does: the
 * response goes out, then FIN, then whatever still arrives is discarded for a moment before
 * the socket is destroyed — closing at once with unread data would reset the connection and
 * the client could lose the response.
 */
function lingerOnClose(socket: Duplex & { destroySoon?: () => void }): void {
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), CLOSE_LINGER_MS).unref();
  };
}

const GO_STATUS_TEXT: Record<number, string> = { 413: 'Request Entity Too Large' };

/** Thrown when a body is over the limit: the rest of it is never read. */
class BodyTooLarge extends Error {}

function readBody(req: AnyRequest): Promise<Buffer> {
  // A declared length over the limit is refused before a byte of the body is read.
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES)
    return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

async function write(
  res: AnyResponse,
  out: ApiResponse,
  head: boolean,
  closeAfter: boolean,
): Promise<void> {
  const r = res as ServerResponse;
  r.statusCode = out.status;
  // HTTP/1.1 reason phrases as Go (kube-apiserver) writes them where Node's differ.
  const reason = GO_STATUS_TEXT[out.status];
  if (reason && (res as ServerResponse).req?.httpVersionMajor === 1) r.statusMessage = reason;
  // HTTP/1.1 then ends the connection once the response is out, instead of reading on.
  if (closeAfter) r.setHeader('connection', 'close');
  for (const [k, v] of Object.entries(out.headers)) r.setHeader(k, v);
  if (out.stream) {
    r.flushHeaders();
    try {
      for await (const chunk of out.stream) {
        if (r.destroyed || r.writableEnded) break;
        r.write(chunk);
      }
    } finally {
      if (!r.writableEnded) r.end();
    }
    return;
  }
  if (head) r.end();
  else r.end(out.body ?? '');
}

export function createHttpServer(opts: HttpServerOptions): http2.Http2SecureServer {
  const server = http2.createSecureServer({
    allowHTTP1: true,
    cert: opts.tls.cert,
    key: opts.tls.key,
    ca: opts.tls.ca,
    requestCert: true,
    rejectUnauthorized: false,
    handshakeTimeout: handshakeTimeoutMs(opts),
    settings: { maxConcurrentStreams: 1000, maxHeaderListSize: HTTP2_MAX_HEADER_LIST_SIZE },
  });
  // HTTP/1.1 connections are parsed by node:http, which reads the limit from the server
  // object (Node's own default is 16 KiB): kube-apiserver's 1 MiB, so that long proxy paths
  // and large headers pass as they do there.
  (server as unknown as { maxHeaderSize: number }).maxHeaderSize = HTTP1_MAX_HEADER_SIZE;
  // Answers are written in pieces (head, then body chunks as a proxied backend sends them):
  // with Nagle's algorithm each small piece after the first waits for the client's delayed
  // ACK, 40 ms a request on HTTP/1.1.
  server.on('secureConnection', (socket: TLSSocket) => socket.setNoDelay(true));
  const onRequest = async (req: AnyRequest, res: AnyResponse): Promise<void> => {
    const ac = new AbortController();
    const abort = (): void => ac.abort();
    res.on('close', abort);
    const socket = (req.socket ?? undefined) as TLSSocket | undefined;
    let out: ApiResponse;
    let unreadBody = false;
    try {
      const path = rawPathOf(req.url ?? '/');
      // Proxied bodies are streamed to the backend, whatever their size (as kube does).
      const streamed = isProxyPath(path);
      const body = streamed ? Buffer.alloc(0) : await readBody(req);
      const host = String(req.headers[':authority'] ?? req.headers.host ?? 'localhost');
      const url = new URL(req.url ?? '/', `https://${host}`);
      const { user: certUser, error: certError } = connectionIdentity(req, socket);
      out = await opts.handler({
        method: req.method ?? 'GET',
        url,
        path,
        headers: req.headers,
        body,
        ...(streamed ? { bodyStream: req } : {}),
        credentials: credentialsOf(req.headers.authorization, certUser, certError),
        signal: ac.signal,
        ...(socket?.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
      });
    } catch (e) {
      unreadBody = e instanceof BodyTooLarge;
      out = errorResponse(unreadBody ? tooLarge() : e);
    }
    const closeAfter = unreadBody && req.httpVersionMajor === 1;
    if (closeAfter && socket) lingerOnClose(socket);
    try {
      await write(res, out, req.method === 'HEAD', closeAfter);
    } catch {
      // The client went away mid-stream.
    } finally {
      res.off('close', abort);
    }
  };
  server.on('request', (req, res) => void onRequest(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!opts.onUpgrade) {
      const refused = errorResponse(badRequest('upgrade requests are not supported yet'));
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\r\n${String(refused.body)}`,
      );
      return;
    }
    opts.onUpgrade(req, socket, head, certificateUser(socket as TLSSocket));
  });
  // What Go's server writes before it hangs up on a request it cannot read.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Only on a connection nothing was written to yet: an answer must not land in the middle
    // of another (node:http's own rule).
    const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
    if (!socket.writable || written > 0 || !err.code?.startsWith('HPE_')) {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request';
    // As Go: the answer, FIN, then what the client is still sending is read and dropped for
    // a moment, so that closing does not reset the connection before the answer is read.
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`,
    );
    socket.resume();
    setTimeout(() => socket.destroy(), CLOSE_LINGER_MS).unref();
  });
  server.on('sessionError', () => {});
  server.on('tlsClientError', () => {});
  return server;
}
