import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DEFAULT_ISSUER,
  readServiceAccountToken,
  signServiceAccountToken,
  verifyServiceAccountToken,
  type ServiceAccountTokenRequest,
} from './index.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = new Date('2031-05-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

const request: ServiceAccountTokenRequest = {
  namespace: 'team-a',
  serviceAccountName: 'builder',
  uid: 'a1b2c3',
  audiences: [DEFAULT_ISSUER],
  expirationSeconds: 3600,
  podName: 'web-0',
  podUid: 'p-123',
};

const decode = (part: string | undefined): Record<string, unknown> =>
  JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

const expectedUser = {
  name: 'system:serviceaccount:team-a:builder',
  uid: 'a1b2c3',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
};

describe('service-account tokens', () => {
  it('carries the claims of a bound kube-apiserver token', () => {
    const token = signServiceAccountToken(ec.privateKey, request, now);
    const [header, payload] = token.split('.');
    const spki = ec.publicKey.export({ type: 'spki', format: 'der' });
    assert.deepEqual(decode(header), {
      alg: 'ES256',
      kid: createHash('sha256').update(spki).digest('base64url'),
    });
    const claims = decode(payload);
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
    delete claims.jti;
    assert.deepEqual(claims, {
      aud: [DEFAULT_ISSUER],
      exp: nowSeconds + 3600,
      iat: nowSeconds,
      iss: 'https://kubernetes.default.svc.cluster.local',
      'kubernetes.io': {
        namespace: 'team-a',
        pod: { name: 'web-0', uid: 'p-123' },
        serviceaccount: { name: 'builder', uid: 'a1b2c3' },
      },
      nbf: nowSeconds,
      sub: 'system:serviceaccount:team-a:builder',
    });
  });

  it('round-trips to the service account user', () => {
    const token = signServiceAccountToken(ec.privateKey, request, now);
    const user = verifyServiceAccountToken(ec.publicKey, token, now);
    assert.ok(user);
    const { extra, ...rest } = user;
    assert.deepEqual(rest, expectedUser);
    assert.deepEqual(extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
    assert.deepEqual(extra?.['authentication.kubernetes.io/pod-uid'], ['p-123']);
    assert.match(extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=/);
  });

  it('accepts PEM keys and RSA keys (RS256)', () => {
    const pem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const pub = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    assert.ok(verifyServiceAccountToken(pub, signServiceAccountToken(pem, request, now), now));
    const token = signServiceAccountToken(rsa.privateKey, request, now);
    assert.equal(decode(token.split('.')[0]).alg, 'RS256');
    assert.equal(verifyServiceAccountToken(rsa.publicKey, token, now)?.name, expectedUser.name);
  });

  it('has a signature an independent WebCrypto verifier accepts', async () => {
    const token = signServiceAccountToken(ec.privateKey, request, now);
    const [header = '', payload = '', signature = ''] = token.split('.');
    const key = await webcrypto.subtle.importKey(
      'spki',
      ec.publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const ok = await webcrypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      Buffer.from(signature, 'base64url'),
      Buffer.from(`${header}.${payload}`),
    );
    assert.equal(ok, true);
  });

  it('rejects tampered tokens and other keys', () => {
    const token = signServiceAccountToken(ec.privateKey, request, now);
    const [header = '', payload = '', signature = ''] = token.split('.');
    const claims = decode(payload);
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' }),
    ).toString('base64url');
    assert.equal(
      verifyServiceAccountToken(ec.publicKey, `${header}.${forged}.${signature}`, now),
      undefined,
    );
    const flipped =
      signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    assert.equal(
      verifyServiceAccountToken(ec.publicKey, `${header}.${payload}.${flipped}`, now),
      undefined,
    );
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(verifyServiceAccountToken(other.publicKey, token, now), undefined);
    assert.equal(verifyServiceAccountToken(rsa.publicKey, token, now), undefined);
    assert.equal(verifyServiceAccountToken(ec.publicKey, 'not.a.jwt', now), undefined);
    assert.equal(verifyServiceAccountToken(ec.publicKey, '', now), undefined);
  });

  it('rejects an unsigned token that claims alg none', () => {
    const token = signServiceAccountToken(ec.privateKey, request, now);
    const payload = token.split('.')[1] ?? '';
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    assert.equal(verifyServiceAccountToken(ec.publicKey, `${none}.${payload}.`, now), undefined);
  });

  it('expires, with kube-apiserver’s one minute of leeway', () => {
    const token = signServiceAccountToken(
      ec.privateKey,
      { ...request, expirationSeconds: 600 },
      now,
    );
    const at = (seconds: number): Date => new Date(now.getTime() + seconds * 1000);
    assert.ok(verifyServiceAccountToken(ec.publicKey, token, at(600)));
    assert.ok(verifyServiceAccountToken(ec.publicKey, token, at(659)));
    assert.equal(verifyServiceAccountToken(ec.publicKey, token, at(661)), undefined);
    assert.equal(verifyServiceAccountToken(ec.publicKey, token, at(86400)), undefined);
    // Not valid before it was issued (beyond the leeway) either.
    assert.ok(verifyServiceAccountToken(ec.publicKey, token, at(-59)));
    assert.equal(verifyServiceAccountToken(ec.publicKey, token, at(-61)), undefined);
  });

  it('checks issuer and audience', () => {
    const foreign = signServiceAccountToken(
      ec.privateKey,
      { ...request, audiences: undefined, issuer: 'https://elsewhere' },
      now,
    );
    assert.equal(verifyServiceAccountToken(ec.publicKey, foreign, now), undefined);
    assert.ok(
      verifyServiceAccountToken(ec.publicKey, foreign, now, { issuers: ['https://elsewhere'] }),
    );

    const vault = signServiceAccountToken(ec.privateKey, { ...request, audiences: ['vault'] }, now);
    assert.equal(verifyServiceAccountToken(ec.publicKey, vault, now), undefined);
    assert.ok(verifyServiceAccountToken(ec.publicKey, vault, now, { audiences: ['vault', 'api'] }));

    const defaulted = signServiceAccountToken(ec.privateKey, { ...request, audiences: [] }, now);
    assert.deepEqual(decode(defaulted.split('.')[1]).aud, [DEFAULT_ISSUER]);
  });

  it('omits the pod block for a token bound to no pod', () => {
    const { podName: _n, podUid: _u, ...unbound } = request;
    const token = signServiceAccountToken(ec.privateKey, unbound, now);
    assert.deepEqual(decode(token.split('.')[1])['kubernetes.io'], {
      namespace: 'team-a',
      serviceaccount: { name: 'builder', uid: 'a1b2c3' },
    });
    const user = verifyServiceAccountToken(ec.publicKey, token, now);
    assert.deepEqual(Object.keys(user?.extra ?? {}), [
      'authentication.kubernetes.io/credential-id',
    ]);
  });

  it('binds to a secret, names a node without a uid as kube does, and carries warnafter', () => {
    const { podName: _n, podUid: _u, ...unbound } = request;
    const token = signServiceAccountToken(
      ec.privateKey,
      { ...unbound, secretName: 'creds', secretUid: 's-1', nodeName: 'n1', warnAfterSeconds: 3607 },
      now,
    );
    assert.deepEqual(decode(token.split('.')[1])['kubernetes.io'], {
      namespace: 'team-a',
      serviceaccount: { name: 'builder', uid: 'a1b2c3' },
      secret: { name: 'creds', uid: 's-1' },
      node: { name: 'n1' },
      warnafter: nowSeconds + 3607,
    });
    const read = readServiceAccountToken(ec.publicKey, token, now);
    assert.deepEqual(read?.secret, { name: 'creds', uid: 's-1' });
    assert.deepEqual(read?.node, { name: 'n1', uid: '' });
    assert.equal(read?.warnAfter, nowSeconds + 3607);
    assert.deepEqual(read?.user.extra?.['authentication.kubernetes.io/node-name'], ['n1']);
    assert.equal(read?.user.extra?.['authentication.kubernetes.io/node-uid'], undefined);
  });

  it('refuses a token whose bound block is malformed', () => {
    const claims = decode(signServiceAccountToken(ec.privateKey, request, now).split('.')[1]);
    const k8s = claims['kubernetes.io'] as Record<string, unknown>;
    // Signed with the real key, so only the claim checks can refuse it.
    for (const pod of [{ name: 'web-0' }, 'web-0', { name: 1, uid: 'x' }]) {
      const bad = signJwtForTest({ ...claims, 'kubernetes.io': { ...k8s, pod } });
      assert.equal(
        verifyServiceAccountToken(ec.publicKey, bad, now),
        undefined,
        JSON.stringify(pod),
      );
    }
  });
});

function signJwtForTest(payload: object): string {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), {
    key: ec.privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url');
  return `${header}.${body}.${signature}`;
}
