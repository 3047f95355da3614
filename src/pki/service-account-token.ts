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
  audiences?: string[] | undefined;
  expirationSeconds: number;
  /** A token bound to a pod (invalid once the pod is gone) … */
  podName?: string;
  podUid?: string;
  /** … or to a secret; a pod wins when both are given, as in kube-apiserver. */
  secretName?: string;
  secretUid?: string;
  /** The pod's node, for information (kube-apiserver leaves out the uid of a missing node). */
  nodeName?: string;
  nodeUid?: string;
  /** Seconds after issue past which using the token is reported as stale (`warnafter`). */
  warnAfterSeconds?: number;
  issuer?: string;
}

export interface VerifyOptions {
  /** Issuers accepted; default the one Skiff signs with. */
  issuers?: string[];
  /** The token must name one of these audiences; default the issuers. */
  audiences?: string[];
}

export interface ObjectRef {
  name: string;
  uid: string;
}

interface KubernetesClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid?: string };
  warnafter?: number;
}

/** What a verified token says: the user it stands for and the objects it is bound to. */
export interface ServiceAccountTokenClaims {
  user: UserInfo;
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: { name: string; uid: string };
  /** Seconds since the epoch after which the token counts as stale, when it says so. */
  warnAfter?: number;
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
  else if (request.secretName)
    claims.secret = { name: request.secretName, uid: request.secretUid ?? '' };
  if (request.nodeName)
    claims.node = {
      name: request.nodeName,
      ...(request.nodeUid ? { uid: request.nodeUid } : {}),
    };
  if (request.warnAfterSeconds) claims.warnafter = iat + request.warnAfterSeconds;
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
const isRef = (v: unknown): v is ObjectRef =>
  typeof v === 'object' &&
  v !== null &&
  isString((v as ObjectRef).name) &&
  isString((v as ObjectRef).uid);
const isNamed = (v: unknown): v is { name: string; uid?: unknown } =>
  typeof v === 'object' && v !== null && isString((v as { name?: unknown }).name);

/**
 * The service account's user when the token is signed by `key`, current at `now`, from an
 * accepted issuer and for an accepted audience; otherwise undefined. Whether the service
 * account (and bound pod or secret) still exist is for the caller to check against the API.
 */
export function verifyServiceAccountToken(
  key: KeyInput,
  token: string,
  now: Date = new Date(),
  options: VerifyOptions = {},
): UserInfo | undefined {
  return readServiceAccountToken(key, token, now, options)?.user;
}

/** Like verifyServiceAccountToken, with the objects the token is bound to. */
export function readServiceAccountToken(
  key: KeyInput,
  token: string,
  now: Date = new Date(),
  options: VerifyOptions = {},
): ServiceAccountTokenClaims | undefined {
  const claims = verifyJwt(key, token);
  if (!claims) return undefined;
  const issuers = options.issuers ?? [DEFAULT_ISSUER];
  if (!isString(claims.iss) || !issuers.includes(claims.iss)) return undefined;

  const t = now.getTime() / 1000;
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || t - LEEWAY_SECONDS > exp) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || t + LEEWAY_SECONDS < nbf)) return undefined;
  if (iat !== undefined && (typeof iat !== 'number' || t + LEEWAY_SECONDS < iat)) return undefined;

  const audiences = options.audiences ?? issuers;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.some((a) => isString(a) && audiences.includes(a))) return undefined;

  const k8s = claims['kubernetes.io'] as Partial<KubernetesClaims> | undefined;
  if (typeof k8s !== 'object' || k8s === null) return undefined;
  if (!isString(k8s.namespace) || !isRef(k8s.serviceaccount)) return undefined;
  const { namespace } = k8s;
  const { name, uid } = k8s.serviceaccount;
  const username = serviceAccountUserName(namespace, name);
  if (claims.sub !== username) return undefined;
  // A bound block that is present but malformed is refused rather than ignored.
  if (k8s.pod !== undefined && !isRef(k8s.pod)) return undefined;
  if (k8s.secret !== undefined && !isRef(k8s.secret)) return undefined;
  if (k8s.node !== undefined && !isNamed(k8s.node)) return undefined;
  const node = k8s.node
    ? { name: k8s.node.name, uid: isString(k8s.node.uid) ? k8s.node.uid : '' }
    : undefined;

  const extra: Record<string, string[]> = {};
  if (k8s.pod) {
    extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
  }
  if (node) {
    extra['authentication.kubernetes.io/node-name'] = [node.name];
    if (node.uid) extra['authentication.kubernetes.io/node-uid'] = [node.uid];
  }
  if (isString(claims.jti))
    extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
  const user: UserInfo = {
    name: username,
    uid,
    groups: [
      'system:serviceaccounts',
      `system:serviceaccounts:${namespace}`,
      'system:authenticated',
    ],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
  return {
    user,
    namespace,
    serviceAccount: { name, uid },
    ...(k8s.pod ? { pod: { name: k8s.pod.name, uid: k8s.pod.uid } } : {}),
    ...(k8s.secret ? { secret: { name: k8s.secret.name, uid: k8s.secret.uid } } : {}),
    ...(node ? { node } : {}),
    ...(typeof k8s.warnafter === 'number' ? { warnAfter: k8s.warnafter } : {}),
  };
}
