// HTTP semantics of the OpenAPI endpoints, as kube-openapi's handlers implement them: content
// negotiation for v2, hash URLs for v3 (a stale hash redirects, a current one is cacheable for
// a year), entity tags and 304. Pure: the API server copies the result onto its response.

import type { OpenApiHandler } from './handler.js';

export const V2_PROTOBUF_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface OpenApiRequest {
  /** URL path without the query, e.g. `/openapi/v3/apis/apps/v1`. */
  path: string;
  /** The `hash` query parameter, if any. */
  hash?: string | null;
  accept?: string | undefined;
  ifNoneMatch?: string | undefined;
  /** Request time, for `Expires`. */
  now?: Date;
}

export interface OpenApiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Answer an OpenAPI request, or `undefined` when `path` is not an OpenAPI path. */
export function serveOpenApi(
  handler: OpenApiHandler,
  req: OpenApiRequest,
): OpenApiResponse | undefined {
  const path = req.path.replace(/\/+$/, '');
  const accepted = mediaTypes(req.accept);
  if (path === '/openapi/v2') {
    const form = negotiate(accepted, [
      ['application/json', 'json'],
      ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'pb'],
      [V2_PROTOBUF_TYPE, 'pb'],
    ]);
    if (!form) return notAcceptable();
    const etag = handler.v2Etag();
    const headers = {
      'Content-Type': form === 'pb' ? V2_PROTOBUF_TYPE : 'application/json',
      ETag: quote(etag),
      Vary: 'Accept',
    };
    if (matches(req.ifNoneMatch, etag)) return { status: 304, headers, body: Buffer.alloc(0) };
    return { status: 200, headers, body: form === 'pb' ? handler.v2Protobuf() : handler.v2Json() };
  }
  if (path === '/openapi/v3') {
    const body = Buffer.from(JSON.stringify(handler.v3Index()));
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body };
  }
  if (!path.startsWith('/openapi/v3/')) return undefined;
  const key = path.slice('/openapi/v3/'.length);
  const doc = handler.v3Document(key);
  if (!doc) return undefined;
  if (!negotiate(accepted, [['application/json', 'json']])) return notAcceptable();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ETag: quote(doc.etag),
    Vary: 'Accept',
  };
  if (req.hash) {
    if (req.hash !== doc.etag) {
      const location = `/openapi/v3/${key}?hash=${doc.etag}`;
      return {
        status: 301,
        headers: { Location: location, 'Content-Type': 'text/plain' },
        body: Buffer.alloc(0),
      };
    }
    const expires = new Date((req.now ?? new Date()).getTime());
    expires.setUTCFullYear(expires.getUTCFullYear() + 1);
    headers['Cache-Control'] = 'public, immutable';
    headers.Expires = expires.toUTCString();
  }
  if (matches(req.ifNoneMatch, doc.etag)) return { status: 304, headers, body: Buffer.alloc(0) };
  return { status: 200, headers, body: doc.body };
}

function notAcceptable(): OpenApiResponse {
  return { status: 406, headers: { 'Content-Type': 'text/plain' }, body: Buffer.alloc(0) };
}

/** Media types of an Accept header in order, parameters dropped; none means anything. */
function mediaTypes(accept: string | undefined): string[] {
  if (!accept?.trim()) return ['*/*'];
  return accept
    .split(',')
    .map((part) => (part.split(';')[0] ?? '').trim().toLowerCase())
    .filter(Boolean);
}

/** The first offer any accepted type matches, in the client's order. */
function negotiate<T>(accepted: string[], offers: [string, T][]): T | undefined {
  for (const type of accepted) {
    const [main, sub] = type.split('/');
    for (const [offer, value] of offers) {
      const [offerMain, offerSub] = offer.split('/');
      if ((main === '*' || main === offerMain) && (sub === '*' || sub === offerSub)) return value;
    }
  }
  return undefined;
}

function quote(etag: string): string {
  return `"${etag}"`;
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === quote(etag);
  });
}
