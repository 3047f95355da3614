// Answers written straight onto an upgrade request's socket: the 101 that hands the
// connection over, or an ordinary HTTP error (any non-101 makes kubectl fall back from
// WebSocket to SPDY, or print the error).

import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

type Headers = Record<string, string | string[]>;

/**
 * An error as the kubelet reports it: a plain-text body (exactly `message`), which kubectl
 * prints as `unable to upgrade connection: <text>`.
 */
export class PlainHttpError extends Error {
  readonly status: number;
  readonly headers: Headers;
  constructor(status: number, message: string, headers: Headers = {}) {
    super(message);
    this.name = 'PlainHttpError';
    this.status = status;
    this.headers = headers;
  }
}

function head(status: number, headers: Headers): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of Object.entries(headers))
    for (const one of Array.isArray(v) ? v : [v]) out += `${k}: ${one}\r\n`;
  return out + '\r\n';
}

export function writeSwitchingProtocols(socket: Duplex, headers: Record<string, string>): void {
  socket.write(head(101, { Connection: 'Upgrade', ...headers }));
}

/** Writes the error as an HTTP response and closes the socket. */
export function writeHttpError(socket: Duplex, e: unknown): void {
  const err =
    e instanceof PlainHttpError
      ? e
      : new PlainHttpError(500, e instanceof Error ? e.message : String(e));
  const bytes = Buffer.from(err.message);
  if (socket.destroyed) return;
  socket.end(
    Buffer.concat([
      Buffer.from(
        head(err.status, {
          ...(bytes.length ? { 'Content-Type': 'text/plain; charset=utf-8' } : {}),
          ...err.headers,
          'Content-Length': String(bytes.length),
          Connection: 'close',
        }),
      ),
      bytes,
    ]),
  );
  setTimeout(() => socket.destroy(), 2_000).unref();
}
