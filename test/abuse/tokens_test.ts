// Service-account tokens against a real server: tokens from TokenRequest work until the
// service account, or the pod or secret they are bound to, is deleted or replaced; expired,
// foreign, forged, unsigned and mangled tokens are 401; TokenRequest refuses bad input with
// kube-apiserver's codes and changes nothing.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signServiceAccountToken } from '../../src/pki/index.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng } from '../support/prng.js';

const NS = 'tokens-abuse';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const JSON_HEADERS = { 'content-type': 'application/json' };
const WHOAMI = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const SNAPSHOT = [
  `/api/v1/namespaces/${NS}/serviceaccounts`,
  `/api/v1/namespaces/${NS}/pods`,
  `/api/v1/namespaces/${NS}/secrets`,
];

const tokenPath = (sa: string): string => `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`;
const claimsOf = (token: string): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('service-account tokens', () => {
  let s: AbuseServer;
  let saKey: string;

  const post = (path: string, body: unknown, as?: { token: string }): Promise<RawResponse> =>
    s.send({
      method: 'POST',
      path,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      ...(as ? { as } : {}),
    });
  const create = async (plural: string, body: object): Promise<any> => {
    const res = await post(`/api/v1/namespaces/${NS}/${plural}`, body);
    assert.equal(res.status, 201, res.text);
    return res.json;
  };
  /** Deletes the object; the caller checks tokens at once, then that it is gone. */
  const remove = async (plural: string, name: string): Promise<() => Promise<void>> => {
    const res = await s.send({
      method: 'DELETE',
      path: `/api/v1/namespaces/${NS}/${plural}/${name}`,
    });
    assert.equal(res.status, 200, res.text);
    return async () => {
      // Gone from the API (an unscheduled pod goes at once).
      const get = await s.send({ path: `/api/v1/namespaces/${NS}/${plural}/${name}` });
      assert.equal(get.status, 404, get.text);
    };
  };
  const requestToken = async (sa: string, spec: object = {}): Promise<string> => {
    const res = await post(tokenPath(sa), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec,
    });
    assert.equal(res.status, 201, res.text);
    return res.json.status.token;
  };
  const whoami = (token: string): Promise<RawResponse> =>
    post(WHOAMI, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, { token });
  const assertWorks = async (token: string, user: string): Promise<RawResponse> => {
    const res = await whoami(token);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.status.userInfo.username, user);
    return res;
  };
  const assertRefused = async (token: string, what: string): Promise<void> => {
    const res = await whoami(token);
    assertStatus(res, 401, 'Unauthorized');
    assert.equal(res.json.message, 'Unauthorized', what);
  };
  const podBody = (name: string, sa: string) => ({
    metadata: { name },
    spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'busybox' }] },
  });
  /** Signs with the cluster's own service-account key, as a forger holding it could. */
  const signed = (claims: object, alg = 'ES256'): string => {
    const header = b64({ alg });
    const body = b64(claims);
    const signature = sign('sha256', Buffer.from(`${header}.${body}`), {
      key: saKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    return `${header}.${body}.${signature}`;
  };

  before(async () => {
    s = startAbuseServer();
    saKey = readFileSync(join(s.cluster.dataDir, 'pki', 'sa.key'), 'utf8');
    const ns = await post('/api/v1/namespaces', { metadata: { name: NS } });
    assert.equal(ns.status, 201, ns.text);
    for (const name of ['robot', 'bystander'])
      await create('serviceaccounts', { metadata: { name } });
  });
  after(() => s?.stop());

  test('a TokenRequest token authenticates as its service account, with kube’s claims', async () => {
    const sa = (await s.send({ path: `/api/v1/namespaces/${NS}/serviceaccounts/robot` })).json;
    const res = await post(tokenPath('robot'), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.kind, 'TokenRequest');
    assert.equal(res.json.apiVersion, 'authentication.k8s.io/v1');
    assert.deepEqual(res.json.spec, {
      audiences: [ISSUER],
      expirationSeconds: 3600,
      boundObjectRef: null,
    });
    const token = res.json.status.token as string;
    const c = claimsOf(token);
    assert.equal(c.iss, ISSUER);
    assert.deepEqual(c.aud, [ISSUER]);
    assert.equal(c.sub, `system:serviceaccount:${NS}:robot`);
    assert.equal(c.exp - c.iat, 3600);
    assert.equal(c.nbf, c.iat);
    assert.match(c.jti, /^[0-9a-f-]{36}$/);
    assert.deepEqual(c['kubernetes.io'], {
      namespace: NS,
      serviceaccount: { name: 'robot', uid: sa.metadata.uid },
    });
    assert.equal(Date.parse(res.json.status.expirationTimestamp) / 1000, c.exp);
    const who = await assertWorks(token, `system:serviceaccount:${NS}:robot`);
    assert.deepEqual(who.json.status.userInfo.groups, [
      'system:serviceaccounts',
      `system:serviceaccounts:${NS}`,
      'system:authenticated',
    ]);
    assert.equal(who.json.status.userInfo.uid, sa.metadata.uid);
  });

  test('deleting the service account ends its tokens, and a new one with the name does not revive them', async () => {
    await create('serviceaccounts', { metadata: { name: 'shortlived' } });
    const user = `system:serviceaccount:${NS}:shortlived`;
    const token = await requestToken('shortlived');
    await assertWorks(token, user);
    const gone = await remove('serviceaccounts', 'shortlived');
    // Refused at once: the deletion is seen before its response is sent.
    await assertRefused(token, 'after the service account was deleted');
    await gone();
    await create('serviceaccounts', { metadata: { name: 'shortlived' } });
    await assertRefused(token, 'after the service account was recreated with a new uid');
    await assertWorks(await requestToken('shortlived'), user);
  });

  test('a token bound to a pod ends with the pod', async () => {
    const pod = await create('pods', podBody('bound-pod', 'robot'));
    const token = await requestToken('robot', {
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound-pod', uid: pod.metadata.uid },
    });
    assert.deepEqual(claimsOf(token)['kubernetes.io'].pod, {
      name: 'bound-pod',
      uid: pod.metadata.uid,
    });
    const who = await assertWorks(token, `system:serviceaccount:${NS}:robot`);
    assert.deepEqual(who.json.status.userInfo.extra['authentication.kubernetes.io/pod-name'], [
      'bound-pod',
    ]);
    const gone = await remove('pods', 'bound-pod');
    // Refused at once: the deletion is seen before its response is sent.
    await assertRefused(token, 'after the bound pod was deleted');
    await gone();
    // A new pod of the same name is another pod.
    await create('pods', podBody('bound-pod', 'robot'));
    await assertRefused(token, 'after the bound pod was recreated');
  });

  test('a token bound to a secret ends with the secret', async () => {
    await create('secrets', { metadata: { name: 'bound-secret' }, stringData: { a: 'b' } });
    const token = await requestToken('robot', {
      boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'bound-secret' },
    });
    assert.equal(claimsOf(token)['kubernetes.io'].secret.name, 'bound-secret');
    await assertWorks(token, `system:serviceaccount:${NS}:robot`);
    const gone = await remove('secrets', 'bound-secret');
    // Refused at once: the deletion is seen before its response is sent.
    await assertRefused(token, 'after the bound secret was deleted');
    await gone();
  });

  test('expired, foreign-audience, foreign-issuer, forged and unsigned tokens are 401', async () => {
    const sa = (await s.send({ path: `/api/v1/namespaces/${NS}/serviceaccounts/robot` })).json;
    const now = Math.floor(Date.now() / 1000);
    const good = {
      iss: ISSUER,
      aud: [ISSUER],
      sub: `system:serviceaccount:${NS}:robot`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      'kubernetes.io': { namespace: NS, serviceaccount: { name: 'robot', uid: sa.metadata.uid } },
    };
    // The control: the same construction with nothing wrong is accepted.
    await assertWorks(signed(good), good.sub);
    await assertRefused(
      signed({ ...good, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
      'expired',
    );
    await assertRefused(signed({ ...good, nbf: now + 3600, iat: now + 3600 }), 'not yet valid');
    await assertRefused(signed({ ...good, aud: ['vault'] }), 'another audience');
    await assertRefused(
      await requestToken('robot', { audiences: ['vault'] }),
      'requested for vault',
    );
    await assertRefused(signed({ ...good, iss: 'https://elsewhere' }), 'another issuer');
    await assertRefused(
      signed({ ...good, sub: `system:serviceaccount:${NS}:bystander` }),
      'sub mismatch',
    );
    await assertRefused(signed({ ...good, exp: undefined }), 'no expiry');
    await assertRefused(signed(good, 'RS256'), 'header alg that is not the key’s');

    const token = await requestToken('robot');
    const [header = '', payload = '', signature = ''] = token.split('.');
    const escalated = b64({ ...claimsOf(token), sub: 'system:serviceaccount:kube-system:default' });
    await assertRefused(`${header}.${escalated}.${signature}`, 'altered payload');
    const flipped = signature.slice(0, 5) + (signature[5] === 'A' ? 'B' : 'A') + signature.slice(6);
    await assertRefused(`${header}.${payload}.${flipped}`, 'altered signature');
    await assertRefused(`${b64({ alg: 'none' })}.${payload}.`, 'alg none');
    await assertRefused(
      `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`,
      'alg none, signed',
    );
    await assertRefused(`${b64({ alg: 'HS256' })}.${payload}.${signature}`, 'HMAC');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreign = signServiceAccountToken(other.privateKey, {
      namespace: NS,
      serviceAccountName: 'robot',
      uid: sa.metadata.uid,
      expirationSeconds: 3600,
    });
    await assertRefused(foreign, 'signed by another key');
  });

  test('TokenRequest refuses bad input with kube-apiserver’s codes and changes nothing', async () => {
    const pod = await create('pods', podBody('req-pod', 'robot'));
    const other = await create('pods', podBody('bystander-pod', 'bystander'));
    const before = await s.snapshot(SNAPSHOT);
    const cases: {
      what: string;
      path?: string;
      body: unknown;
      code: number;
      reason: string;
      message: string;
    }[] = [
      {
        what: 'expirationSeconds 10',
        body: { spec: { expirationSeconds: 10 } },
        code: 422,
        reason: 'Invalid',
        message:
          'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 10: may not specify a duration less than 10 minutes',
      },
      {
        what: 'a missing pod',
        body: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } } },
        code: 404,
        reason: 'NotFound',
        message: 'pods "nope" not found',
      },
      {
        what: 'a missing secret',
        body: { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 'nope' } } },
        code: 404,
        reason: 'NotFound',
        message: 'secrets "nope" not found',
      },
      {
        what: 'a wrong uid',
        body: {
          spec: {
            boundObjectRef: {
              kind: 'Pod',
              apiVersion: 'v1',
              name: 'req-pod',
              uid: other.metadata.uid,
            },
          },
        },
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on Pod "req-pod": the UID in the bound object reference (${other.metadata.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      },
      {
        what: 'a wrong kind',
        body: { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } },
        code: 400,
        reason: 'BadRequest',
        message: 'cannot bind token to object of type /v1, Kind=ConfigMap',
      },
      {
        what: 'a pod of another service account',
        body: {
          spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bystander-pod' } },
        },
        code: 400,
        reason: 'BadRequest',
        message:
          'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.',
      },
      {
        what: 'a missing service account',
        path: tokenPath('ghost'),
        body: { spec: {} },
        code: 404,
        reason: 'NotFound',
        message: 'serviceaccounts "ghost" not found',
      },
      {
        what: 'another name in the body',
        body: { metadata: { name: 'bystander' }, spec: {} },
        code: 422,
        reason: 'Invalid',
        message:
          'TokenRequest.authentication.k8s.io "robot" is invalid: metadata.name: Invalid value: "bystander": must match the service account name if specified',
      },
      {
        what: 'another kind in the body',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'Pod', spec: {} },
        code: 400,
        reason: 'BadRequest',
        message:
          'Pod in version "v1" cannot be handled as a TokenRequest: the kind in the data (Pod) does not match the expected kind (TokenRequest)',
      },
    ];
    for (const c of cases) {
      const res = await post(c.path ?? tokenPath('robot'), c.body);
      assertStatus(res, c.code, c.reason);
      assert.equal(res.json.message, c.message, c.what);
    }
    const get = await s.send({ path: tokenPath('robot') });
    assertStatus(get, 405, 'MethodNotAllowed');
    // Only create on serviceaccounts/token lets one mint tokens: a service account cannot.
    const robot = await requestToken('robot');
    const denied = await post(tokenPath('bystander'), { spec: {} }, { token: robot });
    assertStatus(denied, 403, 'Forbidden');
    assert.equal(
      denied.json.message,
      `serviceaccounts "bystander" is forbidden: User "system:serviceaccount:${NS}:robot" cannot create resource "serviceaccounts/token" in API group "" in the namespace "${NS}"`,
    );
    // A dry run stores nothing either (nothing is ever stored) and answers the same way.
    const dry = await post(`${tokenPath('robot')}?dryRun=All`, {
      spec: {
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'req-pod', uid: pod.metadata.uid },
      },
    });
    assert.equal(dry.status, 201, dry.text);
    const badDry = await post(`${tokenPath('robot')}?dryRun=Some`, { spec: {} });
    assertStatus(badDry, 422, 'Invalid');
    assert.deepEqual(await s.snapshot(SNAPSHOT), before);
  });

  test('lifetimes past the maximum are shortened with a warning', async () => {
    const res = await post(tokenPath('robot'), { spec: { expirationSeconds: 7 * 24 * 3600 } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.spec.expirationSeconds, 48 * 3600);
    const c = claimsOf(res.json.status.token);
    assert.equal(c.exp - c.iat, 48 * 3600);
    assert.match(
      String(res.headers['warning']),
      /^299 - "requested expiration of 604800 seconds shortened to 172800 seconds"$/,
    );
  });

  test('mangled tokens are always 401, never a 5xx (seeded fuzz)', async () => {
    const token = await requestToken('robot');
    const random = prng(8);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/';
    const mutations: ((t: string) => string)[] = [
      (t) => {
        const i = Math.floor(random() * t.length);
        return t.slice(0, i) + pick([...alphabet]) + t.slice(i + 1);
      },
      (t) => t.slice(0, Math.floor(random() * t.length)),
      (t) => t + pick([...alphabet]).repeat(1 + Math.floor(random() * 8)),
      (t) => t.split('.').reverse().join('.'),
      (t) => {
        const parts = t.split('.');
        parts.splice(Math.floor(random() * 3), 0, pick(['', 'e30', 'bnVsbA', 'W10', 'MA']));
        return parts.join('.');
      },
      (t) => {
        const [h = '', , sig = ''] = t.split('.');
        // Claims of the original token, one field replaced by a value of another shape.
        const claims = claimsOf(token);
        const field = pick(['exp', 'iat', 'nbf', 'aud', 'iss', 'sub', 'kubernetes.io', 'jti']);
        claims[field] = pick([null, 0, -1, 1e308, '', 'x', [], {}, [null], { a: 1 }, true]);
        return pick([`${h}.${b64(claims)}.${sig}`, signed(claims)]);
      },
      (t) => {
        const [, p = '', sig = ''] = t.split('.');
        return `${b64(pick([{}, { alg: 'ES256', crit: ['x'] }, { alg: null }, [], 'ES256', { alg: 'none' }]))}.${p}.${sig}`;
      },
      () =>
        Array.from({ length: 1 + Math.floor(random() * 200) }, () => pick([...alphabet])).join(''),
    ];
    let count = 0;
    for (let i = 0; i < 300; i++) {
      let mangled = token;
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) mangled = pick(mutations)(mangled);
      if (mangled === token || !mangled) continue;
      const res = await whoami(mangled);
      assert.ok(res.status < 500, `case ${i}: ${res.status} for ${mangled}`);
      // A mutation that leaves a valid token (e.g. padding the signature's base64) may pass.
      if (res.status === 201) continue;
      assertStatus(res, 401, 'Unauthorized');
      count++;
    }
    assert.ok(count > 250, `only ${count} refused`);
    // And TokenRequest bodies built the same way never 5xx.
    let granted = 0;
    const values = [null, 0, -1, 10, 600, 3.5, 2 ** 40, '', 'x', [], {}, [null], ['a', 1], true];
    for (let i = 0; i < 100; i++) {
      const spec: Record<string, unknown> = {};
      for (const f of ['audiences', 'expirationSeconds', 'boundObjectRef'])
        if (random() < 0.6) spec[f] = pick(values);
      if (random() < 0.3)
        spec['boundObjectRef'] = {
          kind: pick(['Pod', 'Secret', 'Node', 'ConfigMap', '', 1, null]),
          apiVersion: pick(['v1', '', 'apps/v1', 'a/b/c', null]),
          name: pick(['req-pod', '', 'nope', 1, null]),
          uid: pick(['', 'x', null]),
        };
      const res = await post(tokenPath('robot'), { spec });
      assert.ok(res.status < 500, `spec ${JSON.stringify(spec)}: ${res.status} ${res.text}`);
      assert.ok(
        [201, 400, 404, 409, 422].includes(res.status),
        `${JSON.stringify(spec)}: ${res.text}`,
      );
      if (res.status === 201) {
        // What was granted is well formed.
        assert.ok(Number.isInteger(res.json.spec.expirationSeconds), res.text);
        assert.ok(
          res.json.spec.audiences.every((a: unknown) => typeof a === 'string'),
          res.text,
        );
        granted++;
      }
    }
    assert.ok(granted > 0, 'no well-formed request in the sample');
  });
});
