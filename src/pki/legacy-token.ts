// Secret-based ("legacy") service-account tokens: the non-expiring JWTs kube-controller-manager's
// token controller writes into `kubernetes.io/service-account-token` secrets, with issuer
// `kubernetes/serviceaccount` and the flat `kubernetes.io/serviceaccount/…` claims.
import { signJwt, verifyJwt, type KeyInput } from './jwt.js';
import { serviceAccountUserName } from './service-account-token.js';
import type { UserInfo } from './types.js';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

const CLAIM = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  serviceAccountName: 'kubernetes.io/serviceaccount/service-account.name',
  serviceAccountUid: 'kubernetes.io/serviceaccount/service-account.uid',
} as const;

export interface LegacyTokenSubject {
  namespace: string;
  serviceAccountName: string;
  serviceAccountUid: string;
  secretName: string;
}

/** What a verified legacy token names; the caller checks the secret and account still match. */
export interface LegacyTokenClaims extends LegacyTokenSubject {
  user: UserInfo;
}

/** A legacy token: no expiry, no audience, exactly the claims kube's LegacyClaims carries. */
export function signLegacyServiceAccountToken(key: KeyInput, s: LegacyTokenSubject): string {
  return signJwt(key, {
    iss: LEGACY_ISSUER,
    [CLAIM.namespace]: s.namespace,
    [CLAIM.secretName]: s.secretName,
    [CLAIM.serviceAccountName]: s.serviceAccountName,
    [CLAIM.serviceAccountUid]: s.serviceAccountUid,
    sub: serviceAccountUserName(s.namespace, s.serviceAccountName),
  });
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** go-jose's leeway, applied to time claims a legacy token may carry (it is issued without). */
const LEEWAY_SECONDS = 60;

/** Whether optional exp/nbf/iat claims (seconds) allow use at `now`. */
function current(claims: Record<string, unknown>, now: Date): boolean {
  const t = now.getTime() / 1000;
  const { exp, nbf, iat } = claims;
  for (const v of [exp, nbf, iat]) if (v !== undefined && typeof v !== 'number') return false;
  if (typeof exp === 'number' && t - LEEWAY_SECONDS > exp) return false;
  if (typeof nbf === 'number' && t + LEEWAY_SECONDS < nbf) return false;
  if (typeof iat === 'number' && t + LEEWAY_SECONDS < iat) return false;
  return true;
}

/** The claims of a legacy token signed by `key`; undefined for any other token. */
export function readLegacyServiceAccountToken(
  key: KeyInput,
  token: string,
  now: Date = new Date(),
): LegacyTokenClaims | undefined {
  const claims = verifyJwt(key, token);
  if (!claims || claims.iss !== LEGACY_ISSUER || !current(claims, now)) return undefined;
  const namespace = claims[CLAIM.namespace];
  const secretName = claims[CLAIM.secretName];
  const serviceAccountName = claims[CLAIM.serviceAccountName];
  const serviceAccountUid = claims[CLAIM.serviceAccountUid];
  // Every claim is required, and the subject must name the same account (kube's legacy validator).
  if (
    !nonEmpty(claims.sub) ||
    !nonEmpty(namespace) ||
    !nonEmpty(secretName) ||
    !nonEmpty(serviceAccountName) ||
    !nonEmpty(serviceAccountUid)
  )
    return undefined;
  if (claims.sub !== serviceAccountUserName(namespace, serviceAccountName)) return undefined;
  return {
    namespace,
    secretName,
    serviceAccountName,
    serviceAccountUid,
    user: {
      name: claims.sub,
      uid: serviceAccountUid,
      groups: [
        'system:serviceaccounts',
        `system:serviceaccounts:${namespace}`,
        'system:authenticated',
      ],
    },
  };
}
