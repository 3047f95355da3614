// The node server's front as the kubelet's: authentication (client certificates of the
// cluster CA, bearer tokens by TokenReview), authorization by SubjectAccessReview on
// nodes/<subresource>, Go's mux answers, and the plain endpoints. A real API server answers
// the reviews; requests are written by hand over TLS.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  createHostBackend,
  NODE_NAME,
  startNodeServer,
  type Caller,
  type NodeServerHarness,
} from '../../../test/support/node-server.js';

let h: NodeServerHarness;
let stats: NodeServerHarness;
let admin: Caller;
/** Holds `var-log/` (the node's log directory) and, beside it, a file it must not reach. */
let logRoot: string;
let logDir: string;
const MTIME = new Date('2026-03-04T05:06:07Z');

before(async () => {
  logRoot = mkdtempSync(join(tmpdir(), 'skiff-node-logs-'));
  logDir = join(logRoot, 'var-log');
  mkdirSync(join(logDir, 'pods'), { recursive: true });
  writeFileSync(join(logRoot, 'secret.txt'), 'outside the log directory\n');
  writeFileSync(join(logDir, 'syslog'), 'line one\nline two\n');
  writeFileSync(join(logDir, 'pods', 'web.log'), 'web\n');
  writeFileSync(join(logDir, 'a:b <x>.log'), 'odd\n');
  writeFileSync(join(logDir, 'syslog.1.gz'), gzipSync('old\n'));
  for (const f of ['syslog', 'pods']) utimesSync(join(logDir, f), MTIME, MTIME);
  h = await startNodeServer({
    backend: createHostBackend(),
    logDir,
    tokens: {
      'bob-token': { name: 'bob', groups: [] },
      'root-token': { name: 'root', groups: ['system:masters'] },
    },
  });
  admin = { cert: h.apiserverClient };
  await h.createPod('web');
  await h.createPod('elsewhere', { nodeName: 'node-2' });
  stats = await startNodeServer({
    backend: createHostBackend(),
    stats: {
      summary: () => Promise.resolve({ node: { nodeName: NODE_NAME }, pods: [] }),
      resourceMetrics: () => Promise.resolve('# HELP scrape_error 1 if there was an error\n'),
    },
  });
});
after(async () => {
  await h.close();
  await stats.close();
  rmSync(logRoot, { recursive: true, force: true });
});

describe('authentication', () => {
  it('refuses a request without credentials with 401 Unauthorized', async () => {
    const r = await h.raw('GET', '/pods');
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized');
  });

  it('refuses a bad bearer token, and asks the API server once within the cache time', async () => {
    const before = h.tokenReviews();
    for (let i = 0; i < 3; i++) {
      const r = await h.raw('GET', '/healthz', { caller: { token: 'nope' } });
      assert.equal(r.status, 401);
      assert.equal(r.body, 'Unauthorized');
    }
    assert.equal(h.tokenReviews() - before, 1);
  });

  it('refuses a client certificate from another CA', async () => {
    const r = await h.raw('GET', '/healthz', { caller: { cert: h.foreignClient } });
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Unauthorized');
  });

  it('refuses a certificate of the cluster CA that is not for client authentication', async () => {
    const r = await h.raw('GET', '/healthz', { caller: { cert: h.serving } });
    assert.equal(r.status, 401);
  });

  it("admits the API server's kubelet client certificate (system:masters)", async () => {
    const r = await h.raw('GET', '/healthz', { caller: admin });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
  });

  it('admits a privileged bearer token', async () => {
    const r = await h.raw('GET', '/healthz', { caller: { token: 'root-token' } });
    assert.equal(r.status, 200);
  });
});

describe('authorization', () => {
  it("forbids an unprivileged user with the kubelet's text", async () => {
    const r = await h.raw('POST', '/exec/default/web/app?command=ls&output=1', {
      caller: { token: 'bob-token' },
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.body,
      'Forbidden (user=bob, verb=create, resource=nodes, subresource(s)=[proxy])',
    );
    const pods = await h.raw('GET', '/pods', { caller: { token: 'bob-token' } });
    assert.equal(pods.status, 403);
    assert.equal(
      pods.body,
      'Forbidden (user=bob, verb=get, resource=nodes, subresource(s)=[pods proxy])',
    );
  });

  it('asks about nodes/<subresource> by path, the fine-grained ones falling back to proxy', async () => {
    const cases: [string, string, string[]][] = [
      ['GET', '/stats/summary', ['stats']],
      ['GET', '/metrics/resource', ['metrics']],
      ['GET', '/pods', ['pods', 'proxy']],
      ['GET', '/healthz', ['healthz', 'proxy']],
      ['GET', '/configz', ['configz', 'proxy']],
      ['GET', '/logs/', ['log']],
      ['POST', '/exec/default/web/app?command=ls&output=1', ['proxy']],
      ['GET', '/containerLogs/default/web/app', ['proxy']],
      ['DELETE', '/portForward/default/web', ['proxy']],
    ];
    // A new user each time: decisions are cached per user and attributes.
    let n = 0;
    for (const [method, path, subresources] of cases) {
      const name = `carol-${n++}`;
      const from = h.accessReviews.length;
      // /stats and /metrics/resource exist only on the server with statistics.
      const target = path.startsWith('/stats') || path.startsWith('/metrics') ? stats : h;
      const start = target.accessReviews.length;
      const carol = { cert: target.issueClient(name, ['team']) };
      const r = await target.raw(method, path, { caller: carol });
      assert.equal(r.status, 403, path);
      const sent = target === h ? h.accessReviews.slice(from) : stats.accessReviews.slice(start);
      assert.deepEqual(
        sent.map((s) => s['resourceAttributes']),
        subresources.map((subresource) => ({
          verb: method === 'POST' ? 'create' : method === 'DELETE' ? 'delete' : 'get',
          group: '',
          version: 'v1',
          resource: 'nodes',
          subresource,
          name: NODE_NAME,
        })),
        path,
      );
      assert.equal(sent[0]?.['user'], name);
      assert.deepEqual(sent[0]?.['groups'], ['team']);
    }
  });

  it('caches decisions: a second request asks nothing', async () => {
    await h.raw('GET', '/configz', { caller: admin });
    const from = h.accessReviews.length;
    const r = await h.raw('GET', '/configz', { caller: admin });
    assert.equal(r.status, 200);
    assert.equal(h.accessReviews.length, from);
  });
});

describe('endpoints', () => {
  it('/pods lists the pods bound to this node', async () => {
    const r = await h.raw('GET', '/pods', { caller: admin });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const list = JSON.parse(r.body) as {
      kind: string;
      apiVersion: string;
      items: { metadata: { name: string } }[];
    };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(
      list.items.map((p) => p.metadata.name),
      ['web'],
    );
    const post = await h.raw('POST', '/pods', { caller: admin });
    assert.equal(post.status, 405);
    assert.equal(post.body, '405: Method Not Allowed');
  });

  it('/healthz answers ok (and each check, and verbosely)', async () => {
    for (const p of ['/healthz', '/healthz/ping', '/healthz/syncloop']) {
      const r = await h.raw('GET', p, { caller: admin });
      assert.equal(r.status, 200, p);
      assert.equal(r.body, 'ok', p);
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    }
    const v = await h.raw('GET', '/healthz?verbose', { caller: admin });
    assert.match(v.body, /healthz check passed\n$/);
  });

  it('/configz reports the kubelet configuration that applies', async () => {
    const r = await h.raw('GET', '/configz', { caller: admin });
    assert.equal(r.status, 200);
    const c = (JSON.parse(r.body) as { kubeletconfig: Record<string, unknown> }).kubeletconfig;
    assert.equal(c['port'], h.port);
    assert.deepEqual(c['clusterDNS'], ['10.96.0.10']);
    assert.equal(c['clusterDomain'], 'cluster.local');
    assert.equal(c['podCIDR'], '10.244.0.0/24');
    assert.deepEqual(c['authentication'], {
      x509: { clientCAFile: 'ca.crt' },
      webhook: { enabled: true, cacheTTL: '2m0s' },
      anonymous: { enabled: false },
    });
    assert.deepEqual(c['authorization'], {
      mode: 'Webhook',
      webhook: { cacheAuthorizedTTL: '5m0s', cacheUnauthorizedTTL: '30s' },
    });
  });

  it("answers a path nothing serves with Go's 404, before authentication", async () => {
    for (const p of ['/nothing', '/metrics', '/metrics/cadvisor', '/', '/checkpoint/x']) {
      const r = await h.raw('GET', p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body, '404 page not found\n', p);
    }
  });

  it("answers unknown routes under a served root with go-restful's 404, after authentication", async () => {
    assert.equal((await h.raw('GET', '/exec/default/web')).status, 401);
    const r = await h.raw('GET', '/exec/default/web', { caller: admin });
    assert.equal(r.status, 404);
    assert.equal(r.body, '404: Page Not Found');
    const put = await h.raw('PUT', '/exec/default/web/app', { caller: admin });
    assert.equal(put.status, 405);
  });

  it('redirects unclean paths as ServeMux does', async () => {
    const r = await h.raw('GET', '/pods/../healthz?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers['location'], '/healthz?x=1');
    assert.equal(r.body, '<a href="/healthz?x=1">Moved Permanently</a>.\n\n');
  });

  it('without statistics, /stats/ and /metrics/resource are not served', async () => {
    for (const p of ['/stats/summary', '/metrics/resource']) {
      const r = await h.raw('GET', p, { caller: admin });
      assert.equal(r.status, 404, p);
      assert.equal(r.body, '404 page not found\n', p);
    }
  });

  it('with statistics, serves the summary and the resource metrics', async () => {
    const sum = await stats.raw('GET', '/stats/summary', {
      caller: { cert: stats.apiserverClient },
    });
    assert.equal(sum.status, 200);
    assert.deepEqual(JSON.parse(sum.body), { node: { nodeName: NODE_NAME }, pods: [] });
    const m = await stats.raw('GET', '/metrics/resource', {
      caller: { cert: stats.apiserverClient },
    });
    assert.equal(m.status, 200);
    assert.equal(m.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(m.body, /^# HELP scrape_error/);
    const other = await stats.raw('GET', '/stats/other', {
      caller: { cert: stats.apiserverClient },
    });
    assert.equal(other.status, 404);
    assert.equal(other.body, '404: Page Not Found');
  });
});

describe('/logs/', () => {
  const get = (path: string, headers?: Record<string, string>) =>
    h.raw('GET', path, { caller: admin, ...(headers ? { headers } : {}) });

  it("lists the log directory as Go's file server does", async () => {
    const r = await get('/logs/');
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(
      r.body,
      '<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n' +
        '<a href="./a:b%20%3Cx%3E.log">a:b &lt;x&gt;.log</a>\n' +
        '<a href="pods/">pods/</a>\n' +
        '<a href="syslog">syslog</a>\n' +
        '<a href="syslog.1.gz">syslog.1.gz</a>\n' +
        '</pre>\n',
    );
    const sub = await get('/logs/pods/');
    assert.equal(sub.status, 200);
    assert.equal(sub.headers['last-modified'], MTIME.toUTCString());
    assert.match(sub.body, /<a href="web.log">web.log<\/a>/);
  });

  it('serves a file with its type, length, time and byte ranges', async () => {
    const r = await get('/logs/syslog');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'line one\nline two\n');
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.headers['content-length'], '18');
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['last-modified'], MTIME.toUTCString());
    assert.equal((await get('/logs/pods/web.log')).body, 'web\n');
    assert.equal((await get('/logs/syslog.1.gz')).headers['content-type'], 'application/x-gzip');
    const part = await get('/logs/syslog', { range: 'bytes=9-' });
    assert.equal(part.status, 206);
    assert.equal(part.body, 'line two\n');
    assert.equal(part.headers['content-range'], 'bytes 9-17/18');
    const beyond = await get('/logs/syslog', { range: 'bytes=100-' });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.body, 'invalid range: failed to overlap\n');
    const same = await get('/logs/syslog', { 'if-modified-since': MTIME.toUTCString() });
    assert.equal(same.status, 304);
  });

  it('ignores ?query= (NodeLogQuery is off by default) and serves the path', async () => {
    const r = await get('/logs/?query=kubelet&tailLines=5');
    assert.equal(r.status, 200);
    assert.match(r.body, /<a href="syslog">/);
    assert.equal((await get('/logs/syslog?query=kubelet')).body, 'line one\nline two\n');
  });

  it('redirects to the canonical path: a directory with its slash, a file without', async () => {
    const dir = await get('/logs/pods?x=1');
    assert.equal(dir.status, 301);
    assert.equal(dir.headers['location'], 'pods/?x=1');
    const file = await get('/logs/syslog/');
    assert.equal(file.status, 301);
    assert.equal(file.headers['location'], '../syslog');
    const index = await get('/logs/pods/index.html');
    assert.equal(index.status, 301);
    assert.equal(index.headers['location'], './');
  });

  it("answers Go's 404 for what is not there, and /logs itself", async () => {
    for (const p of ['/logs/nope', '/logs/pods/nope.log', '/logs/syslog/x', '/logs']) {
      const r = await get(p);
      assert.equal(r.status, 404, p);
      assert.equal(r.body, '404 page not found\n', p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    }
  });

  it('never reaches above the log directory', async () => {
    for (const p of [
      '/logs/../secret.txt',
      '/logs/%2e%2e/secret.txt',
      '/logs/..%2fsecret.txt',
      '/logs/pods/../../secret.txt',
      '/logs/%2E%2E%2F%2E%2E%2Fsecret.txt',
    ]) {
      const r = await get(p);
      assert.notEqual(r.status, 200, p);
      assert.ok(!r.body.includes('outside the log directory'), p);
      if (r.status === 301) assert.ok(!r.headers['location']?.startsWith('/logs/'), p);
    }
    const moved = await get('/logs/pods/../../secret.txt');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers['location'], '/secret.txt');
    const there = await get('/secret.txt');
    assert.equal(there.status, 404);
    assert.equal(there.body, '404 page not found\n');
  });

  it('is GET only, and refuses anonymous and under-privileged callers', async () => {
    const post = await h.raw('POST', '/logs/syslog', { caller: admin });
    assert.equal(post.status, 405);
    assert.equal(post.body, '405: Method Not Allowed');
    const anonymous = await h.raw('GET', '/logs/syslog');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body, 'Unauthorized');
    const bob = await h.raw('GET', '/logs/syslog', { caller: { token: 'bob-token' } });
    assert.equal(bob.status, 403);
    assert.equal(bob.body, 'Forbidden (user=bob, verb=get, resource=nodes, subresource(s)=[log])');
  });
});
