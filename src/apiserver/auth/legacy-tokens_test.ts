import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { eventually } from '../../../test/support/eventually.js';
import { createMemoryStore, type Store } from '../../storage/index.js';
import { signLegacyServiceAccountToken } from '../../pki/index.js';
import { followBoundObjects, type BoundObjectCache } from './bound-objects.js';
import { serviceAccountTokenAuthenticator } from './service-accounts.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const SECRET_KEY = '/registry/core/secrets/ns/robot-token';
const SA_KEY = '/registry/core/serviceaccounts/ns/robot';

const token = signLegacyServiceAccountToken(key.privateKey, {
  namespace: 'ns',
  serviceAccountName: 'robot',
  serviceAccountUid: 'sa-1',
  secretName: 'robot-token',
});

const secret = (o: { token?: string; labels?: Record<string, string>; deleting?: boolean } = {}) =>
  JSON.stringify({
    metadata: {
      uid: 'sec-1',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.deleting ? { deletionTimestamp: '2030-01-01T00:00:00Z' } : {}),
    },
    type: 'kubernetes.io/service-account-token',
    data: { token: Buffer.from(o.token ?? token).toString('base64') },
  });

const until = (check: () => boolean, what: string): Promise<true> =>
  eventually(() => check() || undefined, what, { timeoutMs: 1000, intervalMs: 5 });

describe('legacy (secret-based) service-account tokens', () => {
  let store: Store;
  let cache: BoundObjectCache;
  const now = new Date('2030-06-01T23:30:00Z');
  const used: string[] = [];
  const authenticate = (t: string) =>
    serviceAccountTokenAuthenticator({
      keys: [key.publicKey],
      issuers: [ISSUER],
      audiences: [ISSUER],
      objects: cache,
      clock: { now: () => now },
      onLegacyTokenUsed: (ns, name, today) => used.push(`${ns}/${name}@${today}`),
    })(t);
  /** Replaces the stored secret and waits until the cache shows the change. */
  const write = async (value: string | undefined) => {
    const seen = JSON.stringify(cache.get('secrets', 'ns', 'robot-token'));
    const cur = await store.get(SECRET_KEY);
    if (value === undefined) await store.delete(SECRET_KEY);
    else if (cur) await store.update(SECRET_KEY, value, cur.modRevision);
    else await store.create(SECRET_KEY, value);
    await until(
      () => JSON.stringify(cache.get('secrets', 'ns', 'robot-token')) !== seen,
      'the cache sees the secret change',
    );
  };

  before(async () => {
    store = createMemoryStore();
    await store.create(SA_KEY, JSON.stringify({ metadata: { uid: 'sa-1' } }));
    await store.create(SECRET_KEY, secret());
    cache = followBoundObjects(store);
    await cache.ready;
  });
  after(async () => {
    cache.close();
    await store.close();
  });

  it('accepts the token its secret holds, as the account, and reports the day it was used', () => {
    assert.deepEqual(authenticate(token), {
      name: 'system:serviceaccount:ns:robot',
      uid: 'sa-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated'],
    });
    assert.deepEqual(used, ['ns/robot-token@2030-06-01']);
  });

  it('does not report a day already recorded (today or, across midnight, tomorrow)', async () => {
    used.length = 0;
    await write(secret({ labels: { 'kubernetes.io/legacy-token-last-used': '2030-06-02' } }));
    assert.ok(authenticate(token));
    assert.deepEqual(used, []);
  });

  it('refuses a token its secret no longer holds, an invalidated or deleted secret', async () => {
    await write(secret({ token: 'another' }));
    assert.equal(authenticate(token), undefined);
    await write(secret({ labels: { 'kubernetes.io/legacy-token-invalid-since': '2030-01-01' } }));
    assert.equal(authenticate(token), undefined);
    await write(secret({ deleting: true }));
    assert.equal(authenticate(token), undefined);
    await write(undefined);
    assert.equal(authenticate(token), undefined);
    await write(secret());
    assert.ok(authenticate(token));
  });

  it('refuses it once the account is gone or replaced', async () => {
    await store.update(
      SA_KEY,
      JSON.stringify({ metadata: { uid: 'sa-2' } }),
      (await store.get(SA_KEY))?.modRevision ?? 0,
    );
    await until(() => cache.get('serviceaccounts', 'ns', 'robot')?.uid === 'sa-2', 'new uid');
    assert.equal(authenticate(token), undefined);
  });

  it('refuses a legacy token signed by another key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = signLegacyServiceAccountToken(other.privateKey, {
      namespace: 'ns',
      serviceAccountName: 'robot',
      serviceAccountUid: 'sa-1',
      secretName: 'robot-token',
    });
    assert.equal(authenticate(forged), undefined);
  });
});

describe('legacy tokens of auto-generated secrets', () => {
  it("carry kube-apiserver's warning when the account lists the secret", async () => {
    const store = createMemoryStore();
    await store.create(
      SA_KEY,
      JSON.stringify({ metadata: { uid: 'sa-1' }, secrets: [{ name: 'robot-token' }] }),
    );
    await store.create(SECRET_KEY, secret());
    const cache = followBoundObjects(store);
    await cache.ready;
    const warnings: string[] = [];
    const user = serviceAccountTokenAuthenticator({
      keys: [key.publicKey],
      issuers: [ISSUER],
      audiences: [ISSUER],
      objects: cache,
      clock: { now: () => new Date() },
    })(token, (w) => warnings.push(w));
    assert.equal(user?.name, 'system:serviceaccount:ns:robot');
    assert.deepEqual(warnings, [
      'Use tokens from the TokenRequest API or manually created secret-based tokens instead of auto-generated secret-based tokens.',
    ]);
    cache.close();
    await store.close();
  });
});
