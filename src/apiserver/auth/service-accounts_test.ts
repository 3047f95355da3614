import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { eventually } from '../../../test/support/eventually.js';
import { createMemoryStore, type Store } from '../../storage/index.js';
import { signServiceAccountToken, type ServiceAccountTokenRequest } from '../../pki/index.js';
import { followBoundObjects, type BoundObjectCache } from './bound-objects.js';
import { serviceAccountTokenAuthenticator } from './service-accounts.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

const object = (uid: string, deletionTimestamp?: string): string =>
  JSON.stringify({ metadata: { uid, ...(deletionTimestamp ? { deletionTimestamp } : {}) } });

/** Waits (bounded) until the cache reflects a write. */
const until = (check: () => boolean, what: string): Promise<true> =>
  eventually(() => check() || undefined, what, { timeoutMs: 1000, intervalMs: 5 });

describe('service-account token authentication', () => {
  let store: Store;
  let cache: BoundObjectCache;
  let now = new Date();
  const clock = { now: () => now };
  const authenticate = (token: string) =>
    serviceAccountTokenAuthenticator({
      keys: [key.publicKey],
      issuers: [ISSUER],
      audiences: [ISSUER],
      objects: cache,
      clock,
    })(token);
  const sign = (r: Partial<ServiceAccountTokenRequest> = {}) =>
    signServiceAccountToken(
      key.privateKey,
      { namespace: 'ns', serviceAccountName: 'sa', uid: 'sa-1', expirationSeconds: 3600, ...r },
      now,
    );

  before(async () => {
    store = createMemoryStore();
    await store.create('/registry/core/serviceaccounts/ns/sa', object('sa-1'));
    await store.create('/registry/core/pods/ns/p', object('pod-1'));
    await store.create('/registry/core/secrets/ns/s', object('sec-1'));
    await store.create('/registry/core/nodes/n', object('node-1'));
    cache = followBoundObjects(store);
    await cache.ready;
  });
  after(async () => {
    cache.close();
    await store.close();
  });

  it('accepts a token whose objects exist with the same uids', () => {
    assert.equal(authenticate(sign())?.name, 'system:serviceaccount:ns:sa');
    assert.ok(authenticate(sign({ podName: 'p', podUid: 'pod-1', nodeName: 'gone' })));
    assert.ok(authenticate(sign({ secretName: 's', secretUid: 'sec-1' })));
    assert.ok(authenticate(sign({ nodeName: 'n', nodeUid: 'node-1' })));
  });

  it('refuses tokens whose objects have other uids or do not exist', () => {
    assert.equal(authenticate(sign({ uid: 'sa-0' })), undefined);
    assert.equal(authenticate(sign({ serviceAccountName: 'other' })), undefined);
    assert.equal(authenticate(sign({ podName: 'p', podUid: 'pod-0' })), undefined);
    assert.equal(authenticate(sign({ podName: 'q', podUid: 'pod-1' })), undefined);
    assert.equal(authenticate(sign({ secretName: 's', secretUid: 'sec-0' })), undefined);
    assert.equal(authenticate(sign({ nodeName: 'n', nodeUid: 'node-0' })), undefined);
    assert.equal(authenticate('not-a-jwt'), undefined);
  });

  it('follows deletions and re-creations', async () => {
    const token = sign({ podName: 'p', podUid: 'pod-1' });
    await store.delete('/registry/core/pods/ns/p');
    await until(() => !cache.get('pods', 'ns', 'p'), 'the pod gone from the cache');
    assert.equal(authenticate(token), undefined);
    await store.create('/registry/core/pods/ns/p', object('pod-2'));
    await until(() => !!cache.get('pods', 'ns', 'p'), 'the pod in the cache');
    assert.equal(authenticate(token), undefined);
    assert.ok(authenticate(sign({ podName: 'p', podUid: 'pod-2' })));
  });

  it('keeps an object being deleted valid until its deletion time plus a minute', async () => {
    const token = sign({ secretName: 's', secretUid: 'sec-1' });
    const kv = await store.get('/registry/core/secrets/ns/s');
    const at = new Date(now.getTime() + 10_000);
    await store.update(
      '/registry/core/secrets/ns/s',
      object('sec-1', at.toISOString()),
      kv!.modRevision,
    );
    await until(
      () => !!cache.get('secrets', 'ns', 's')?.deletionTimestamp,
      'the secret marked deleted in the cache',
    );
    const saved = now;
    try {
      now = new Date(at.getTime() + 59_000);
      assert.ok(authenticate(token));
      now = new Date(at.getTime() + 61_000);
      // Still current by its own clock, but the secret is past its deletion.
      assert.equal(
        authenticate(
          signServiceAccountToken(
            key.privateKey,
            {
              namespace: 'ns',
              serviceAccountName: 'sa',
              uid: 'sa-1',
              expirationSeconds: 3600,
              secretName: 's',
              secretUid: 'sec-1',
            },
            now,
          ),
        ),
        undefined,
      );
    } finally {
      now = saved;
    }
  });
});
