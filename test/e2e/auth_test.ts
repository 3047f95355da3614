// Authentication against the API as the seeds show it with curl (002: a bearer token with
// --insecure; 003: anonymous 403, client certificates with --cacert), plus static token
// files, kubectl with a token-only kubeconfig, and the serving certificate seen by openssl.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  curl,
  hasKubectl,
  kubectlPath,
  run,
  runSkiff,
  startCluster,
  type RunResult,
  type TestCluster,
} from './harness.js';
import { eventually } from '../support/eventually.js';

const KUBECTL = hasKubectl(33) ? 33 : 27;

/** The Status kube-apiserver sends to an anonymous `curl -sk …/api/v1/pods` (seed 003). */
const ANONYMOUS_PODS_FORBIDDEN = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message:
    'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope',
  reason: 'Forbidden',
  details: { kind: 'pods' },
  code: 403,
};

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Unauthorized',
  reason: 'Unauthorized',
  code: 401,
};

function tokenKubeconfig(server: string, token: string, caPath?: string): string {
  const cluster = caPath
    ? `    certificate-authority: ${caPath}`
    : '    insecure-skip-tls-verify: true';
  return `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster:
    server: ${server}
${cluster}
users:
- name: token-user
  user:
    token: ${token}
contexts:
- name: token
  context:
    cluster: skiff
    user: token-user
current-context: token
`;
}

describe('authentication (seeds 002 and 003)', () => {
  let c: TestCluster;
  let tmp: string;
  let pki: string;
  const kubectl = (kubeconfig: string, args: string[]): Promise<RunResult> =>
    run(kubectlPath(KUBECTL), [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      join(tmp, `cache-${kubeconfig.length}`),
      ...args,
    ]);

  before(() => {
    c = startCluster();
    tmp = mkdtempSync(join(tmpdir(), 'skiff-auth-'));
    pki = join(c.dataDir, 'pki');
  });
  after(() => {
    c.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('anonymous curl -sk on /api/v1/pods gets the Forbidden Status of seed 003', async () => {
    const r = await curl(['-k', `${c.server}/api/v1/pods`]);
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), ANONYMOUS_PODS_FORBIDDEN);
    // Over HTTP/1.1 too.
    const h1 = await curl(['-k', '--http1.1', `${c.server}/api/v1/pods`]);
    assert.equal(h1.status, 403);
    assert.deepEqual(JSON.parse(h1.body), ANONYMOUS_PODS_FORBIDDEN);
  });

  test('anonymous Forbidden is scoped to the namespace when one is named', async () => {
    const r = await curl(['-k', `${c.server}/api/v1/namespaces/default/pods`]);
    assert.equal(r.status, 403);
    const s = JSON.parse(r.body) as { message: string };
    assert.equal(
      s.message,
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
    );
  });

  test('the Forbidden Status fields come in the order kube-apiserver writes them', async () => {
    const r = await curl(['-sk', `${c.server}/api/v1/pods`]);
    assert.equal(r.body, JSON.stringify(ANONYMOUS_PODS_FORBIDDEN) + '\n');
  });

  test('anonymous /version, /healthz, /livez and /readyz answer; /api does not', async () => {
    const v = await curl(['-k', `${c.server}/version`]);
    assert.equal(v.status, 200);
    const info = JSON.parse(v.body) as { major: string; minor: string; gitVersion: string };
    assert.match(info.gitVersion, /^v1\.\d+\.\d+/);
    assert.equal(info.major, '1');
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const h = await curl(['-k', `${c.server}${p}`]);
      assert.equal(h.status, 200, p);
      assert.equal(h.body, 'ok', p);
    }
    const api = await curl(['-k', `${c.server}/api`]);
    assert.equal(api.status, 403);
    assert.equal(
      (JSON.parse(api.body) as { message: string }).message,
      'forbidden: User "system:anonymous" cannot get path "/api"',
    );
  });

  test('curl $APISERVER/api with the bearer token and --insecure gives APIVersions (seed 002)', async () => {
    const r = await curl([
      `${c.server}/api`,
      '--header',
      `Authorization: Bearer ${c.adminToken}`,
      '--insecure',
    ]);
    assert.equal(r.status, 200, r.body);
    const v = JSON.parse(r.body) as {
      kind: string;
      versions: string[];
      serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
    };
    assert.equal(v.kind, 'APIVersions');
    assert.deepEqual(v.versions, ['v1']);
    assert.equal(v.serverAddressByClientCIDRs.length, 1);
    assert.equal(v.serverAddressByClientCIDRs[0]?.clientCIDR, '0.0.0.0/0');
    assert.match(v.serverAddressByClientCIDRs[0]?.serverAddress ?? '', /^[\d.]+:\d+$/);
    // The same token reads resources.
    const pods = await curl([
      `${c.server}/api/v1/pods`,
      '--header',
      `Authorization: Bearer ${c.adminToken}`,
      '--insecure',
    ]);
    assert.equal(pods.status, 200, pods.body);
    assert.equal((JSON.parse(pods.body) as { kind: string }).kind, 'PodList');
  });

  test('serverAddressByClientCIDRs names the port the server listens on', async () => {
    const r = await curl(['-sk', '-H', `Authorization: Bearer ${c.adminToken}`, `${c.server}/api`]);
    const v = JSON.parse(r.body) as { serverAddressByClientCIDRs: { serverAddress: string }[] };
    assert.match(v.serverAddressByClientCIDRs[0]?.serverAddress ?? '', new RegExp(`:${c.port}$`));
  });

  test('curl with --key --cert --cacert lists pods, with the CA verifying the server (seed 003)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const r = await curl([
        `https://${host}:${c.port}/api/v1/pods`,
        '--key',
        join(pki, 'admin.key'),
        '--cert',
        join(pki, 'admin.crt'),
        '--cacert',
        join(pki, 'ca.crt'),
      ]);
      assert.equal(r.status, 200, `${host}: ${r.body} ${r.raw.stderr}`);
      const list = JSON.parse(r.body) as { kind: string; items: unknown[] };
      assert.equal(list.kind, 'PodList');
      assert.ok(Array.isArray(list.items));
    }
    // The seed's own spelling: -sk plus the client certificate.
    const sk = await curl([
      '-sk',
      `${c.server}/api/v1/pods`,
      '--key',
      join(pki, 'admin.key'),
      '--cert',
      join(pki, 'admin.crt'),
      '--cacert',
      join(pki, 'ca.crt'),
    ]);
    assert.equal(sk.status, 200);
  });

  test('the CA does not vouch for a server name outside the certificate', async () => {
    // curl --resolve maps a foreign name onto the server: verification must fail.
    const r = await curl([
      '--resolve',
      `not-the-apiserver.example:${c.port}:127.0.0.1`,
      '--cacert',
      join(pki, 'ca.crt'),
      `https://not-the-apiserver.example:${c.port}/version`,
    ]);
    assert.notEqual(r.raw.code, 0);
    assert.equal(r.status, 0);
  });

  test('a wrong bearer token is 401 Unauthorized, even on public paths', async () => {
    for (const path of ['/api/v1/pods', '/api', '/version']) {
      const r = await curl(['-k', '-H', 'Authorization: Bearer not-a-token', `${c.server}${path}`]);
      assert.equal(r.status, 401, path);
      assert.deepEqual(JSON.parse(r.body), UNAUTHORIZED, path);
    }
  });

  test('a client certificate from another CA is 401 Unauthorized, not anonymous', async () => {
    const key = join(tmp, 'rogue.key');
    const crt = join(tmp, 'rogue.crt');
    const gen = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      crt,
      '-subj',
      '/O=system:masters/CN=mallory',
      '-days',
      '1',
    ]);
    assert.equal(gen.code, 0, gen.stderr);
    const r = await curl(['-k', '--cert', crt, '--key', key, `${c.server}/api/v1/pods`]);
    assert.equal(r.status, 401);
    assert.deepEqual(JSON.parse(r.body), UNAUTHORIZED);
  });

  test('a certificate without client-auth usage (the serving cert) is refused', async () => {
    const r = await curl([
      '-k',
      '--cert',
      join(pki, 'apiserver.crt'),
      '--key',
      join(pki, 'apiserver.key'),
      `${c.server}/api/v1/pods`,
    ]);
    assert.equal(r.status, 401);
  });

  test('kubectl with a token-only kubeconfig', async () => {
    const kc = join(tmp, 'token.kubeconfig');
    writeFileSync(kc, tokenKubeconfig(c.server, c.adminToken, join(pki, 'ca.crt')));
    const ns = await kubectl(kc, ['get', 'namespaces', '-o', 'name']);
    assert.equal(ns.code, 0, ns.stderr);
    assert.match(ns.stdout, /^namespace\/default$/m);
    assert.match(ns.stdout, /^namespace\/kube-system$/m);
    const who = await kubectl(kc, ['auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    const user = (JSON.parse(who.stdout) as { status: { userInfo: { groups: string[] } } }).status
      .userInfo;
    assert.ok(user.groups.includes('system:masters'), JSON.stringify(user));
    assert.ok(user.groups.includes('system:authenticated'), JSON.stringify(user));

    const bad = join(tmp, 'bad.kubeconfig');
    writeFileSync(bad, tokenKubeconfig(c.server, 'wrong-token'));
    const denied = await kubectl(bad, ['get', 'pods']);
    assert.notEqual(denied.code, 0);
    // kubectl ≥ 1.30 words the 401 as "the server has asked for the client to provide credentials".
    assert.match(
      denied.stderr,
      /You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/,
    );
  });

  test('kubectl proxy authenticates for curl on loopback (seeds 002 and 003)', async () => {
    const proxy = spawn(kubectlPath(KUBECTL), ['--kubeconfig', c.kubeconfig, 'proxy', '--port=0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      proxy.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const m = await eventually(
        () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out) ?? undefined,
        () => `kubectl proxy to start: ${out}`,
        15_000,
      );
      const base = `http://localhost:${m[1]}`;
      const api = await curl([`${base}/api/`]);
      assert.equal(api.status, 200, api.body);
      const v = JSON.parse(api.body) as { kind: string; versions: string[] };
      assert.equal(v.kind, 'APIVersions');
      assert.deepEqual(v.versions, ['v1']);
      const pods = await curl(['-s', `${base}/api/v1/pods`]);
      assert.equal(pods.status, 200, pods.body);
      assert.equal((JSON.parse(pods.body) as { kind: string }).kind, 'PodList');
    } finally {
      proxy.kill('SIGTERM');
    }
  });

  test('openssl s_client: SANs of the serving certificate, verified by the CA, ALPN h2', async () => {
    const s = await run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${c.port}`,
        '-servername',
        'localhost',
        '-alpn',
        'h2',
        '-CAfile',
        join(pki, 'ca.crt'),
      ],
      { timeoutMs: 15_000 },
    );
    assert.match(s.stdout, /ALPN protocol: h2/);
    assert.match(s.stdout, /Verify return code: 0 \(ok\)/);
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(s.stdout)?.[0];
    assert.ok(pem, s.stdout);
    const x = await run('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: pem });
    assert.equal(x.code, 0, x.stderr);
    for (const san of [
      'IP Address:127.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'IP Address:10.96.0.1',
    ])
      assert.ok(x.stdout.includes(san), `${san} missing from ${x.stdout}`);
    // HTTP/1.1 is offered too.
    const h1 = await run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${c.port}`, '-alpn', 'http/1.1'],
      { timeoutMs: 15_000 },
    );
    assert.match(h1.stdout, /ALPN protocol: http\/1\.1/);
  });
});

describe('skiff up --token-auth-file', () => {
  let dataDir: string;
  let server: string;
  let caPath: string;
  let tmp: string;
  let adminToken: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'skiff-tokens-'));
    dataDir = join(tmp, 'data');
    const file = join(tmp, 'tokens.csv');
    writeFileSync(
      file,
      [
        '# token,user,uid,"groups"',
        'dev-token-31337,jane,uid-jane,"developers,qa"',
        'ops-token-4242,olga,uid-olga,"system:masters"',
        'plain-token-7,bob,uid-bob',
        '',
      ].join('\n'),
    );
    const r = runSkiff([
      'up',
      '--detach',
      '--data-dir',
      dataDir,
      '--api-port',
      '0',
      '--token-auth-file',
      file,
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const port = (
      JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as { port: number }
    ).port;
    server = `https://127.0.0.1:${port}`;
    caPath = join(dataDir, 'pki', 'ca.crt');
    adminToken = (readFileSync(join(dataDir, 'tokens.csv'), 'utf8').split(',')[0] ?? '').trim();
  });
  after(() => {
    runSkiff(['down', '--data-dir', dataDir]);
    rmSync(tmp, { recursive: true, force: true });
  });

  const get = (token: string, path: string) =>
    curl(['--cacert', caPath, '-H', `Authorization: Bearer ${token}`, `${server}${path}`]);

  test('a user outside system:masters reads discovery but not pods', async () => {
    for (const path of ['/api', '/apis', '/version', '/api/v1']) {
      const r = await get('dev-token-31337', path);
      assert.equal(r.status, 200, `${path}: ${r.body}`);
    }
    const pods = await get('dev-token-31337', '/api/v1/pods');
    assert.equal(pods.status, 403);
    assert.deepEqual(JSON.parse(pods.body), {
      ...ANONYMOUS_PODS_FORBIDDEN,
      message:
        'pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope',
    });
    const secret = await get('plain-token-7', '/api/v1/namespaces/default/secrets/x');
    assert.equal(secret.status, 403);
    assert.equal(
      (JSON.parse(secret.body) as { message: string }).message,
      'secrets "x" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "default"',
    );
  });

  test('a user in system:masters from the file, and the cluster admin token, list pods', async () => {
    for (const token of ['ops-token-4242', adminToken]) {
      const r = await get(token, '/api/v1/pods');
      assert.equal(r.status, 200, r.body);
    }
  });

  test('the file user identity reaches kubectl (auth whoami, can-i, Forbidden)', async () => {
    const kc = join(tmp, 'jane.kubeconfig');
    writeFileSync(kc, tokenKubeconfig(server, 'dev-token-31337', caPath));
    const k = (args: string[]) =>
      run(kubectlPath(KUBECTL), ['--kubeconfig', kc, '--cache-dir', join(tmp, 'cache'), ...args]);
    const who = await k(['auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    assert.deepEqual(
      (JSON.parse(who.stdout) as { status: { userInfo: unknown } }).status.userInfo,
      { username: 'jane', uid: 'uid-jane', groups: ['developers', 'qa', 'system:authenticated'] },
    );
    const canI = await k(['auth', 'can-i', 'list', 'pods']);
    assert.equal(canI.stdout.trim(), 'no');
    assert.notEqual(canI.code, 0);
    const pods = await k(['get', 'pods']);
    assert.notEqual(pods.code, 0);
    assert.match(
      pods.stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/,
    );
  });

  test('a missing token file makes skiff up fail clearly', () => {
    const dir = join(tmp, 'other');
    const r = runSkiff([
      'up',
      '--detach',
      '--data-dir',
      dir,
      '--api-port',
      '0',
      '--token-auth-file',
      join(tmp, 'no-such-file.csv'),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: --token-auth-file: .*no-such-file\.csv: no such file$/m);
    const status = runSkiff(['status', '--data-dir', dir]);
    assert.notEqual(status.code, 0);

    const malformed = join(tmp, 'malformed.csv');
    writeFileSync(malformed, 'only-a-token,and-a-name\n');
    const m = runSkiff([
      'up',
      '--data-dir',
      dir,
      '--api-port',
      '0',
      '--token-auth-file',
      malformed,
    ]);
    assert.equal(m.code, 1);
    assert.match(
      m.stderr,
      /malformed\.csv line 1: must have at least 3 columns \(token, user name, user uid\), found 2/,
    );
  });
});
