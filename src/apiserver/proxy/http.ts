// An API error written straight onto an upgrade request's socket as an ordinary HTTP answer
// (a Status JSON), for requests refused before they reach a backend.

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, internalError } from '../../api/errors.js';

/** Writes the error as an HTTP response and closes the socket. */
export function writeHttpError(socket: Duplex, e: unknown): void {
  const err = e instanceof ApiError ? e : internalError(e);
  const body = Buffer.from(JSON.stringify(err.toStatus()));
  if (socket.destroyed) return;
  const head =
    `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? 'Unknown'}\r\n` +
    'Content-Type: application/json\r\n' +
    'Cache-Control: no-cache, private\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  socket.end(Buffer.concat([Buffer.from(head), body]));
  setTimeout(() => socket.destroy(), 2_000).unref();
}
