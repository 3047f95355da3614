import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { isNotFound, resources } from '../../client/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { readLegacyServiceAccountToken } from '../../pki/index.js';
import { SA_NAME_ANNOTATION, SA_TOKEN_TYPE, SA_UID_ANNOTATION, tokensController } from './index.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: unknown): string => Buffer.from(String(s), 'base64').toString('utf8');

const gone = (get: () => Promise<unknown>, what: string) =>
  eventually(async () => {
    try {
      await get();
      return undefined;
    } catch (e) {
      return isNotFound(e) ? true : undefined;
    }
  }, what);

async function withNamespace(env: ControllerTestEnv, ns: string): Promise<void> {
  await env.client.create(resources.namespaces, '', { metadata: { name: ns } });
}

describe('token controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([tokensController({ signingKey: key.privateKey, caPem: 'CA' })]);
  });
  after(async () => env.stop());

  it('fills a hand-made token secret with a legacy token, ca.crt, namespace and the uid', async () => {
    await withNamespace(env, 'fill');
    const sa = await env.client.create(resources.serviceAccounts, 'fill', {
      metadata: { name: 'robot' },
    });
    await env.client.create(resources.secrets, 'fill', {
      metadata: { name: 'robot-secret', annotations: { [SA_NAME_ANNOTATION]: 'robot' } },
      type: SA_TOKEN_TYPE,
    });
    const s = await eventually(async () => {
      const got = await env.client.get(resources.secrets, 'fill', 'robot-secret');
      return (got['data'] as Record<string, string> | undefined)?.['token'] ? got : undefined;
    }, 'filled secret');
    const data = s['data'] as Record<string, string>;
    assert.equal(unb64(data['ca.crt']), 'CA');
    assert.equal(unb64(data['namespace']), 'fill');
    assert.equal(s.metadata.annotations?.[SA_UID_ANNOTATION], sa.metadata.uid);
    const claims = readLegacyServiceAccountToken(key.publicKey, unb64(data['token']));
    assert.equal(claims?.secretName, 'robot-secret');
    assert.equal(claims?.serviceAccountUid, sa.metadata.uid);
    // A token already there is kept.
    await env.client.create(resources.secrets, 'fill', {
      metadata: { name: 'own-token', annotations: { [SA_NAME_ANNOTATION]: 'robot' } },
      type: SA_TOKEN_TYPE,
      data: { token: b64('mine') },
    });
    const own = await eventually(async () => {
      const got = await env.client.get(resources.secrets, 'fill', 'own-token');
      return (got['data'] as Record<string, string>)['ca.crt'] ? got : undefined;
    }, 'own token secret filled');
    assert.equal(unb64((own['data'] as Record<string, string>)['token']), 'mine');
  });

  it('deletes token secrets of missing or replaced accounts, and an account’s secrets with it', async () => {
    await withNamespace(env, 'orphans');
    await env.client.create(resources.secrets, 'orphans', {
      metadata: { name: 'ghost', annotations: { [SA_NAME_ANNOTATION]: 'nobody' } },
      type: SA_TOKEN_TYPE,
    });
    await gone(() => env.client.get(resources.secrets, 'orphans', 'ghost'), 'orphan deleted');
    await env.client.create(resources.serviceAccounts, 'orphans', { metadata: { name: 'a' } });
    await env.client.create(resources.secrets, 'orphans', {
      metadata: {
        name: 'old-uid',
        annotations: { [SA_NAME_ANNOTATION]: 'a', [SA_UID_ANNOTATION]: 'not-the-uid' },
      },
      type: SA_TOKEN_TYPE,
    });
    await gone(() => env.client.get(resources.secrets, 'orphans', 'old-uid'), 'uid mismatch');
    await env.client.create(resources.secrets, 'orphans', {
      metadata: { name: 'a-token', annotations: { [SA_NAME_ANNOTATION]: 'a' } },
      type: SA_TOKEN_TYPE,
    });
    // An ordinary secret naming the account is none of the controller's business.
    await env.client.create(resources.secrets, 'orphans', {
      metadata: { name: 'opaque', annotations: { [SA_NAME_ANNOTATION]: 'a' } },
      data: { x: b64('y') },
    });
    await eventually(async () => {
      const got = await env.client.get(resources.secrets, 'orphans', 'a-token');
      return (got['data'] as Record<string, string> | undefined)?.['token'] ? got : undefined;
    }, 'a-token filled');
    await env.client.delete(resources.serviceAccounts, 'orphans', 'a');
    await gone(() => env.client.get(resources.secrets, 'orphans', 'a-token'), 'secret of a');
    const opaque = await env.client.get(resources.secrets, 'orphans', 'opaque');
    assert.equal(opaque.metadata.name, 'opaque');
  });
});

describe('token controller with auto-generated secrets (pre-1.24)', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([
      tokensController({ signingKey: key.privateKey, caPem: 'CA', autoGenerate: true }),
    ]);
  });
  after(async () => env.stop());

  it('gives each account one NAME-token-XXXXX secret listed in .secrets, again after deletion', async () => {
    await withNamespace(env, 'auto');
    await env.client.create(resources.serviceAccounts, 'auto', { metadata: { name: 'robot' } });
    const first = await eventually(async () => {
      const sa = await env.client.get(resources.serviceAccounts, 'auto', 'robot');
      return (sa['secrets'] as { name: string }[] | undefined)?.[0]?.name;
    }, 'a referenced token secret');
    assert.match(first, /^robot-token-[b-z2-9]{5}$/);
    const secret = await env.client.get(resources.secrets, 'auto', first);
    assert.equal(secret['type'], SA_TOKEN_TYPE);
    assert.ok((secret['data'] as Record<string, string>)['token']);
    // Deleting the secret takes it out of .secrets, and a new one replaces it.
    await env.client.delete(resources.secrets, 'auto', first);
    const second = await eventually(async () => {
      const sa = await env.client.get(resources.serviceAccounts, 'auto', 'robot');
      const names = ((sa['secrets'] ?? []) as { name: string }[]).map((r) => r.name);
      return names.length === 1 && names[0] !== first ? names[0] : undefined;
    }, 'a replacement token secret');
    assert.match(second, /^robot-token-/);
    const all = await env.client.list(resources.secrets, 'auto');
    assert.deepEqual(
      all.items.map((s) => s.metadata.name),
      [second],
    );
  });
});
