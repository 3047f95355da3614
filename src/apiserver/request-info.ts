// Turns a request path into what the rest of the chain reasons about, as
// k8s.io/apiserver's RequestInfoFactory does.

import { boolParam } from './query-params.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after `proxy` for proxy subresources (e.g. `/foo/bar`). */
  proxyPath: string;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * The request's path split as sent: no dot segment is resolved and an escaped `/` stays inside
 * its segment, so `configmaps/..` names an object called `..` (refused later) instead of the
 * namespace above it. Each segment is then percent-decoded; one that cannot be is kept as sent
 * (its `%` makes it an invalid name).
 */
export function pathSegments(rawPath: string): string[] {
  return rawPath.split('/').map(decodeSegment);
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The target's path as sent, before any normalisation (`url.pathname` resolves dot segments). */
export function rawPathOf(target: string): string {
  const end = target.search(/[?#]/);
  const path = end < 0 ? target : target.slice(0, end);
  // An absolute-form target (`GET https://host/api`) carries its path after the authority.
  const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  return abs ? path.slice(abs[0].length) || '/' : path;
}

/**
 * Why a name or namespace from the path cannot be one (kube's IsValidPathSegmentName): empty
 * when it is fine.
 */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  if (name.includes('/')) out.push(`may not contain '/'`);
  if (name.includes('%')) out.push(`may not contain '%'`);
  return out;
}

/**
 * @param rawPath the path exactly as the client sent it; `url.pathname` (already normalised)
 *   when absent, as for in-process callers.
 */
export function requestInfo(method: string, url: URL, rawPath = url.pathname): RequestInfo {
  const segments = pathSegments(rawPath);
  // What authorization sees: decoded, never normalised.
  const path = segments.join('/');
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: (method || 'GET').toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    proxyPath: '',
  };
  // Trailing slashes are dropped (kube routes `configmaps/` as the collection); a second
  // leading slash or an inner empty segment makes no resource path.
  let last = segments.length;
  while (last > 1 && segments[last - 1] === '') last--;
  const parts = segments.slice(segments[0] === '' ? 1 : 0, last);
  const endsWithSlash = rawPath.endsWith('/');
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let rest = parts.slice(1);
  if (prefix === 'apis') {
    if (rest.length < 2) return info; // /apis or /apis/group: discovery
    info.group = rest[0] ?? '';
    rest = rest.slice(1);
  }
  if (rest.length < 2) {
    if (rest.length === 1) info.version = rest[0] ?? '';
    return info; // /api, /api/v1, /apis/g/v
  }
  // `/api/v1/namespaces//configmaps` is no resource path: no segment before a proxy path may
  // be empty (else the namespace or name would silently be "").
  const proxyAt = rest.indexOf('proxy');
  const routed = proxyAt >= 0 ? rest.slice(0, proxyAt) : rest;
  if (routed.includes('') || (prefix === 'apis' && info.group === '')) {
    info.group = '';
    return info;
  }
  info.version = rest[0] ?? '';
  rest = rest.slice(1);
  info.isResourceRequest = true;
  info.verb = VERBS[method] ?? method.toLowerCase();
  // Deprecated /watch/ prefix.
  if (rest[0] === 'watch') {
    rest = rest.slice(1);
    info.verb = 'watch';
  }
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1] ?? '';
    // `/namespaces/{ns}/{resource}…`, unless the next step is a namespace subresource.
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2);
  }
  if (rest.length > 0) {
    info.resource = rest[0] ?? '';
    if (rest.length >= 2) info.name = rest[1] ?? '';
    if (rest.length >= 3) info.subresource = rest[2] ?? '';
    if (info.subresource === 'proxy') {
      info.proxyPath = rest.length > 3 ? '/' + rest.slice(3).join('/') : '';
      if (endsWithSlash && rest.length > 3) info.proxyPath += '/';
      else if (endsWithSlash) info.proxyPath = '/';
    }
  }
  // A namespace object is cluster-scoped.
  if (info.resource === 'namespaces') info.namespace = '';
  if (!info.name && info.verb === 'get')
    info.verb = boolParam(url.searchParams, 'watch') ? 'watch' : 'list';
  if (info.verb === 'delete' && !info.name) info.verb = 'deletecollection';
  return info;
}

/**
 * Whether a request path names a proxy subresource (pods, services or nodes): its body is
 * streamed to the backend rather than read first.
 */
export function isProxyPath(rawPath: string): boolean {
  return /^\/api\/v1\/(?:namespaces\/[^/]+\/(?:pods|services)|nodes)\/[^/]+\/proxy(?:\/|$)/.test(
    rawPath,
  );
}
