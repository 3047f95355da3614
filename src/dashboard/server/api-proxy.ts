// `/k8s/<path>` → the API server's `<path>`, on the user's own credentials: the bearer token
// the page sends in X-Dashboard-Token (the API server's own proxy removes Authorization on
// the way in), or for a WebSocket in a subprotocol `dashboard.token.<base64url>`, which is
// taken out of the list before the rest goes on. Nothing is buffered: watches and followed
// logs stream, upgrades become a byte tunnel. Requests go over HTTP/2 sessions shared by all
// (h2-pool.ts), upgrades over a connection each. The dashboard's own identity is never used.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { constants, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import { request, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { ApiError, type StatusReason } from '../../api/errors.js';
import { connectionTokens, HOP_BY_HOP_HEADERS } from '../../streams/index.js';
import type { Logger } from '../../log/index.js';
import { createH2Pool } from './h2-pool.js';

export const API_PREFIX = '/k8s';
export const TOKEN_HEADER = 'x-dashboard-token';
export const TOKEN_PROTOCOL_PREFIX = 'dashboard.token.';

export interface ApiUpstream {
  /** The API server, e.g. https://127.0.0.1:6443 */
  url: URL;
  caPem: string;
}

/** Hop-by-hop headers, and HTTP/2's upgrade settings (which belong to one connection too). */
const HOP_BY_HOP = new Set([...HOP_BY_HOP_HEADERS, 'http2-settings']);

/** Credentials other than the token, and where the browser came from: kept back. */
const NOT_PASSED = new Set(['host', 'authorization', 'cookie', TOKEN_HEADER]);

/** A Status as the API server writes it (src/api's one translation to the wire). */
const statusBody = (code: number, reason: StatusReason, message: string): string =>
  JSON.stringify(new ApiError(code, reason, message).toStatus());

const UNAUTHORIZED = statusBody(401, 'Unauthorized', 'Unauthorized');

/** The headers to send on: hop-by-hop ones, those `Connection` names, credentials removed. */
function forwardHeaders(
  h: IncomingHttpHeaders,
  keepUpgrade: boolean,
): Record<string, string | string[]> {
  const named = connectionTokens(h);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    if (k.startsWith(':')) continue; // HTTP/2 pseudo-headers
    if (NOT_PASSED.has(k) || k.startsWith('impersonate-')) continue;
    // An upgrade keeps what asks for it (Connection: Upgrade, Upgrade: websocket).
    const upgradeAsk = keepUpgrade && (k === 'connection' || k === 'upgrade');
    if (!upgradeAsk && (HOP_BY_HOP.has(k) || (!keepUpgrade && named.has(k)))) continue;
    out[k] = v;
  }
  return out;
}

/** Response headers that do not cross (hop-by-hop, and HTTP/2's forbidden ones). */
function responseHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionTokens(h);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** The token of a WebSocket request, and the subprotocols left once it is taken out. */
export function splitProtocols(header: string | undefined): {
  token: string | undefined;
  protocols: string[];
} {
  let token: string | undefined;
  const protocols: string[] = [];
  for (const p of (header ?? '').split(',').map((s) => s.trim())) {
    if (!p) continue;
    if (p.startsWith(TOKEN_PROTOCOL_PREFIX)) {
      const decoded = Buffer.from(p.slice(TOKEN_PROTOCOL_PREFIX.length), 'base64url').toString(
        'utf8',
      );
      if (decoded) token = decoded;
    } else protocols.push(p);
  }
  return { token, protocols };
}

/** A bearer token fit for a header: printable ASCII, no spaces. */
const validToken = (t: string | undefined): t is string =>
  t !== undefined && t.length > 0 && t.length <= 16_384 && /^[\x21-\x7e]+$/.test(t);

export interface ApiProxy {
  /** Handles a request whose path starts with `/k8s/`. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Handles an upgrade request whose path starts with `/k8s/`. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): void;
  close(): void;
}

export function createApiProxy(upstream: ApiUpstream, logger: Logger): ApiProxy {
  const pool = createH2Pool(upstream.url, upstream.caPem);
  const target = (path: string, headers: Record<string, string | string[]>): RequestOptions => ({
    protocol: 'https:',
    hostname: upstream.url.hostname,
    port: upstream.url.port || 443,
    path,
    headers,
    ca: upstream.caPem,
  });
  // kube has no reason for a 502: none is given (StatusReasonUnknown).
  const unreachable = (err: Error): string => {
    // A stream canceled because its session could not connect says why in its cause.
    const why = (err as Error & { cause?: Error }).cause?.message ?? err.message;
    return statusBody(502, '', `the API server cannot be reached: ${why}`);
  };

  return {
    handle(req, res, path) {
      const token = req.headers[TOKEN_HEADER];
      if (typeof token !== 'string' || !validToken(token)) {
        res.writeHead(401, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(UNAUTHORIZED);
        req.resume();
        return;
      }
      const headers: OutgoingHttpHeaders = forwardHeaders(req.headers, false);
      // HTTP/2 has no 100-continue; Node has already told the browser to go on.
      delete headers['expect'];
      headers['authorization'] = `Bearer ${token}`;
      headers[':method'] = req.method ?? 'GET';
      headers[':path'] = path;
      const hasBody =
        req.headers['transfer-encoding'] !== undefined ||
        Number(req.headers['content-length'] ?? 0) > 0;
      let up: ClientHttp2Stream;
      try {
        up = pool.request(headers, !hasBody);
      } catch (e) {
        // A target or header HTTP/2 cannot carry (Node parsed them, so this is rare).
        res.writeHead(400, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(statusBody(400, 'BadRequest', (e as Error).message));
        req.resume();
        return;
      }
      up.on('response', (h) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(h))
          if (!k.startsWith(':') && v !== undefined) out[k] = v as string | string[];
        res.writeHead(Number(h[':status'] ?? 502), responseHeaders(out));
        // Headers go at once, so a watch that has nothing to say yet is seen as open.
        res.flushHeaders();
        up.pipe(res);
      });
      up.on('error', (err) => {
        logger.debug('API request failed', { path, error: err.message });
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(502, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(unreachable(err));
      });
      up.on('close', () => {
        if (res.headersSent || res.writableEnded) return;
        res.writeHead(502, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(unreachable(new Error(`the stream was closed (code ${up.rstCode})`)));
      });
      // The browser went away (a closed watch): so does the stream upstream.
      res.on('close', () => {
        if (!res.writableFinished && !up.closed) up.close(constants.NGHTTP2_CANCEL);
      });
      if (hasBody) req.pipe(up);
      else req.resume();
    },

    upgrade(req, socket, head, path) {
      const { token, protocols } = splitProtocols(req.headers['sec-websocket-protocol']);
      const refuse = (code: number, text: string, body: string): void => {
        socket.end(
          `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      };
      if (!validToken(token)) {
        refuse(401, 'Unauthorized', UNAUTHORIZED);
        return;
      }
      const headers = forwardHeaders(req.headers, true);
      headers['authorization'] = `Bearer ${token}`;
      if (protocols.length) headers['sec-websocket-protocol'] = protocols.join(', ');
      else delete headers['sec-websocket-protocol'];
      // A connection of its own: after the 101 it is a tunnel, never reused.
      let up: ReturnType<typeof request>;
      try {
        up = request({ ...target(path, headers), method: req.method ?? 'GET', agent: false });
      } catch (e) {
        refuse(400, 'Bad Request', statusBody(400, 'BadRequest', (e as Error).message));
        return;
      }
      socket.on('error', () => up.destroy());
      up.on('upgrade', (upRes, upSocket, upHead) => {
        const lines = [`HTTP/1.1 101 ${upRes.statusMessage ?? 'Switching Protocols'}`];
        for (let i = 0; i < upRes.rawHeaders.length; i += 2)
          lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
        socket.write(lines.join('\r\n') + '\r\n\r\n');
        if (upHead.length) socket.write(upHead);
        if (head.length) upSocket.write(head);
        upSocket.pipe(socket);
        socket.pipe(upSocket);
        upSocket.on('error', () => socket.destroy());
        socket.on('error', () => upSocket.destroy());
        upSocket.on('close', () => socket.destroy());
        socket.on('close', () => upSocket.destroy());
      });
      up.on('response', (upRes) => {
        // Refused (no upgrade): the API server's answer as it wrote it, then close.
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          const lines = [`HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}`];
          for (const [k, v] of Object.entries(responseHeaders(upRes.headers))) {
            if (k === 'content-length') continue;
            for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
          }
          lines.push(`Content-Length: ${body.length}`, 'Connection: close');
          socket.write(lines.join('\r\n') + '\r\n\r\n');
          socket.end(body);
        });
      });
      up.on('error', (err) => {
        logger.debug('API upgrade failed', { path, error: err.message });
        if (socket.writable) refuse(502, 'Bad Gateway', unreachable(err));
      });
      up.end();
    },

    close() {
      pool.close();
    },
  };
}
