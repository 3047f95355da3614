// Abuse of the dashboard's server (`skiff up`, API-only, on loopback): requests without or
// with a bad token, credentials the browser must not pass on (Authorization, cookies,
// impersonation), paths that try to leave the web app's directory, methods the pages do not
// take, upgrades without a token — each answered exactly and changing nothing — and a seeded
// fuzz loop over paths, methods and tokens.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { assertStatus, startAbuseServer, type AbuseServer, type RawRequest } from './support.js';
import { prng as seeded } from '../support/prng.js';

const ALICE = { token: 'alice-token-0123456789', user: 'alice', uid: 'alice-uid' };
const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const WATCHED = [CONFIGMAPS, '/api/v1/namespaces', '/api/v1/secrets'];

describe('dashboard server abuse', { timeout: 300_000 }, () => {
  let s: AbuseServer;
  let port: number;
  let before0: Record<string, string>;
  /** A request to the dashboard: no Authorization unless given, the token only when given. */
  const dash = (req: RawRequest & { token?: string }) =>
    s.send({
      as: 'anonymous',
      ...req,
      port,
      headers: { ...(req.token ? { 'x-dashboard-token': req.token } : {}), ...req.headers },
    });
  const assertUnchanged = async (what: string): Promise<void> =>
    assert.deepEqual(await s.snapshot(WATCHED), before0, `${what} changed stored objects`);

  before(async () => {
    s = startAbuseServer({ tokens: [ALICE], upArgs: ['--dashboard-port', '0'] });
    const svc = await s.send({
      path: '/api/v1/namespaces/kubernetes-dashboard/services/kubernetes-dashboard',
    });
    assert.equal(svc.status, 200, svc.text);
    port = svc.json.spec.ports[0].targetPort;
    before0 = await s.snapshot(WATCHED);
  });
  after(() => s?.stop());

  test('no token: 401 Status for reads and writes, nothing created', async () => {
    const unauthorized = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    };
    for (const [method, path] of [
      ['GET', '/k8s/api'],
      ['GET', '/k8s'],
      ['GET', `/k8s${CONFIGMAPS}?watch=1`],
      ['POST', `/k8s${CONFIGMAPS}`],
      ['DELETE', '/k8s/api/v1/namespaces/default'],
    ] as const) {
      const res = await dash({
        method,
        path,
        ...(method === 'POST'
          ? {
              body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"sneaky"}}',
              headers: { 'content-type': 'application/json' },
            }
          : {}),
      });
      assertStatus(res, 401, 'Unauthorized');
      assert.deepEqual(res.json, unauthorized);
    }
    await assertUnchanged('requests without a token');
  });

  test("the browser's Authorization header is never used: the admin's own is refused", async () => {
    const res = await dash({
      path: `/k8s${CONFIGMAPS}`,
      headers: { authorization: `Bearer ${s.cluster.adminToken}` },
    });
    assertStatus(res, 401, 'Unauthorized');
  });

  test('a wrong, empty, long or non-ASCII token is 401; headers past 16 KiB are 431', async () => {
    for (const token of ['wrong', ' ', 'x'.repeat(12_000), 'tøken']) {
      const res = await dash({ path: '/k8s/api', headers: { 'x-dashboard-token': token } });
      assertStatus(res, 401, 'Unauthorized');
    }
    const huge = await dash({
      path: '/k8s/api',
      headers: { 'x-dashboard-token': 'x'.repeat(20_000) },
    });
    assert.equal(huge.status, 431);
  });

  test('impersonation headers are not passed on: the user stays who the token says', async () => {
    const res = await dash({
      path: '/k8s/api/v1/secrets',
      token: ALICE.token,
      headers: { 'impersonate-user': 'admin', 'impersonate-group': 'system:masters' },
    });
    assertStatus(res, 403, 'Forbidden');
    assert.equal(
      res.json.message,
      'secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" at the cluster scope',
    );
  });

  test("the API server's refusals pass through as it wrote them", async () => {
    const bad = await dash({
      method: 'POST',
      path: `/k8s${CONFIGMAPS}`,
      token: s.cluster.adminToken,
      headers: { 'content-type': 'application/json' },
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":',
    });
    assertStatus(bad, 400, 'BadRequest');
    const notFound = await dash({
      path: `/k8s${CONFIGMAPS}/nothing-here`,
      token: s.cluster.adminToken,
    });
    assertStatus(notFound, 404, 'NotFound');
    assert.equal(notFound.json.message, 'configmaps "nothing-here" not found');
    await assertUnchanged('refused writes');
  });

  test('paths that leave the web app are 404; other methods than GET and HEAD are 405', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/./index.html',
      '/index.html%00',
      '/assets\\..\\index.html',
      '/%ff',
      '//etc/passwd',
      '/nothing-here.js',
    ]) {
      const res = await dash({ path });
      assert.equal(res.status, 404, `${path}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.doesNotMatch(res.text, /"name": "skiff"|root:x:0/);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await dash({ method, path: '/', body: 'x' });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers['allow'], 'GET, HEAD');
    }
  });

  test('pages carry a strict Content-Security-Policy and are not framed', async () => {
    const res = await dash({ path: '/' });
    assert.equal(res.status, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  test('a WebSocket upgrade without a token subprotocol is 401; outside /k8s it is 404', async () => {
    const upgrade = (path: string, protocols: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          socket.write(
            `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
              `Sec-WebSocket-Protocol: ${protocols}\r\n\r\n`,
          );
        });
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
      });
    const exec = '/k8s/api/v1/namespaces/default/pods/x/exec?command=sh';
    for (const protocols of [
      'v5.channel.k8s.io',
      'v5.channel.k8s.io, dashboard.token.',
      'dashboard.token.!!!',
    ]) {
      const text = await upgrade(exec, protocols);
      assert.match(text, /^HTTP\/1\.1 401 Unauthorized\r\n/, protocols);
      assert.match(text, /"reason":"Unauthorized"/);
    }
    const wrong = await upgrade(
      exec,
      `v5.channel.k8s.io, dashboard.token.${Buffer.from('wrong').toString('base64url')}`,
    );
    assert.match(wrong, /^HTTP\/1\.1 401 /);
    assert.match(await upgrade('/', 'x'), /^HTTP\/1\.1 404 /);
  });

  test('seeded fuzz: paths, methods and tokens never reach the API without a valid token', async () => {
    const rand = seeded(0xda5b0a7d);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const segments = [
      'k8s',
      'api',
      'apis',
      'v1',
      'namespaces',
      'default',
      'configmaps',
      'secrets',
      'assets',
      'index.html',
      '..',
      '.',
      '%2e%2e',
      '%2F',
      '%00',
      '%zz',
      '',
      'main.js',
      'chunks',
      '~',
      'proxy',
      'exec',
      '%252e%252e',
      'k8s%2fapi',
      ';',
      '?watch=1',
      '#frag',
    ];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    const tokens = [undefined, 'wrong', 'Bearer x', ALICE.token.slice(0, -1), 'a'.repeat(300)];
    for (let i = 0; i < 300; i++) {
      const parts = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => pick(segments));
      if (rand() < 0.5) parts.unshift('k8s');
      const path = '/' + parts.join('/');
      const method = pick(methods);
      const token = pick(tokens);
      const res = await dash({
        method,
        path,
        ...(token ? { token } : {}),
        ...(method === 'POST' || method === 'PUT' || method === 'PATCH'
          ? { body: '{"kind":"ConfigMap","metadata":{"name":"fuzz"}}' }
          : {}),
      });
      const where = `#${i} ${method} ${path} token=${token ?? '-'}`;
      assert.ok(res.status < 500, `${where}: ${res.status} ${res.text.slice(0, 200)}`);
      if (path === '/k8s' || path.startsWith('/k8s/') || path.startsWith('/k8s?')) {
        if (method === 'HEAD') assert.equal(res.status, 401, where);
        else assertStatus(res, 401, 'Unauthorized');
      } else assert.ok([200, 304, 404, 405].includes(res.status), `${where}: ${res.status}`);
    }
    await assertUnchanged('the fuzz loop');
  });
});
