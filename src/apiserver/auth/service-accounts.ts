// Service-account token authentication, as kube-apiserver's bound-token validator: a token
// is good while it verifies (key, issuer, audience, time) and the objects it names still
// exist with the same uids — the service account, and the pod, secret or node it is bound to —
// and are not past their deletion (with one minute of leeway).

import { readServiceAccountToken, type KeyInput } from '../../pki/index.js';
import type { BoundObject, BoundObjectCache } from './bound-objects.js';
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
}

/** Whether the object still stands for the reference at `now`. */
function current(o: BoundObject | undefined, uid: string, now: Date): boolean {
  if (!o || o.uid !== uid) return false;
  if (o.deletionTimestamp === undefined) return true;
  // Deleted objects stay valid until their deletion time has passed by the leeway.
  const at = Date.parse(o.deletionTimestamp);
  return !(at < now.getTime() - LEEWAY_MS);
}

export function serviceAccountTokenAuthenticator(
  o: ServiceAccountAuthenticatorOptions,
): TokenAuthenticator {
  return (token) => {
    // Not a JWT: another authenticator's token.
    if (token.split('.').length !== 3) return undefined;
    const now = o.clock.now();
    for (const key of o.keys) {
      const claims = readServiceAccountToken(key, token, now, {
        issuers: o.issuers,
        audiences: o.audiences,
      });
      if (!claims) continue;
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
