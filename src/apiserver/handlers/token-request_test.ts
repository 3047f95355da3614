import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { DEFAULT_ISSUER } from '../../pki/index.js';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const NS = 'tr';
const TOKEN = `/api/v1/namespaces/${NS}/serviceaccounts/robot/token`;
const WHOAMI = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };

const claimsOf = (token: string): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));

describe('TokenRequest', () => {
  let t: TestApiServer;
  let saUid = '';
  let podUid = '';
  before(async () => {
    t = await startTestServer({ serviceAccountTokens: { signingKey: key.privateKey } });
    await t.namespace(NS);
    const sa = await t.post(`/api/v1/namespaces/${NS}/serviceaccounts`, {
      metadata: { name: 'robot' },
    });
    saUid = sa.json<any>().metadata.uid;
    const pod = await t.post(`/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: 'p' },
      spec: {
        serviceAccountName: 'robot',
        nodeName: 'ghost-node',
        containers: [{ name: 'c', image: 'busybox' }],
      },
    });
    assert.equal(pod.status, 201, pod.text);
    podUid = pod.json<any>().metadata.uid;
  });
  after(() => t.close());

  const request = (spec: object, query = '') =>
    t.post(`${TOKEN}${query}`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec,
    });

  it('issues a token with the defaults and kube’s claims, which authenticates', async () => {
    const res = await request({});
    assert.equal(res.status, 201, res.text);
    const body = res.json<any>();
    assert.equal(body.kind, 'TokenRequest');
    assert.deepEqual(body.spec, {
      audiences: [DEFAULT_ISSUER],
      expirationSeconds: 3600,
      boundObjectRef: null,
    });
    const c = claimsOf(body.status.token);
    assert.equal(c.exp - c.iat, 3600);
    assert.equal(c.nbf, c.iat);
    assert.equal(new Date(body.status.expirationTimestamp).getTime() / 1000, c.exp);
    assert.deepEqual(c['kubernetes.io'], {
      namespace: NS,
      serviceaccount: { name: 'robot', uid: saUid },
    });
    const who = await t.post(WHOAMI, review, { as: { token: body.status.token } });
    assert.equal(who.json<any>().status.userInfo.username, `system:serviceaccount:${NS}:robot`);
  });

  it('binds to a pod (naming its node) and extends the kubelet’s 3607 s to a year', async () => {
    const res = await request({
      expirationSeconds: 3607,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: podUid },
    });
    assert.equal(res.status, 201, res.text);
    const body = res.json<any>();
    const c = claimsOf(body.status.token);
    assert.deepEqual(c['kubernetes.io'].pod, { name: 'p', uid: podUid });
    assert.deepEqual(c['kubernetes.io'].node, { name: 'ghost-node' });
    assert.equal(c['kubernetes.io'].warnafter, c.iat + 3607);
    assert.equal(c.exp - c.iat, 365 * 24 * 3600);
    // The status still reports what was asked.
    assert.equal(new Date(body.status.expirationTimestamp).getTime() / 1000, c.iat + 3607);
  });

  it('shortens lifetimes over the maximum, with a warning', async () => {
    const res = await request({ expirationSeconds: 7 * 24 * 3600 });
    assert.equal(res.status, 201);
    assert.equal(res.json<any>().spec.expirationSeconds, 48 * 3600);
    assert.match(
      String(res.headers['warning'] ?? ''),
      /requested expiration of 604800 seconds shortened to 172800 seconds/,
    );
  });

  it('refuses what kube-apiserver refuses', async () => {
    const cases: [object, number, string][] = [
      [
        { expirationSeconds: 10 },
        422,
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 10: may not specify a duration less than 10 minutes',
      ],
      [
        { expirationSeconds: 2 ** 33 },
        422,
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 8589934592: may not specify a duration larger than 2^32 seconds',
      ],
      [
        { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } },
        404,
        'pods "nope" not found',
      ],
      [
        { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'other' } },
        409,
        'Operation cannot be fulfilled on Pod "p": the UID in the bound object reference (other) does not match the UID in record. The object might have been deleted and then recreated',
      ],
      [
        { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } },
        400,
        'cannot bind token to object of type /v1, Kind=ConfigMap',
      ],
      [
        { boundObjectRef: { kind: 'Pod', apiVersion: 'apps/v1', name: 'p' } },
        400,
        'cannot bind token to object of type apps/v1, Kind=Pod',
      ],
    ];
    for (const [spec, code, message] of cases) {
      const res = await request(spec);
      assert.equal(res.status, code, res.text);
      assert.equal(res.json<any>().message, message);
    }
    const malformed = await request({ expirationSeconds: 'x' });
    assert.equal(malformed.status, 400, malformed.text);
    const missing = await t.post(`/api/v1/namespaces/${NS}/serviceaccounts/ghost/token`, {});
    assert.equal(missing.status, 404);
    assert.equal(missing.json<any>().message, 'serviceaccounts "ghost" not found');
    const get = await t.get(TOKEN);
    assert.equal(get.status, 405);
  });
});
