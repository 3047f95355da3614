// Service-account token authentication, as kube-apiserver's bound-token validator: a token
// is good while it verifies (key, issuer, audience, time) and the objects it names still
// exist with the same uids — the service account, and the pod, secret or node it is bound to —
// and are not past their deletion (with one minute of leeway).

import {
  readLegacyServiceAccountToken,
  readServiceAccountToken,
  type KeyInput,
} from '../../pki/index.js';
import type { BoundObject, BoundObjectCache } from './bound-objects.js';
import type { UserInfo } from './types.js';
import type { TokenAuthenticator } from './types.js';

/** go-jose's default leeway, which kube-apiserver also gives deleted objects. */
const LEEWAY_MS = 60_000;

export interface ServiceAccountAuthenticatorOptions {
  /** Public (or private) keys whose signatures are accepted. */
  keys: KeyInput[];
  issuers: string[];
  /** The API server's audiences; a token must name one of them. */
  audiences: string[];
  objects: BoundObjectCache;
  clock: { now(): Date };
  /**
   * Called when a legacy token is accepted whose secret does not carry today's (or, across
   * midnight, tomorrow's) `kubernetes.io/legacy-token-last-used` date: the label to set.
   */
  onLegacyTokenUsed?: (namespace: string, secretName: string, today: string) => void;
}

/** Whether the object still stands for the reference at `now`. */
function current(o: BoundObject | undefined, uid: string, now: Date): boolean {
  if (!o || o.uid !== uid) return false;
  if (o.deletionTimestamp === undefined) return true;
  // Deleted objects stay valid until their deletion time has passed by the leeway.
  const at = Date.parse(o.deletionTimestamp);
  return !(at < now.getTime() - LEEWAY_MS);
}

const dateOf = (d: Date): string => d.toISOString().slice(0, 10);

const AUTO_GENERATED_WARNING =
  'Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.';

/**
 * A secret-based token, as kube's legacy validator with lookup on: the secret must exist,
 * not be deleted, hold exactly this token and not be invalidated (by the legacy token
 * cleaner's label); the service account must exist, not be deleted, and have the uid the
 * token names. Any failure is a plain 401.
 */
function legacyUser(
  o: ServiceAccountAuthenticatorOptions,
  key: KeyInput,
  token: string,
  warn: ((warning: string) => void) | undefined,
): UserInfo | undefined {
  const claims = readLegacyServiceAccountToken(key, token, o.clock.now());
  if (!claims || !o.objects.isReady()) return undefined;
  const { namespace, secretName, serviceAccountName, serviceAccountUid } = claims;
  const secret = o.objects.get('secrets', namespace, secretName);
  const stored = secret?.legacyToken;
  if (!secret || secret.deletionTimestamp !== undefined || !stored) return undefined;
  if (stored.token !== Buffer.from(token).toString('base64')) return undefined;
  const account = o.objects.get('serviceaccounts', namespace, serviceAccountName);
  if (!account || account.deletionTimestamp !== undefined) return undefined;
  if (account.uid !== serviceAccountUid) return undefined;
  // Secrets the account lists are the auto-generated ones (pre-1.24): kube warns about them.
  if (account.secretNames?.includes(secretName)) warn?.(AUTO_GENERATED_WARNING);
  if (stored.invalidSince) return undefined;
  const now = o.clock.now();
  const today = dateOf(now);
  const tomorrow = dateOf(new Date(now.getTime() + 24 * 3600_000));
  if (stored.lastUsed !== today && stored.lastUsed !== tomorrow)
    o.onLegacyTokenUsed?.(namespace, secretName, today);
  return claims.user;
}

export function serviceAccountTokenAuthenticator(
  o: ServiceAccountAuthenticatorOptions,
): TokenAuthenticator {
  return (token, warn) => {
    // Not a JWT: another authenticator's token.
    if (token.split('.').length !== 3) return undefined;
    const now = o.clock.now();
    for (const key of o.keys) {
      const claims = readServiceAccountToken(key, token, now, {
        issuers: o.issuers,
        audiences: o.audiences,
      });
      if (!claims) {
        const legacy = legacyUser(o, key, token, warn);
        if (legacy) return legacy;
        continue;
      }
      const { namespace, serviceAccount, pod, secret, node } = claims;
      // Until the first listing completes nothing can be checked: refuse.
      if (!o.objects.isReady()) return undefined;
      const get = (r: 'serviceaccounts' | 'pods' | 'secrets', name: string) =>
        o.objects.get(r, namespace, name);
      if (!current(get('serviceaccounts', serviceAccount.name), serviceAccount.uid, now))
        return undefined;
      if (secret && !current(get('secrets', secret.name), secret.uid, now)) return undefined;
      if (pod && !current(get('pods', pod.name), pod.uid, now)) return undefined;
      // A pod-bound token names its node for information only; a node-bound one is checked.
      if (!pod && !secret && node && !current(o.objects.get('nodes', '', node.name), node.uid, now))
        return undefined;
      return claims.user;
    }
    return undefined;
  };
}
