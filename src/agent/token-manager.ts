// Service-account tokens for pods, asked of the API server (TokenRequest) as the kubelet's
// token manager does: the node holds no signing key. A token is kept per (account,
// audiences, lifetime, bound pod) and asked for again once it is older than 80% of its
// lifetime or 24 hours; while the API cannot be reached a token not yet expired serves on.

import { resources, type Client } from '../client/index.js';
import type { Clock } from './pod/worker.js';

export interface TokenRequestFor {
  namespace: string;
  serviceAccountName: string;
  audiences?: string[];
  expirationSeconds: number;
  pod: { name: string; uid: string };
}

export interface TokenManager {
  /** A token for the request, from the cache while it is fresh. */
  get(r: TokenRequestFor): Promise<string>;
  /** Drops the tokens bound to a pod (the pod has left the node). */
  forgetPod(uid: string): void;
}

interface Cached {
  token: string;
  podUid: string;
  expiresAt: number; // ms
  expirationSeconds: number;
}

/** A token is refreshed after this long whatever its lifetime (the kubelet's maxTTL). */
const MAX_TTL_MS = 24 * 3600_000;
/** Spreads the refreshes of many tokens apart (the kubelet's maxJitter). */
const MAX_JITTER_MS = 10_000;

interface TokenRequestStatus {
  spec?: { expirationSeconds?: number };
  status?: { token?: string; expirationTimestamp?: string };
}

export function createTokenManager(client: Client, clock: Clock): TokenManager {
  const cache = new Map<string, Cached>();

  const needsRefresh = (c: Cached, now: number): boolean => {
    const issuedAt = c.expiresAt - c.expirationSeconds * 1000;
    const jitter = Math.random() * MAX_JITTER_MS;
    if (now > issuedAt + MAX_TTL_MS - jitter) return true;
    return now > c.expiresAt - c.expirationSeconds * 200 - jitter; // 20% of the lifetime left
  };

  const dropExpired = (now: number): void => {
    for (const [k, c] of cache) if (now >= c.expiresAt) cache.delete(k);
  };

  return {
    async get(r) {
      const key = JSON.stringify([
        r.namespace,
        r.serviceAccountName,
        r.audiences ?? [],
        r.expirationSeconds,
        r.pod.name,
        r.pod.uid,
      ]);
      const now = clock.now().getTime();
      dropExpired(now);
      const cached = cache.get(key);
      if (cached && !needsRefresh(cached, now)) return cached.token;
      let answer: TokenRequestStatus;
      try {
        answer = (await client.createSubresource(
          resources.serviceAccounts,
          r.namespace,
          r.serviceAccountName,
          'token',
          {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            metadata: {},
            spec: {
              ...(r.audiences?.length ? { audiences: r.audiences } : {}),
              expirationSeconds: r.expirationSeconds,
              boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: r.pod.name, uid: r.pod.uid },
            },
          },
        )) as TokenRequestStatus;
      } catch (e) {
        // As the kubelet: a token still valid is better than none.
        if (cached) return cached.token;
        throw e;
      }
      const token = answer.status?.token;
      const expires = Date.parse(answer.status?.expirationTimestamp ?? '');
      if (!token || Number.isNaN(expires))
        throw new Error('the API server answered a TokenRequest without a token');
      cache.set(key, {
        token,
        podUid: r.pod.uid,
        expiresAt: expires,
        expirationSeconds: answer.spec?.expirationSeconds ?? r.expirationSeconds,
      });
      return token;
    },
    forgetPod(uid) {
      for (const [k, c] of cache) if (c.podUid === uid) cache.delete(k);
    },
  };
}
