// Which request and response headers cross the proxy, as Go's httputil.ReverseProxy and
// kube-apiserver's filters decide: hop-by-hop headers (and every header the Connection header
// names) stay on their own hop; the client's credentials for the API server never reach the
// backend (the authentication filter deletes Authorization, impersonation its headers).

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { connectionTokens, HOP_BY_HOP_HEADERS as HOP_BY_HOP } from '../../streams/index.js';

export { connectionTokens };

/** Response headers kube's proxy drops so a backend cannot widen the API server's CORS. */
const CORS = new Set([
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-allow-origin',
]);

const values = (v: string | string[] | number | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [String(v)];

/** API-server credentials and identity switches: never forwarded. */
export function isApiServerCredential(name: string): boolean {
  return name === 'authorization' || name.startsWith('impersonate-');
}

/**
 * The headers a plain (non-upgrade) request carries to the backend: the client's, minus
 * hop-by-hop ones, API-server credentials, HTTP/2 pseudo-headers and the body framing (the
 * proxy frames the body itself).
 */
export function backendRequestHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(h);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    const name = k.toLowerCase();
    if (v === undefined || name.startsWith(':')) continue;
    if (HOP_BY_HOP.has(name) || named.has(name) || isApiServerCredential(name)) continue;
    if (name === 'content-length' || name === 'host') continue;
    out[name] = v;
  }
  // Go keeps "TE: trailers" for gRPC-style backends.
  if (values(h.te).some((v) => v.split(',').some((t) => t.trim().toLowerCase() === 'trailers')))
    out['te'] = 'trailers';
  return out;
}

/** The backend's response headers the client gets (multi-valued ones joined, but cookies). */
export function clientResponseHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionTokens(h);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    const name = k.toLowerCase();
    if (v === undefined || HOP_BY_HOP.has(name) || named.has(name) || CORS.has(name)) continue;
    // Set-Cookie cannot be folded into one line: each goes on as sent.
    out[name] = Array.isArray(v) ? (name === 'set-cookie' ? [...v] : v.join(', ')) : v;
  }
  return out;
}
