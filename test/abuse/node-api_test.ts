// Hostile requests to the node's HTTPS API (the kubelet's): dot segments and escapes, paths
// too long, query values the kubelet cannot read, odd methods, upgrade headers that lead
// nowhere, bytes that are not HTTP, and a seeded fuzz loop. Each gets the kubelet's answer,
// nothing is run in a pod by a refused request, and the server still answers afterwards.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createHostBackend,
  parseResponse,
  startNodeServer,
  type Caller,
  type HostBackend,
  type NodeServerHarness,
  type RawResponse,
} from '../support/node-server.js';
import { prng as rng } from '../support/prng.js';

let h: NodeServerHarness;
let admin: Caller;
let backend: HostBackend;

before(async () => {
  backend = createHostBackend({ logLines: ['one', 'two'] });
  h = await startNodeServer({ backend, tokens: { 'bob-token': { name: 'bob', groups: [] } } });
  admin = { cert: h.apiserverClient };
  await h.createPod('web');
});
after(() => h.close());

/** What the backend has been asked to do, to check that refused requests did nothing. */
const work = () =>
  [backend.execs, backend.attaches, backend.forwards, backend.logRequests].map((l) => l.length);

async function stillUp(): Promise<void> {
  const r = await h.raw('GET', '/healthz', { caller: admin });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
}

function expect(r: RawResponse, status: number, body?: string | RegExp, what = ''): void {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
  if (typeof body === 'string') assert.equal(r.body, body, what);
  else if (body) assert.match(r.body, body, what);
}

describe('paths', () => {
  test('dot segments, doubled slashes and escaped dots are redirected to the clean path, unauthenticated', async () => {
    const cases: [string, string][] = [
      ['/pods/../exec/default/web/app', '/exec/default/web/app'],
      ['/./healthz', '/healthz'],
      ['//healthz', '/healthz'],
      ['/%2e%2e/healthz', '/healthz'],
      ['/healthz/..', '/'],
      [
        '/containerLogs/default/web/./app?tailLines=1',
        '/containerLogs/default/web/app?tailLines=1',
      ],
    ];
    const before = work();
    for (const [path, location] of cases) {
      const r = await h.raw('GET', path);
      expect(r, 301, undefined, path);
      assert.equal(r.headers['location'], location, path);
    }
    // A trailing slash is kept (then the route is not found); a root nobody serves is a 404.
    expect(await h.raw('GET', '/exec/default/web/app/'), 401, 'Unauthorized');
    expect(await h.raw('GET', '/stats'), 404, '404 page not found\n');
    assert.deepEqual(work(), before);
    await stillUp();
  });

  test('an escape is read as its character; a broken one is a 400', async () => {
    expect(await h.raw('GET', '/heal%74hz', { caller: admin }), 200, 'ok', 'escaped letter');
    expect(await h.raw('GET', '/%zz'), 400, '400 Bad Request', 'broken escape');
    expect(await h.raw('GET', '/pods%2F..%2Fhealthz'), 301, undefined, 'escaped slashes');
    await stillUp();
  });

  test('over-long paths: routed (and refused) as any other, past 1 MiB of header a 431', async () => {
    const long = '/pods/' + 'a'.repeat(20_000);
    expect(await h.raw('GET', long), 401, 'Unauthorized', 'long, anonymous');
    expect(await h.raw('GET', long, { caller: admin }), 404, '404: Page Not Found', 'long');
    expect(await h.raw('GET', '/x' + 'y'.repeat(30_000)), 404, '404 page not found\n', 'unknown');
    const huge = await h.raw('GET', '/pods/' + 'a'.repeat((1 << 20) + 8192));
    assert.equal(huge.status, 431);
    await stillUp();
  });

  test('too many or too few segments under a served root', async () => {
    for (const p of [
      '/exec/a',
      '/exec/a/b/c/d/e',
      '/portForward/a',
      '/containerLogs/a/b/c/d',
      '/attach',
    ]) {
      expect(await h.raw('POST', p, { caller: admin }), 404, '404: Page Not Found', p);
    }
    await stillUp();
  });
});

describe('query values', () => {
  test('values the kubelet cannot decode or accept, with its texts', async () => {
    const before = work();
    const cases: [string, string, number, string][] = [
      [
        'GET',
        '/containerLogs/default/web/app?tailLines=1e3',
        400,
        '{"message": "Unable to decode query."}',
      ],
      [
        'GET',
        '/containerLogs/default/web/app?sinceSeconds=%00',
        400,
        '{"message": "Unable to decode query."}',
      ],
      [
        'GET',
        '/containerLogs/default/web/app?limitBytes=-5',
        422,
        '{"message": "Invalid request."}',
      ],
      [
        'GET',
        '/containerLogs/default/web/app?sinceTime=2026-13-45T99:00:00Z',
        400,
        '{"message": "Unable to decode query."}',
      ],
      [
        'POST',
        '/exec/default/web/app?command=ls&output=yes',
        400,
        'you must specify at least 1 of stdin, stdout, stderr',
      ],
      [
        'POST',
        '/exec/default/web/app?command=ls&output=true',
        400,
        'you must specify at least 1 of stdin, stdout, stderr',
      ],
      [
        'POST',
        '/attach/default/web/app?input=0&output=0&error=0',
        400,
        'you must specify at least 1 of stdin, stdout, stderr',
      ],
      ['POST', '/exec/default/web/app?output=1', 500, 'Upgrade request required\n'],
      ['POST', '/exec/default/web/app?output=1&command=', 500, 'Upgrade request required\n'],
    ];
    for (const [method, path, status, body] of cases)
      expect(await h.raw(method, path, { caller: admin }), status, body, path);
    assert.deepEqual(work(), before);
    // `follow=maybe` is true, as Go's converter reads any value but 0/false.
    const r = await h.raw('GET', '/containerLogs/default/web/app?follow=maybe&timestamps=FALSE', {
      caller: admin,
    });
    expect(r, 200, 'one\ntwo\n');
    assert.equal(backend.logRequests.at(-1)?.follow, true);
    assert.equal(backend.logRequests.at(-1)?.timestamps, false);
    await stillUp();
  });
});

describe('methods', () => {
  test('methods a route does not take are 405 after authorization; unknown tokens are 400', async () => {
    const cases: [string, string, number, string | undefined][] = [
      ['DELETE', '/pods', 405, '405: Method Not Allowed'],
      ['PUT', '/containerLogs/default/web/app', 405, '405: Method Not Allowed'],
      ['PATCH', '/exec/default/web/app', 405, '405: Method Not Allowed'],
      ['TRACE', '/portForward/default/web', 405, '405: Method Not Allowed'],
      // Any method reaches the health and configuration handlers, as in Go.
      ['PROPFIND', '/healthz', 200, 'ok'],
      ['DELETE', '/configz', 200, undefined],
      ['HEAD', '/healthz', 200, ''],
    ];
    for (const [method, path, status, body] of cases)
      expect(await h.raw(method, path, { caller: admin }), status, body, `${method} ${path}`);
    // The verb of an unknown method is empty, which nobody is granted.
    expect(
      await h.raw('PROPFIND', '/healthz', { caller: { token: 'bob-token' } }),
      403,
      'Forbidden (user=bob, verb=, resource=nodes, subresource(s)=[healthz proxy])',
    );
    const foo = parseResponse(await h.rawBytes('FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n', admin));
    assert.equal(foo.status, 400);
    const connect = parseResponse(
      await h.rawBytes('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', admin),
    );
    expect(connect, 404, '404 page not found\n', 'CONNECT');
    const options = parseResponse(
      await h.rawBytes('OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', admin),
    );
    assert.equal(options.status, 200);
    await stillUp();
  });
});

describe('upgrades and framing', () => {
  test('upgrade headers that lead nowhere', async () => {
    const before = work();
    const exec = '/exec/default/web/app?command=ls&output=1';
    // Neither SPDY nor WebSocket: not an upgrade the streaming server takes.
    expect(
      await h.raw('POST', exec, {
        caller: admin,
        headers: { Connection: 'Upgrade', Upgrade: 'h2c' },
      }),
      500,
      'Upgrade request required\n',
    );
    // A WebSocket upgrade without its key.
    const noKey = await h.raw('GET', exec, {
      caller: admin,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
    });
    assert.equal(noKey.status, 400);
    // An upgrade to a path that streams nothing is answered as a plain request.
    expect(
      await h.raw('GET', '/healthz', {
        caller: admin,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
      }),
      200,
      'ok',
    );
    expect(
      await h.raw('GET', '/nothing', { headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' } }),
      404,
      '404 page not found\n',
    );
    // Garbage after a SPDY 101: the session is dropped.
    const after = await h.rawBytes(
      `POST ${exec} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n` +
        '\x80\x03\x00\x01\xff\xff\xff\xffgarbage that is not a frame',
      admin,
      3_000,
    );
    assert.match(after, /^HTTP\/1\.1 101 Switching Protocols/);
    assert.deepEqual(work(), before);
    await stillUp();
  });

  test('bytes that are not HTTP, and bad credentials headers', async () => {
    const junk = await h.rawBytes('\x16\x03garbage\r\n\r\n', admin, 3_000);
    assert.match(junk, /^HTTP\/1\.1 400 Bad Request/);
    expect(
      await h.raw('GET', '/pods', { headers: { Authorization: 'Bearer' } }),
      401,
      'Unauthorized',
    );
    expect(
      await h.raw('GET', '/pods', { headers: { Authorization: 'Basic Ym9iOnB3' } }),
      401,
      'Unauthorized',
    );
    expect(
      await h.raw('GET', '/pods', {
        headers: { 'Sec-WebSocket-Protocol': 'base64url.bearer.authorization.k8s.io.!!!' },
      }),
      401,
      'Unauthorized',
    );
    await stillUp();
  });
});

// ---- fuzz ----

/** The kubelet's 500s: the streaming server's, never ours falling over. */
const KUBELET_500 =
  /^(Upgrade request required\n|container not found \(".*"\)|pod not found \(".*"\))$/s;

describe('request fuzz (seeded)', () => {
  test('random paths, queries, methods and callers: never a 5xx of our own, nothing run', async () => {
    const seed = Number(process.env.SKIFF_FUZZ_SEED ?? 10);
    const next = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const segments = [
      'exec',
      'attach',
      'portForward',
      'containerLogs',
      'pods',
      'healthz',
      'configz',
      'stats',
      'metrics',
      'default',
      'web',
      'app',
      'nope',
      '..',
      '.',
      '',
      '%2e%2e',
      '%2F',
      '%00',
      '%ff',
      'é',
      'a'.repeat(300),
    ];
    const keys = [
      'command',
      'input',
      'output',
      'error',
      'tty',
      'port',
      'follow',
      'tailLines',
      'sinceSeconds',
      'sinceTime',
      'limitBytes',
      'previous',
      'tail',
      'x',
    ];
    const values = [
      '1',
      '0',
      'true',
      '',
      '-1',
      '99999999999999999999',
      'ls',
      '%zz',
      '%00',
      '2026-01-01T00:00:00Z',
      'a;b',
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND'];
    const callers: Caller[] = [
      admin,
      {},
      { token: 'bob-token' },
      { token: 'junk' },
      { cert: h.foreignClient },
    ];
    const before = work();
    for (let i = 0; i < 300; i++) {
      const path =
        '/' + Array.from({ length: 1 + Math.floor(next() * 5) }, () => pick(segments)).join('/');
      const query = Array.from(
        { length: Math.floor(next() * 4) },
        () => `${pick(keys)}=${pick(values)}`,
      ).join('&');
      const method = pick(methods);
      const headers: Record<string, string> =
        next() < 0.2
          ? { Connection: 'Upgrade', Upgrade: pick(['websocket', 'SPDY/3.1', 'h2c', '']) }
          : {};
      const r = await h.raw(method, query ? `${path}?${query}` : path, {
        caller: pick(callers),
        headers,
      });
      const what = `seed ${seed} #${i} ${method} ${path}?${query}: ${r.status} ${r.body.slice(0, 200)}`;
      assert.ok(r.status >= 200 && r.status < 600, what);
      if (r.status >= 500) assert.match(r.body, KUBELET_500, what);
    }
    // Without an upgrade (or with one that never completes its streams) nothing ran, except
    // the logs the fuzz may have read.
    const now = work();
    assert.deepEqual(now.slice(0, 3), before.slice(0, 3));
    await stillUp();
  });
});
