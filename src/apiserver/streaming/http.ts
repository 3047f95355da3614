// Answers written straight onto an upgrade request's socket: the 101 that hands the
// connection over, or an ordinary HTTP error (any non-101 makes kubectl fall back from
// WebSocket to SPDY, or print the error).

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, internalError } from '../../api/errors.js';

/**
 * An error the kubelet (not the API server) reports: a plain-text body, which kubectl prints
 * as `unable to upgrade connection: <text>`.
 */
export class PlainHttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'PlainHttpError';
    this.status = status;
    this.headers = headers;
  }
}

function head(status: number, headers: Record<string, string>): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return out + '\r\n';
}

export function writeSwitchingProtocols(socket: Duplex, headers: Record<string, string>): void {
  socket.write(head(101, { Connection: 'Upgrade', ...headers }));
}

/** Writes the error as an HTTP response and closes the socket. */
export function writeHttpError(socket: Duplex, e: unknown): void {
  let status: number;
  let body: string;
  let headers: Record<string, string>;
  if (e instanceof PlainHttpError) {
    status = e.status;
    body = e.message + '\n';
    headers = { 'Content-Type': 'text/plain; charset=utf-8', ...e.headers };
  } else {
    const err = e instanceof ApiError ? e : internalError(e);
    status = err.code;
    body = JSON.stringify(err.toStatus());
    headers = { 'Content-Type': 'application/json' };
  }
  const bytes = Buffer.from(body);
  if (socket.destroyed) return;
  socket.end(
    Buffer.concat([
      Buffer.from(
        head(status, {
          ...headers,
          'Cache-Control': 'no-cache, private',
          'Content-Length': String(bytes.length),
          Connection: 'close',
        }),
      ),
      bytes,
    ]),
  );
  setTimeout(() => socket.destroy(), 2_000).unref();
}
