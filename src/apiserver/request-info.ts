// Turns a request path into what the rest of the chain reasons about, as
// k8s.io/apiserver's RequestInfoFactory does.

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

export function requestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
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
  const parts = path.split('/').filter((p, i, a) => p !== '' || i === a.length - 1);
  if (parts[parts.length - 1] === '') parts.pop();
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
      if (path.endsWith('/') && rest.length > 3) info.proxyPath += '/';
      else if (path.endsWith('/')) info.proxyPath = '/';
    }
  }
  // A namespace object is cluster-scoped.
  if (info.resource === 'namespaces') info.namespace = '';
  const watchParam = url.searchParams.get('watch');
  if (!info.name && info.verb === 'get') {
    info.verb = watchParam === 'true' || watchParam === '1' ? 'watch' : 'list';
  }
  if (info.verb === 'delete' && !info.name) info.verb = 'deletecollection';
  return info;
}
