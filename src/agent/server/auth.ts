// Who is asking and may they, as the kubelet decides with anonymous auth off and webhook
// authentication and authorization: a verified client certificate or a bearer token
// (TokenReview) names the user; SubjectAccessReviews on `nodes/<subresource>` decide.
// Answers are cached as the kubelet caches them (tokens 2 min either way; access 5 min when
// allowed, 30 s when denied).

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../../api/types.js';
import type { Client, ResourceRef } from '../../client/index.js';
import { userFromCertificate, type UserInfo } from '../../pki/index.js';

export const TOKEN_CACHE_TTL_MS = 2 * 60_000;
export const ALLOWED_CACHE_TTL_MS = 5 * 60_000;
export const DENIED_CACHE_TTL_MS = 30_000;
const CACHE_ENTRIES = 4096;

const TOKEN_REVIEWS: ResourceRef = {
  group: 'authentication.k8s.io',
  version: 'v1',
  plural: 'tokenreviews',
  namespaced: false,
};
const SUBJECT_ACCESS_REVIEWS: ResourceRef = {
  group: 'authorization.k8s.io',
  version: 'v1',
  plural: 'subjectaccessreviews',
  namespaced: false,
};

/** The bearer token a WebSocket client may send as a subprotocol (browsers cannot set headers). */
const WS_TOKEN_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/** A small map whose entries expire; the oldest go first when it is full. */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
  }
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= CACHE_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expires: this.now() + ttlMs });
  }
}

/** The request's bearer token: `Authorization: Bearer …`, or the WebSocket subprotocol form. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const parts = auth.split(' ');
    if (parts.length >= 2 && parts[0]?.toLowerCase() === 'bearer' && parts[1]) return parts[1];
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (!protocols) return undefined;
  for (const p of protocols.split(',').map((x) => x.trim())) {
    if (!p.startsWith(WS_TOKEN_PREFIX)) continue;
    const encoded = p.slice(WS_TOKEN_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
    const token = Buffer.from(encoded, 'base64url').toString('utf8');
    // The token is ours, not a protocol to negotiate.
    req.headers['sec-websocket-protocol'] = protocols
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== p)
      .join(', ');
    return token || undefined;
  }
  return undefined;
}

/** The authorization attributes of one check, in SubjectAccessReview terms. */
export interface NodeAccess {
  user: UserInfo;
  verb: string;
  subresource: string;
  path: string;
}

export type Decision = 'allowed' | 'denied';

export interface NodeAuth {
  /** The user, or undefined when the request carries no acceptable credentials (401). */
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined>;
  /** Throws when the API server cannot be asked (500). */
  authorize(a: NodeAccess): Promise<Decision>;
}

export function createNodeAuth(o: {
  client: Client;
  nodeName: string;
  now?: () => number;
}): NodeAuth {
  const now = o.now ?? Date.now;
  const tokens = new TtlCache<UserInfo | null>(now);
  const decisions = new TtlCache<Decision>(now);

  async function reviewToken(token: string): Promise<UserInfo | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = tokens.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const review = await o.client.create(TOKEN_REVIEWS, '', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: {},
      spec: { token },
    });
    const status = (review['status'] ?? {}) as {
      authenticated?: boolean;
      user?: {
        username?: string;
        uid?: string;
        groups?: string[];
        extra?: Record<string, string[]>;
      };
    };
    const u = status.user;
    const user: UserInfo | null =
      status.authenticated && u?.username
        ? {
            name: u.username,
            groups: u.groups ?? [],
            ...(u.uid ? { uid: u.uid } : {}),
            ...(u.extra ? { extra: u.extra } : {}),
          }
        : null;
    tokens.set(key, user, TOKEN_CACHE_TTL_MS);
    return user ?? undefined;
  }

  return {
    async authenticate(req) {
      const socket = req.socket as TLSSocket;
      const cert = socket.authorized ? socket.getPeerCertificate?.(false) : undefined;
      // `authorized`: the chain checks out and (OpenSSL's client purpose) the certificate is
      // one for client authentication, as Go's verifier asks.
      if (cert && Object.keys(cert).length) {
        const user = userFromCertificate(cert);
        if (user) return user;
      }
      const token = bearerToken(req);
      if (!token) return undefined;
      try {
        return await reviewToken(token);
      } catch {
        // The API server could not be asked: the request is not authenticated.
        return undefined;
      }
    },
    async authorize(a) {
      const spec = {
        user: a.user.name,
        groups: a.user.groups,
        ...(a.user.uid ? { uid: a.user.uid } : {}),
        ...(a.user.extra ? { extra: a.user.extra } : {}),
        resourceAttributes: {
          verb: a.verb,
          group: '',
          version: 'v1',
          resource: 'nodes',
          subresource: a.subresource,
          name: o.nodeName,
        },
      };
      const key = JSON.stringify(spec);
      const cached = decisions.get(key);
      if (cached) return cached;
      const review: KubeObject = await o.client.create(SUBJECT_ACCESS_REVIEWS, '', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: {},
        spec,
      });
      const allowed = Boolean((review['status'] as { allowed?: boolean } | undefined)?.allowed);
      const d: Decision = allowed ? 'allowed' : 'denied';
      decisions.set(key, d, allowed ? ALLOWED_CACHE_TTL_MS : DENIED_CACHE_TTL_MS);
      return d;
    },
  };
}

/** The HTTP method as the verb the kubelet authorizes (unknown methods: empty). */
export function verbOf(method: string): string {
  const verbs: Record<string, string> = {
    POST: 'create',
    GET: 'get',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  };
  return verbs[method] ?? '';
}

const isSubpath = (path: string, prefix: string): boolean => {
  const p = prefix.replace(/\/$/, '');
  return path === p || path.startsWith(p + '/');
};

/**
 * The subresources checked for a path, in order; the first allowed one admits the request
 * (the kubelet's fine-grained authorization: /pods, /healthz and /configz fall back to proxy).
 */
export function subresourcesOf(path: string): string[] {
  const out: string[] = [];
  if (isSubpath(path, '/pods') || isSubpath(path, '/runningpods/')) out.push('pods');
  else if (isSubpath(path, '/healthz')) out.push('healthz');
  else if (isSubpath(path, '/configz')) out.push('configz');
  else if (isSubpath(path, '/statusz')) out.push('statusz');
  if (isSubpath(path, '/stats/')) out.push('stats');
  else if (isSubpath(path, '/metrics')) out.push('metrics');
  else if (isSubpath(path, '/logs/')) out.push('log');
  else if (isSubpath(path, '/checkpoint/')) out.push('checkpoint');
  else out.push('proxy');
  return out;
}
