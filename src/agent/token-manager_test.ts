// The token manager against a real API server (in-process): TokenRequests bound to the pod,
// cached, and asked for again past 80% of their lifetime, as the kubelet's token manager.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../test/support/inprocess.js';
import { resources } from '../client/index.js';
import { createTokenManager } from './token-manager.js';

/** A JWT's claims, unverified (the API server signed it; here only its content matters). */
const claims = (jwt: string): Record<string, any> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));

describe('service-account token manager', () => {
  let api: TestApi;
  let pod: { name: string; uid: string };
  let now = new Date();
  const clock = { now: () => now };

  before(async () => {
    api = await startTestApi({ serviceAccounts: true });
    const p = await api.client.create(resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    pod = { name: 'p', uid: p.metadata.uid ?? '' };
  });
  after(() => api.close());

  const request = (extra: { audiences?: string[]; expirationSeconds?: number } = {}) => ({
    namespace: 'default',
    serviceAccountName: 'default',
    expirationSeconds: 3607,
    pod,
    ...extra,
  });

  it('asks the API server for a token bound to the pod, and caches it', async () => {
    now = new Date();
    const tokens = createTokenManager(api.client, clock);
    const first = await tokens.get(request());
    const k8s = claims(first)['kubernetes.io'];
    assert.equal(k8s.pod.uid, pod.uid);
    assert.equal(k8s.serviceaccount.name, 'default');
    assert.equal(await tokens.get(request()), first);
    // Another audience is another token.
    const other = await tokens.get(request({ audiences: ['vault'] }));
    assert.notEqual(other, first);
    assert.deepEqual(claims(other)['aud'], ['vault']);
  });

  it('asks again once 80% of the lifetime has passed', async () => {
    now = new Date();
    const tokens = createTokenManager(api.client, clock);
    const first = await tokens.get(request({ expirationSeconds: 1000 }));
    now = new Date(Date.now() + 700_000 - 20_000); // 68%, less the jitter
    assert.equal(await tokens.get(request({ expirationSeconds: 1000 })), first);
    now = new Date(Date.now() + 800_000 + 1000); // past 80%
    // (the new token may carry the same claims: wait for a new second of issue)
    await new Promise((r) => setTimeout(r, 1100));
    const second = await tokens.get(request({ expirationSeconds: 1000 }));
    assert.notEqual(second, first);
  });

  it('keeps serving a token not yet expired while the API refuses, and forgets a pod', async () => {
    now = new Date();
    const tokens = createTokenManager(api.client, clock);
    const first = await tokens.get(request({ expirationSeconds: 1000 }));
    await api.client.delete(resources.serviceAccounts, 'default', 'default');
    try {
      now = new Date(Date.now() + 900_000);
      assert.equal(await tokens.get(request({ expirationSeconds: 1000 })), first);
      tokens.forgetPod(pod.uid);
      await assert.rejects(tokens.get(request({ expirationSeconds: 1000 })), /not found/);
    } finally {
      await api.client.create(resources.serviceAccounts, 'default', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: 'default' },
      });
    }
  });
});
