// Bound service-account tokens: JWTs with the claims kube-apiserver's TokenRequest issues,
// and their verification into the service account's user.
import { randomUUID } from 'node:crypto';
import { signJwt, verifyJwt, type KeyInput } from './jwt.js';
import type { UserInfo } from './types.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** go-jose's default leeway, which kube-apiserver applies to exp, nbf and iat. */
const LEEWAY_SECONDS = 60;
const SA_PREFIX = 'system:serviceaccount:';

export interface ServiceAccountTokenRequest {
  namespace: string;
  serviceAccountName: string;
  /** The ServiceAccount object's uid. */
  uid: string;
  /** Defaults to the issuer, as kube-apiserver's default --api-audiences does. */
  audiences?: string[];
  expirationSeconds: number;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  nodeUid?: string;
  issuer?: string;
}

export interface VerifyOptions {
  /** Issuers accepted; default the one Skiff signs with. */
  issuers?: string[];
  /** The token must name one of these audiences; default the issuers. */
  audiences?: string[];
}

interface Ref {
  name: string;
  uid: string;
}

interface KubernetesClaims {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  node?: Ref;
}

export function serviceAccountUserName(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

export function signServiceAccountToken(
  key: KeyInput,
  request: ServiceAccountTokenRequest,
  now: Date = new Date(),
): string {
  const iat = Math.floor(now.getTime() / 1000);
  const issuer = request.issuer ?? DEFAULT_ISSUER;
  const claims: KubernetesClaims = {
    namespace: request.namespace,
    serviceaccount: { name: request.serviceAccountName, uid: request.uid },
  };
  if (request.podName) claims.pod = { name: request.podName, uid: request.podUid ?? '' };
  if (request.nodeName) claims.node = { name: request.nodeName, uid: request.nodeUid ?? '' };
  return signJwt(key, {
    aud: request.audiences?.length ? request.audiences : [issuer],
    exp: iat + request.expirationSeconds,
    iat,
    iss: issuer,
    jti: randomUUID(),
    'kubernetes.io': claims,
    nbf: iat,
    sub: serviceAccountUserName(request.namespace, request.serviceAccountName),
  });
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRef = (v: unknown): v is Ref =>
  typeof v === 'object' && v !== null && isString((v as Ref).name) && isString((v as Ref).uid);

/**
 * The service account's user when the token is signed by `key`, current at `now`, from an
 * accepted issuer and for an accepted audience; otherwise undefined. Whether the service
 * account (and bound pod) still exist is for the caller to check against the API.
 */
export function verifyServiceAccountToken(
  key: KeyInput,
  token: string,
  now: Date = new Date(),
  options: VerifyOptions = {},
): UserInfo | undefined {
  const claims = verifyJwt(key, token);
  if (!claims) return undefined;
  const issuers = options.issuers ?? [DEFAULT_ISSUER];
  if (!isString(claims.iss) || !issuers.includes(claims.iss)) return undefined;

  const t = now.getTime() / 1000;
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || t - LEEWAY_SECONDS > exp) return undefined;
  if (typeof nbf === 'number' && t + LEEWAY_SECONDS < nbf) return undefined;
  if (typeof iat === 'number' && t + LEEWAY_SECONDS < iat) return undefined;

  const audiences = options.audiences ?? issuers;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => isString(a) && audiences.includes(a))) return undefined;

  const k8s = claims['kubernetes.io'] as Partial<KubernetesClaims> | undefined;
  if (!k8s || !isString(k8s.namespace) || !isRef(k8s.serviceaccount)) return undefined;
  const { namespace } = k8s;
  const { name, uid } = k8s.serviceaccount;
  const username = serviceAccountUserName(namespace, name);
  if (claims.sub !== username) return undefined;

  const extra: Record<string, string[]> = {};
  if (isRef(k8s.pod)) {
    extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
  }
  if (isRef(k8s.node)) {
    extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
  }
  if (isString(claims.jti))
    extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  return {
    name: username,
    uid,
    groups: [
      'system:serviceaccounts',
      `system:serviceaccounts:${namespace}`,
      'system:authenticated',
    ],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
