// What a service-account token secret holds, and how it names its account.

import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/types.js';

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

/** The characters apimachinery's generated names are made of (no vowels, no 0/1/3). */
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** `NAME-token-XXXXX`, as the pre-1.24 token controller named auto-generated secrets. */
export function tokenSecretName(account: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_CHARS[randomInt(NAME_CHARS.length)];
  // As metadata.generateName: the prefix cut to 58 characters, then five random ones.
  return `${`${account}-token-`.slice(0, 58)}${suffix}`;
}

/** The secret's `data`: the token, the namespace and the cluster CA (base64). */
export function secretData(
  token: string,
  namespace: string,
  caPem: string,
): Record<string, string> {
  const b64 = (v: string): string => Buffer.from(v).toString('base64');
  return { 'ca.crt': b64(caPem), namespace: b64(namespace), token: b64(token) };
}

/** kube's IsServiceAccountToken: the secret names the account (and its uid, when it says one). */
export function isTokenOf(secret: KubeObject, account: string, uid: string | undefined): boolean {
  const a = secret.metadata.annotations ?? {};
  if (a[SA_NAME_ANNOTATION] !== account) return false;
  const wantUid = a[SA_UID_ANNOTATION];
  return !wantUid || !uid || wantUid === uid;
}
