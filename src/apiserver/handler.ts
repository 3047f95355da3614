// Plain API requests through the request chain (chain.ts): request info → authentication →
// impersonation → authorization → resolution → admission → handler.
// Transport-free: takes an ApiRequest and returns an ApiResponse.

import {
  badRequest,
  internalError,
  methodNotAllowed,
  methodNotSupported,
  notFoundGeneric,
  tooLarge,
} from '../api/errors.js';
import type { ResourceDef } from '../api/types.js';
import type { AuthenticatorChain } from './auth/authn.js';
import type { UserInfo } from './auth/types.js';
import { impersonate } from './auth/impersonation.js';
import type { Admission } from './auth/node/restriction.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroupFor,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery.js';
import { checkDryRun, type ServerParts, type ResourceRequest } from './handlers/context.js';
import { getObject, listObjects, watchObjects } from './handlers/read.js';
import {
  createObject,
  deleteCollection,
  deleteObject,
  patchObject,
  updateObject,
} from './handlers/write.js';
import { bind, scale } from './handlers/subresources.js';
import { evict } from './handlers/eviction.js';
import { review } from './handlers/reviews.js';
import { runChain, type ApiHandler, type Chain } from './chain.js';
import { MAX_BODY_BYTES } from './limits.js';
import type { ApiServerMetrics } from './metrics/index.js';
import { pathSegmentNameErrors, requestInfo, type RequestInfo } from './request-info.js';
import { errorResponse, json } from './respond.js';
import type { ApiRequest, ApiResponse, RequestContext, VersionInfo } from './types.js';

/** Answers /openapi/v2 and /openapi/v3/… (undefined when the path is not one of them). */
export type OpenApiSource = (req: {
  path: string;
  hash: string | null;
  accept: string;
  ifNoneMatch: string | undefined;
  now: Date;
}) => { status: number; headers: Record<string, string>; body: Buffer } | undefined;

/** A handler for subresources served by other components (log, exec, proxy…). */
export type SubresourceHandler = (r: ResourceRequest) => Promise<ApiResponse>;

export interface HandlerOptions extends ServerParts {
  authn: AuthenticatorChain;
  version: VersionInfo;
  /** host:port clients should use, for /api's serverAddressByClientCIDRs. */
  serverAddress: string;
  openapi?: OpenApiSource;
  /** Extra subresource handlers keyed by `resource/subresource` (e.g. `pods/log`). */
  subresources?: Map<string, SubresourceHandler>;
  /** Readiness (e.g. storage open and bootstrap done). */
  ready?: () => boolean;
  clock: { now(): Date };
  /** Counts admitted requests and serves /metrics. */
  metrics?: ApiServerMetrics;
  /** Resources served by other components (metrics.k8s.io), keyed by `group/plural`. */
  resourceHandlers?: Map<string, SubresourceHandler>;
  /** Admission plugins that need the requester (NodeRestriction), before the handler. */
  admit?: Admission;
}

/**
 * Refuses a name or namespace from the path that could not be a storage key segment (`.`,
 * `..`, or containing `/` or `%`), with kube-apiserver's message for names.
 */
function checkPathNames(info: RequestInfo): void {
  const nameErrors = pathSegmentNameErrors(info.name);
  if (info.name && nameErrors.length)
    throw badRequest(
      `Name parameter invalid: ${JSON.stringify(info.name)}: ${nameErrors.join(';')}`,
    );
  const nsErrors = pathSegmentNameErrors(info.namespace);
  if (info.namespace && nsErrors.length)
    throw badRequest(
      `Namespace parameter invalid: ${JSON.stringify(info.namespace)}: ${nsErrors.join(';')}`,
    );
}

export type { ApiHandler } from './chain.js';

/** One plain request as it passes the chain; each stage fills in what the next needs. */
class PlainRequest {
  /** Set by the requestInfo stage. */
  info!: RequestInfo;
  /** Set by the authentication stage; impersonation then sets `ctx.user`. */
  requester!: UserInfo;
  /** The resource a resource request names, found at the resolution stage. */
  def: ResourceDef | undefined;
  /** Set by the handler stage. */
  res: ApiResponse | undefined;
  readonly req: ApiRequest;
  readonly ctx: RequestContext;
  constructor(req: ApiRequest, ctx: RequestContext) {
    this.req = req;
    this.ctx = ctx;
  }
  response(): ApiResponse {
    if (!this.res) throw internalError(new Error('the request chain ended without a response'));
    return this.res;
  }
}

export function createApiHandler(opts: HandlerOptions): ApiHandler {
  const { table } = opts;
  const text = (status: number, body: string): ApiResponse => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body,
  });

  function nonResource(req: ApiRequest, path: string): ApiResponse {
    const accept = String(req.headers.accept ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw notFoundGeneric();
    // Written raw and indented, without the encoder's newline (kube's WriteRawJSON).
    if (path === '/version' || path === '/version/')
      return { ...json(200, opts.version), body: JSON.stringify(opts.version, null, 2) };
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) {
      const ok = path.startsWith('/readyz') ? (opts.ready?.() ?? true) : true;
      if (req.url.searchParams.has('verbose')) {
        const name = path.slice(1).split('/')[0];
        return text(
          ok ? 200 : 500,
          `[+]ping ok\n[+]etcd ok\n${ok ? '' : '[-]bootstrap failed\n'}${name} check ${ok ? 'passed' : 'failed'}\n`,
        );
      }
      return text(ok ? 200 : 500, ok ? 'ok' : 'not ready');
    }
    if (path === '/api' || path === '/api/') {
      const agg = wantsAggregated(accept);
      if (agg) return json(200, aggregatedDiscovery(table, true, agg), aggregatedContentType(agg));
      return json(200, apiVersions(opts.serverAddress));
    }
    if (path === '/apis' || path === '/apis/') {
      const agg = wantsAggregated(accept);
      if (agg) return json(200, aggregatedDiscovery(table, false, agg), aggregatedContentType(agg));
      return json(200, apiGroupList(table));
    }
    const core = /^\/api\/([^/]+)\/?$/.exec(path);
    if (core) {
      const l = apiResourceList(table, '', core[1] ?? '');
      if (l) return json(200, l);
      throw notFoundGeneric();
    }
    const grp = /^\/apis\/([^/]+)\/?$/.exec(path);
    if (grp) {
      const g = apiGroupFor(table, grp[1] ?? '');
      if (g) return json(200, g);
      throw notFoundGeneric();
    }
    const gv = /^\/apis\/([^/]+)\/([^/]+)\/?$/.exec(path);
    if (gv) {
      const l = apiResourceList(table, gv[1] ?? '', gv[2] ?? '');
      if (l) return json(200, l);
      throw notFoundGeneric();
    }
    if (opts.openapi && (path.startsWith('/openapi/') || path === '/swagger-2.0.0.pb-v1')) {
      const out = opts.openapi({
        path: path === '/swagger-2.0.0.pb-v1' ? '/openapi/v2' : path,
        hash: req.url.searchParams.get('hash'),
        accept,
        ifNoneMatch:
          typeof req.headers['if-none-match'] === 'string'
            ? req.headers['if-none-match']
            : undefined,
        now: opts.clock.now(),
      });
      if (out) return out;
    }
    throw notFoundGeneric();
  }

  async function resource(r: ResourceRequest): Promise<ApiResponse> {
    const { info, def } = r;
    // The TLS front stops reading past the limit; in-process clients are held to it here.
    if (r.ctx.req.body.length > MAX_BODY_BYTES) throw tooLarge();
    checkDryRun(r.query, info.verb);
    const served = opts.resourceHandlers?.get(`${def.group}/${def.plural}`);
    if (served) return served(r);
    if (def.virtual) {
      if (info.verb !== 'create' || info.subresource)
        throw methodNotSupported({ group: def.group, resource: def.plural }, info.verb);
      return review(r);
    }
    if (info.subresource) {
      const key = `${def.plural}/${info.subresource}`;
      const sub = def.subresources?.find((s) => s.name === info.subresource);
      if (!sub) throw notFoundGeneric();
      const custom = opts.subresources?.get(key);
      if (custom) return custom(r);
      if (info.subresource === 'scale') return scale(r);
      if (info.subresource === 'binding' && info.verb === 'create') return bind(r);
      if (info.subresource === 'eviction' && info.verb === 'create') return evict(r);
      if (info.subresource === 'finalize' && info.verb === 'update') return updateObject(r);
      // CSRs' `approval` is written as `status` is: only its part of the object changes.
      if (info.subresource === 'status' || info.subresource === 'approval') {
        if (info.verb === 'get') return getObject(r);
        if (info.verb === 'update') return updateObject(r);
        if (info.verb === 'patch') return patchObject(r);
      }
      throw methodNotSupported({ group: def.group, resource: key }, info.verb);
    }
    switch (info.verb) {
      case 'get':
        return getObject(r);
      case 'list':
        return listObjects(r);
      case 'watch':
        return watchObjects(r);
      case 'create':
        if (info.name)
          throw methodNotSupported({ group: def.group, resource: def.plural }, 'create');
        return createObject(r);
      case 'update':
        return updateObject(r);
      case 'patch':
        return patchObject(r);
      case 'delete':
        return deleteObject(r);
      case 'deletecollection':
        return deleteCollection(r);
      default:
        throw methodNotSupported({ group: def.group, resource: def.plural }, info.verb);
    }
  }

  /** Plain requests at each stage of the chain (see chain.ts for the order). */
  const chain: Chain<PlainRequest> = {
    requestInfo(s) {
      s.info = requestInfo(s.req.method, s.req.url, s.req.path);
    },
    authentication(s) {
      s.requester = opts.authn.authenticate(s.req.credentials, (w) => s.ctx.warnings.push(w));
    },
    impersonation(s) {
      s.ctx.user = impersonate(s.req.headers, s.requester, opts.authz.check);
    },
    authorization({ ctx, info }) {
      opts.authz.check({
        user: ctx.user,
        verb: info.verb,
        isResourceRequest: info.isResourceRequest,
        path: info.path,
        namespace: info.namespace,
        group: info.group,
        resource: info.resource,
        subresource: info.subresource,
        name: info.name,
        ...(ctx.req.url.searchParams.has('fieldSelector')
          ? { fieldSelector: ctx.req.url.searchParams.get('fieldSelector') ?? '' }
          : {}),
      });
    },
    resolution(s) {
      const { info } = s;
      if (!info.isResourceRequest) return;
      s.def = table.lookup(info.group, info.version, info.resource);
      if (!s.def) throw notFoundGeneric();
      // Every response of a deprecated version says so, errors included (kube adds it
      // before its handlers run).
      if (s.def.deprecation) s.ctx.warnings.push(s.def.deprecation.warning);
      if (
        s.def.namespaced &&
        !info.namespace &&
        !['list', 'watch', 'create', 'deletecollection'].includes(info.verb)
      )
        throw notFoundGeneric();
      if (!s.def.namespaced && info.namespace && info.resource !== 'namespaces')
        throw notFoundGeneric();
      checkPathNames(info);
    },
    admission({ req, info, ctx }) {
      opts.metrics?.admitted(req, info);
      return opts.admit?.({ user: ctx.user, info, req });
    },
    async handler(s) {
      const { req, ctx, info, def } = s;
      if (info.path === '/metrics' && opts.metrics) {
        s.res = await opts.metrics.respond(req);
        return;
      }
      if (!info.isResourceRequest || !def) {
        s.res = nonResource(req, info.path);
        return;
      }
      // Across namespaces a namespaced resource is only listed and watched; a collection is
      // deleted only where the kind serves it (never `DELETE /api/v1/namespaces/`).
      if (
        (def.namespaced &&
          !info.namespace &&
          (info.verb === 'deletecollection' || (info.verb === 'create' && !def.virtual))) ||
        (info.verb === 'deletecollection' && !def.verbs.includes('deletecollection'))
      )
        throw methodNotAllowed();
      s.res = await resource({ ctx, info, def, parts: opts, query: req.url.searchParams });
    },
  };

  return async function handle(req: ApiRequest): Promise<ApiResponse> {
    const ctx: RequestContext = {
      req,
      user: { name: '', groups: [] },
      now: opts.clock.now(),
      warnings: [],
    };
    const state = new PlainRequest(req, ctx);
    let res: ApiResponse;
    try {
      await runChain(chain, state);
      res = state.response();
    } catch (e) {
      res = errorResponse(e);
    }
    if (ctx.warnings.length)
      res.headers['warning'] = ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    res.headers['cache-control'] ??= 'no-cache, private';
    return res;
  };
}
