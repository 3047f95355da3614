import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer } from '../index.js';
import { createMemoryStore } from '../../storage/index.js';
import { createClient, createInProcessTransport } from '../../client/index.js';

it('answers TokenReview and SubjectAccessReview', async () => {
  const store = createMemoryStore();
  const server = await createApiServer({
    store,
    tls: { cert: '', key: '', ca: '' },
    tokenAuthenticators: [
      (t) => (t === 'good-token' ? { name: 'alice', groups: ['devs'] } : undefined),
    ],
  });
  await server.bootstrap();
  const client = createClient(
    createInProcessTransport((req) =>
      server.handler({
        ...req,
        credentials: { certificateUser: { name: 'admin', groups: ['system:masters'] } },
      }),
    ),
  );
  try {
    const tr = {
      group: 'authentication.k8s.io',
      version: 'v1',
      plural: 'tokenreviews',
      namespaced: false,
    };
    const good = await client.create(tr, '', { metadata: {}, spec: { token: 'good-token' } });
    assert.deepEqual(good['status'], {
      authenticated: true,
      user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
    });
    const bad = await client.create(tr, '', { metadata: {}, spec: { token: 'nope' } });
    assert.equal((bad['status'] as { authenticated: boolean }).authenticated, false);
    const sar = {
      group: 'authorization.k8s.io',
      version: 'v1',
      plural: 'subjectaccessreviews',
      namespaced: false,
    };
    const admin = await client.create(sar, '', {
      metadata: {},
      spec: {
        user: 'root',
        groups: ['system:masters'],
        resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'default' },
      },
    });
    assert.equal((admin['status'] as { allowed: boolean }).allowed, true);
    const alice = await client.create(sar, '', {
      metadata: {},
      spec: {
        user: 'alice',
        groups: ['devs'],
        resourceAttributes: { verb: 'delete', resource: 'pods', namespace: 'default' },
      },
    });
    assert.equal((alice['status'] as { allowed: boolean }).allowed, false);
  } finally {
    await server.close();
    await store.close();
  }
});
