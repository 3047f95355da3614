// Which headers belong to one hop of an HTTP proxy (RFC 9110 §7.6.1): the fixed list Go's
// httputil.ReverseProxy uses, and whatever the message's own Connection header names. The API
// server's proxy verbs and the dashboard's pass-through to the API server both drop them.

import type { IncomingHttpHeaders } from 'node:http';

/** RFC 7230 hop-by-hop headers, as Go's reverse proxy lists them (lower case). */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The header names listed in Connection (lower case, every Connection line). */
export function connectionTokens(h: IncomingHttpHeaders): Set<string> {
  const v = h.connection as string | string[] | undefined;
  const lines = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return new Set(
    lines
      .flatMap((l) => l.split(','))
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
}
