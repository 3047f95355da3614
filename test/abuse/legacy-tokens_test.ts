// Secret-based (legacy) service-account tokens against a real server: the token of a filled
// secret works; one whose secret holds another token, is invalidated, deleted or names a
// replaced account is 401, as are legacy tokens signed by another key or with claims that
// do not match; a seeded fuzz of claim mutations is 401 every time, changing nothing.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signJwt } from '../../src/pki/jwt.js';
import { signLegacyServiceAccountToken } from '../../src/pki/index.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng } from '../support/prng.js';

const NS = 'legacy-abuse';
const JSON_HEADERS = { 'content-type': 'application/json' };
const WHOAMI = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
const SNAPSHOT = [`/api/v1/namespaces/${NS}/serviceaccounts`, SECRETS];

describe('legacy service-account tokens', () => {
  let s: AbuseServer;
  let saKey: string;
  let saUid: string;

  const post = (path: string, body: unknown, as?: { token: string }): Promise<RawResponse> =>
    s.send({
      method: 'POST',
      path,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      ...(as ? { as } : {}),
    });
  const whoami = (token: string) =>
    post(WHOAMI, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { token });
  /** The token is refused with 401 and the request changed nothing. */
  const refused = async (token: string, what: string): Promise<void> => {
    const before = await s.snapshot(SNAPSHOT);
    const res = await whoami(token);
    assertStatus(res, 401, 'Unauthorized');
    assert.equal(res.json.message, 'Unauthorized', what);
    assert.deepEqual(await s.snapshot(SNAPSHOT), before, what);
  };
  const tokenSecret = async (name: string): Promise<string> => {
    const res = await post(SECRETS, {
      metadata: { name, annotations: { 'kubernetes.io/service-account.name': 'robot' } },
      type: 'kubernetes.io/service-account-token',
    });
    assert.equal(res.status, 201, res.text);
    for (let i = 0; i < 200; i++) {
      const got = await s.send({ path: `${SECRETS}/${name}` });
      const b64 = got.json?.data?.token as string | undefined;
      if (b64) return Buffer.from(b64, 'base64').toString('utf8');
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`secret ${name} was never filled`);
  };
  const patchSecret = async (name: string, patch: object): Promise<void> => {
    const res = await s.send({
      method: 'PATCH',
      path: `${SECRETS}/${name}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(patch),
    });
    assert.equal(res.status, 200, res.text);
  };

  before(async () => {
    s = startAbuseServer();
    saKey = readFileSync(join(s.cluster.dataDir, 'pki', 'sa.key'), 'utf8');
    assert.equal((await post('/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
    const sa = await post(`/api/v1/namespaces/${NS}/serviceaccounts`, {
      metadata: { name: 'robot' },
    });
    assert.equal(sa.status, 201, sa.text);
    saUid = sa.json.metadata.uid;
  });
  after(() => s?.stop());

  test('a filled secret’s token works; changed, invalidated or deleted, it is 401', async () => {
    const token = await tokenSecret('robot-a');
    const ok = await whoami(token);
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.status.userInfo.username, `system:serviceaccount:${NS}:robot`);
    assert.equal(ok.json.status.userInfo.uid, saUid);

    await patchSecret('robot-a', { data: { token: Buffer.from('replaced').toString('base64') } });
    await refused(token, 'the secret holds another token');
    await patchSecret('robot-a', { data: { token: Buffer.from(token).toString('base64') } });
    assert.equal((await whoami(token)).status, 201);
    await patchSecret('robot-a', {
      metadata: { labels: { 'kubernetes.io/legacy-token-invalid-since': '2026-01-01' } },
    });
    await refused(token, 'the secret is invalidated');
    const del = await s.send({ method: 'DELETE', path: `${SECRETS}/robot-a` });
    assert.equal(del.status, 200, del.text);
    await refused(token, 'the secret is gone');
  });

  test('legacy tokens that were never issued: other key, other secret, other uid', async () => {
    const real = await tokenSecret('robot-b');
    const subject = {
      namespace: NS,
      serviceAccountName: 'robot',
      serviceAccountUid: saUid,
      secretName: 'robot-b',
    };
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await refused(signLegacyServiceAccountToken(other, subject), 'signed by another key');
    // Signed with the cluster's key, but not the token the secret holds.
    const minted = signLegacyServiceAccountToken(saKey, subject);
    assert.notEqual(minted, real);
    await refused(
      signLegacyServiceAccountToken(saKey, { ...subject, secretName: 'missing' }),
      'a secret that does not exist',
    );
    await refused(
      signLegacyServiceAccountToken(saKey, { ...subject, serviceAccountUid: 'not-the-uid' }),
      'another account uid',
    );
    assert.equal((await whoami(real)).status, 201);
  });

  test('a seeded fuzz of legacy claims: every changed token is 401', async () => {
    const real = await tokenSecret('robot-c');
    const claims = JSON.parse(
      Buffer.from(real.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as Record<string, unknown>;
    const rand = prng(0x1e9);
    const keys = Object.keys(claims);
    const values = ['', 'robot', 'robot-c', NS, 'default', saUid, 'x'.repeat(300), 42, null];
    for (let i = 0; i < 60; i++) {
      const mutated: Record<string, unknown> = { ...claims };
      const k = keys[Math.floor(rand() * keys.length)] ?? 'sub';
      const op = rand();
      if (op < 0.3) delete mutated[k];
      else if (op < 0.9) mutated[k] = values[Math.floor(rand() * values.length)];
      else mutated['exp'] = 1;
      if (JSON.stringify(mutated) === JSON.stringify(claims)) continue;
      // Re-signed with the cluster's own key: only the secret's copy makes a token good.
      await refused(signJwt(saKey, mutated), `case ${i}: ${JSON.stringify(mutated)}`);
    }
    assert.equal((await whoami(real)).status, 201);
  });
});
