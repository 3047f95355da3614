import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { readLegacyServiceAccountToken, signLegacyServiceAccountToken } from './legacy-token.js';
import { signJwt } from './jwt.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const subject = {
  namespace: 'default',
  serviceAccountName: 'build-robot',
  serviceAccountUid: 'u-1',
  secretName: 'build-robot-secret',
};

const payload = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

describe('legacy service-account tokens', () => {
  it("carries kube's legacy claims and no expiry", () => {
    const token = signLegacyServiceAccountToken(key.privateKey, subject);
    assert.deepEqual(payload(token), {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'default',
      'kubernetes.io/serviceaccount/secret.name': 'build-robot-secret',
      'kubernetes.io/serviceaccount/service-account.name': 'build-robot',
      'kubernetes.io/serviceaccount/service-account.uid': 'u-1',
      sub: 'system:serviceaccount:default:build-robot',
    });
  });

  it('reads back into the service account user', () => {
    const token = signLegacyServiceAccountToken(key.privateKey, subject);
    const claims = readLegacyServiceAccountToken(key.publicKey, token);
    assert.deepEqual(claims?.user, {
      name: 'system:serviceaccount:default:build-robot',
      uid: 'u-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    assert.equal(claims?.secretName, 'build-robot-secret');
  });

  it('refuses other keys, other issuers, missing claims and a mismatched subject', () => {
    const token = signLegacyServiceAccountToken(key.privateKey, subject);
    assert.equal(readLegacyServiceAccountToken(other.publicKey, token), undefined);
    const base = payload(token);
    const forge = (p: Record<string, unknown>) =>
      readLegacyServiceAccountToken(key.publicKey, signJwt(key.privateKey, p));
    assert.equal(
      forge({ ...base, iss: 'https://kubernetes.default.svc.cluster.local' }),
      undefined,
    );
    assert.equal(forge({ ...base, 'kubernetes.io/serviceaccount/secret.name': '' }), undefined);
    assert.equal(forge({ ...base, sub: 'system:serviceaccount:default:admin' }), undefined);
    // Time claims are not issued, but when present they are checked (with a minute's leeway).
    assert.equal(forge({ ...base, exp: Math.floor(Date.now() / 1000) - 120 }), undefined);
    assert.equal(forge({ ...base, nbf: Math.floor(Date.now() / 1000) + 120 }), undefined);
    assert.ok(forge({ ...base, exp: Math.floor(Date.now() / 1000) - 30 }));
    assert.ok(forge(base));
  });
});
