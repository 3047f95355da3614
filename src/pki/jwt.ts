// Compact JWS (RFC 7515) with ES256 for P-256 keys and RS256 for RSA keys. The algorithm
// always follows the key, never the token's header, so "none" or HMAC tricks cannot work.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

export type KeyInput = KeyObject | string;

const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

export const toPrivateKey = (key: KeyInput): KeyObject =>
  typeof key === 'string' ? createPrivateKey(key) : key;
export const toPublicKey = (key: KeyInput): KeyObject =>
  typeof key === 'string'
    ? createPublicKey(key)
    : key.type === 'private'
      ? createPublicKey(key)
      : key;

function algorithmFor(key: KeyObject): 'ES256' | 'RS256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  throw new Error('service-account keys must be ECDSA P-256 or RSA');
}

/** kube-apiserver's key ID: unpadded base64url of the SHA-256 of the public key's DER. */
export function keyId(key: KeyInput): string {
  const spki = toPublicKey(key).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64url');
}

export function signJwt(key: KeyInput, payload: object): string {
  const privateKey = toPrivateKey(key);
  const header = { alg: algorithmFor(privateKey), kid: keyId(privateKey) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${b64url(signature)}`;
}

/** The payload when the signature checks out with `key`, otherwise undefined. */
export function verifyJwt(key: KeyInput, token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  try {
    const publicKey = toPublicKey(key);
    const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null) return undefined;
    if ((header as { alg?: unknown }).alg !== algorithmFor(publicKey)) return undefined;
    const signature = Buffer.from(signaturePart, 'base64url');
    const ok = verify(
      'sha256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    );
    if (!ok) return undefined;
    const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as unknown;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
