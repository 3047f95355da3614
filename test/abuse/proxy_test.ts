// Hostile requests through the proxy subresources and the pod streams of a real server: what
// kube-apiserver answers (code, reason, message) for missing objects, unknown ports, pods
// without an IP, ports nothing listens on, bad name forms, over-long paths, hop-by-hop and
// framing tricks; and a seeded fuzz loop over proxy paths. The backend (a loopback "pod")
// must never see a request smuggled past the proxy, and nothing stored may change.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { eventually } from '../support/eventually.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng as seeded } from '../support/prng.js';

const NS = 'abuse-proxy';

let srv: AbuseServer;
let backend: Server;
let backendPort: number;
/** Every request the loopback "pod" received: method, target and headers. */
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] =
  [];
let baseline: Record<string, string>;

const snapshot = (): Promise<Record<string, string>> =>
  srv.snapshot([
    `/api/v1/namespaces/${NS}/pods`,
    `/api/v1/namespaces/${NS}/services`,
    `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`,
    `/api/v1/namespaces/${NS}/endpoints`,
  ]);

async function assertUnchanged(what: string): Promise<void> {
  assert.deepEqual(await snapshot(), baseline, `${what} changed stored objects`);
}

function assertMessage(res: RawResponse, code: number, reason: string, message: string): void {
  assertStatus(res, code, reason);
  assert.equal(res.json.message, message);
}

async function call(method: string, path: string, body: object): Promise<void> {
  const res = await srv.send({
    method,
    path,
    headers: {
      'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
    },
    body: JSON.stringify(body),
  });
  assert.ok(res.status < 300, `${method} ${path}: ${res.text}`);
}

const pods = (rest: string) => `/api/v1/namespaces/${NS}/pods/${rest}`;
const services = (rest: string) => `/api/v1/namespaces/${NS}/services/${rest}`;

/** Raw bytes over TLS (HTTP/1.1); resolves with what came back once the server closes. */
function rawTls(data: string, waitMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = tlsConnect({
      host: '127.0.0.1',
      port: srv.cluster.port,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => sock.destroy(), waitMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e);
    });
    sock.once('secureConnect', () => sock.write(data));
  });
}

const auth = (): string => `Authorization: Bearer ${srv.cluster.adminToken}`;

before(async () => {
  // A pod that reads long request lines, as Go servers do (Node's own limit is 16 KiB).
  backend = createServer({ maxHeaderSize: 2 << 20 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ backend: true, url: req.url }));
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as AddressInfo).port;
  // The test's "pod" listens on loopback, which kube (and Skiff) refuse to proxy to.
  process.env['SKIFF_PROXY_ALLOW_LOOPBACK'] = '1';
  srv = startAbuseServer();
  await call('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await eventually(
    async () =>
      (await srv.send({ path: `/api/v1/namespaces/${NS}/serviceaccounts/default` })).status === 200,
    `the default service account in ${NS}`,
    30_000,
  );
  for (const [name, ip, node] of [
    ['web', '127.0.0.1', 'node-gone'],
    ['noip', undefined, undefined],
  ] as const) {
    await call('POST', `/api/v1/namespaces/${NS}/pods`, {
      metadata: { name },
      spec: {
        ...(node ? { nodeName: node } : {}),
        containers: [
          { name: 'app', image: 'busybox', ports: [{ containerPort: backendPort }] },
          { name: 'side', image: 'busybox' },
        ],
      },
    });
    if (ip)
      await call('PATCH', pods(`${name}/status`), {
        status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
      });
  }
  await call('POST', `/api/v1/namespaces/${NS}/services`, {
    metadata: { name: 'web' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  });
  // Selector-less, so the endpoints controller leaves them be: their Endpoints are written
  // here, as kube-apiserver proxies by the Endpoints object.
  await call('POST', `/api/v1/namespaces/${NS}/endpoints`, {
    metadata: { name: 'web' },
    subsets: [
      {
        // Not the pod's address: kube only proxies to addresses that are really the pod's.
        addresses: [{ ip: '192.0.2.10', targetRef: { kind: 'Pod', namespace: NS, name: 'web' } }],
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    ],
  });
  await call('POST', `/api/v1/namespaces/${NS}/services`, {
    metadata: { name: 'lonely' },
    spec: { ports: [{ port: 80 }] },
  });
  await call('POST', `/api/v1/namespaces/${NS}/endpoints`, { metadata: { name: 'lonely' } });
  // A selector-less service with only an EndpointSlice of its own: no Endpoints.
  await call('POST', `/api/v1/namespaces/${NS}/services`, {
    metadata: { name: 'sliced' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  });
  await call('POST', `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, {
    metadata: { name: 'sliced-1', labels: { 'kubernetes.io/service-name': 'sliced' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: [
      {
        addresses: ['192.0.2.10'],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', namespace: NS, name: 'web' },
      },
    ],
  });
  // The EndpointSlice mirroring controller copies the Endpoints into slices: the baseline is
  // taken once it has.
  let last = '';
  await eventually(
    async () => {
      const now = JSON.stringify(await snapshot());
      const settled = now === last && now.includes('web-');
      last = now;
      return settled;
    },
    'the mirrored EndpointSlices',
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  baseline = await snapshot();
});

after(() => {
  srv?.stop();
  backend?.closeAllConnections();
  backend?.close();
});

describe('proxy: missing objects and unusable targets', () => {
  const cases: { what: string; path: string; code: number; reason: string; message: string }[] = [
    {
      what: 'missing pod',
      path: pods('nope/proxy/'),
      code: 404,
      reason: 'NotFound',
      message: 'pods "nope" not found',
    },
    {
      what: 'missing service (by port name: kube looks up its Endpoints)',
      path: services('nope/proxy/'),
      code: 404,
      reason: 'NotFound',
      message: 'endpoints "nope" not found',
    },
    {
      what: 'missing service (by port number)',
      path: services('nope:80/proxy/'),
      code: 404,
      reason: 'NotFound',
      message: 'services "nope" not found',
    },
    {
      what: 'missing node',
      path: '/api/v1/nodes/nope/proxy/',
      code: 404,
      reason: 'NotFound',
      message: 'nodes "nope" not found',
    },
    {
      what: 'unknown port name',
      path: services('web:nope/proxy/'),
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'no endpoints available for service "web:nope"',
    },
    {
      what: 'unknown port number',
      path: services('web:99/proxy/'),
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'no service port 99 found for service "web"',
    },
    {
      what: "an endpoint that is not its pod's address",
      path: services('web:http/proxy/'),
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'no endpoints available for service "web:http"',
    },
    {
      what: 'a service without endpoints',
      path: services('lonely/proxy/'),
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'no endpoints available for service "lonely"',
    },
    {
      what: 'a selector-less service with only an EndpointSlice (kube reads no slices)',
      path: services('sliced:http/proxy/'),
      code: 404,
      reason: 'NotFound',
      message: 'endpoints "sliced" not found',
    },
    {
      what: 'the https:NAME form without its trailing colon (NAME taken as a port)',
      path: services('https:web/proxy/'),
      code: 404,
      reason: 'NotFound',
      message: 'endpoints "https" not found',
    },
    {
      what: 'pod without an IP',
      path: pods('noip/proxy/'),
      code: 400,
      reason: 'BadRequest',
      message: 'address not allowed',
    },
    {
      what: 'port nothing listens on',
      path: pods('web:1/proxy/'),
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'error trying to reach service: dial tcp 127.0.0.1:1: connect: connection refused',
    },
    {
      what: 'a port name on a pod',
      path: pods('web:http/proxy/'),
      code: 503,
      reason: 'ServiceUnavailable',
      message: 'error trying to reach service: dial tcp: address tcp/http: unknown port',
    },
    {
      what: 'too many colons',
      path: pods('a:b:c:d/proxy/'),
      code: 400,
      reason: 'BadRequest',
      message: 'invalid pod request "a:b:c:d"',
    },
    {
      what: 'an unknown scheme',
      path: services('ftp:web:80/proxy/'),
      code: 400,
      reason: 'BadRequest',
      message: 'invalid service request "ftp:web:80"',
    },
    {
      what: 'exec on a pod whose node is gone',
      path: pods('web/exec?command=ls&container=app&stdout=1'),
      code: 404,
      reason: 'NotFound',
      message: 'nodes "node-gone" not found',
    },
    {
      what: 'exec on a pod without a node',
      path: pods('noip/exec?command=ls&container=app&stdout=1'),
      code: 400,
      reason: 'BadRequest',
      message: 'pod noip does not have a host assigned',
    },
    {
      what: 'exec without choosing among two containers',
      path: pods('web/exec?command=ls'),
      code: 400,
      reason: 'BadRequest',
      message: 'a container name must be specified for pod web, choose one of: [app side]',
    },
  ];
  for (const c of cases) {
    test(c.what, async () => {
      const before = seen.length;
      const res = await srv.send({ path: c.path });
      assertMessage(res, c.code, c.reason, c.message);
      assert.equal(seen.length, before, 'the backend saw nothing');
      await assertUnchanged(c.what);
    });
  }

  test('an anonymous caller is refused before anything is looked up', async () => {
    const res = await srv.send({ path: pods('nope/proxy/'), as: 'anonymous' });
    assertMessage(
      res,
      403,
      'Forbidden',
      `pods "nope" is forbidden: User "system:anonymous" cannot get resource "pods/proxy" in API group "" in the namespace "${NS}"`,
    );
  });

  test('exec over an upgrade is checked the same way, before any kubelet is dialled', async () => {
    const text = await rawTls(
      `POST ${pods('web/exec?command=ls')} HTTP/1.1\r\nHost: x\r\n${auth()}\r\n` +
        'Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
    );
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { message: string };
    assert.equal(
      body.message,
      'a container name must be specified for pod web, choose one of: [app side]',
    );
  });
});

describe('proxy: paths, headers and framing', () => {
  test("a path within kube-apiserver's 1 MiB header limit reaches the pod intact; past it, 431", async () => {
    const long = 'a'.repeat(50 * 1024);
    const ok = await srv.send({ path: pods(`web/proxy/${long}?q=${long}`) });
    assert.equal(ok.status, 200, ok.text.slice(0, 200));
    assert.equal(seen.at(-1)?.url, `/${long}?q=${long}`);
    const escaped = `${'%41'.repeat(10 * 1024)}/${'b'.repeat(60 * 1024)}`;
    const escapedPath = await srv.send({ path: pods(`web:${backendPort}/proxy/${escaped}`) });
    assert.equal(escapedPath.status, 200, escapedPath.text.slice(0, 200));
    assert.equal(seen.at(-1)?.url, `/${'A'.repeat(10 * 1024)}/${'b'.repeat(60 * 1024)}`);
    const before = seen.length;
    const text = await rawTls(
      `GET ${pods(`web/proxy/${'b'.repeat(1100 * 1024)}`)} HTTP/1.1\r\nHost: x\r\n${auth()}\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.ok(text.endsWith('\r\n\r\n431 Request Header Fields Too Large'), text.slice(0, 300));
    assert.equal(seen.length, before);
  });

  test('headers named in Connection, and hop-by-hop ones, stay on their hop', async () => {
    const res = await srv.send({
      path: pods('web/proxy/hop'),
      headers: {
        connection: 'close, X-Foo, Authorization',
        'x-foo': 'smuggled',
        'proxy-connection': 'keep-alive',
        'x-bar': 'kept',
      },
    });
    assert.equal(res.status, 200, res.text);
    const got = seen.at(-1);
    assert.equal(got?.url, '/hop');
    assert.equal(got?.headers['x-foo'], undefined);
    assert.equal(got?.headers['proxy-connection'], undefined);
    assert.equal(got?.headers.authorization, undefined);
    assert.equal(got?.headers['x-bar'], 'kept');
  });

  test('Content-Length with Transfer-Encoding is refused at the front; nothing reaches the pod', async () => {
    const before = seen.length;
    const inner = `GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`;
    const body = `0\r\n\r\n${inner}`;
    const text = await rawTls(
      `POST ${pods('web/proxy/x')} HTTP/1.1\r\nHost: x\r\n${auth()}\r\n` +
        `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(seen.length, before);
  });

  test('a request inside a chunked body reaches the pod as body bytes only', async () => {
    const before = seen.length;
    const inner = `GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`;
    const text = await rawTls(
      `POST ${pods('web/proxy/x')} HTTP/1.1\r\nHost: x\r\n${auth()}\r\nConnection: close\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
    );
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    await eventually(() => seen.length === before + 1, 'the request at the pod');
    assert.equal(seen.at(-1)?.url, '/x');
    assert.equal(seen.at(-1)?.body, inner);
    assert.ok(!seen.some((s) => s.url.includes('smuggled')));
  });
});

type Expect = { code: number; message: string } | 'backend';

/** Name segments and what each gives, whatever follows (for the admin). */
const TARGETS: { base: string; id: string; expect: Expect }[] = [
  { base: pods(''), id: 'web', expect: 'backend' },
  { base: pods(''), id: `http:web:${0}`, expect: 'backend' }, // port filled in below
  { base: pods(''), id: 'nope', expect: { code: 404, message: 'pods "nope" not found' } },
  { base: pods(''), id: 'noip', expect: { code: 400, message: 'address not allowed' } },
  {
    base: pods(''),
    id: 'x:y:z:w',
    expect: { code: 400, message: 'invalid pod request "x:y:z:w"' },
  },
  {
    base: pods(''),
    id: '..',
    expect: { code: 400, message: `Name parameter invalid: "..": may not be '..'` },
  },
  {
    base: pods(''),
    id: 'a%2Fb',
    expect: { code: 400, message: `Name parameter invalid: "a/b": may not contain '/'` },
  },
  {
    base: services(''),
    id: 'web:99',
    expect: { code: 503, message: 'no service port 99 found for service "web"' },
  },
  {
    base: services(''),
    id: 'https:lonely:',
    expect: { code: 503, message: 'no endpoints available for service "lonely"' },
  },
  {
    base: services(''),
    id: 'ghost',
    expect: { code: 404, message: 'endpoints "ghost" not found' },
  },
  {
    base: '/api/v1/nodes/',
    id: 'ghost',
    expect: { code: 404, message: 'nodes "ghost" not found' },
  },
];

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  503: 'ServiceUnavailable',
};

const TAILS = [
  '',
  '/',
  '/a',
  '/a/../b',
  '/%2e%2e/x',
  '//x',
  '/%2F',
  '/./x/',
  '/%00',
  '/%C3%A9',
  '/a;b',
];
const QUERIES = ['', '?a=1', '?a=%20&b', '?watch=true', '?%zz', '?a=1&a=2'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

describe('proxy: seeded fuzz over proxy paths', () => {
  test('every request gets its exact answer and the server keeps answering', async () => {
    const rand = seeded(0x5eed10);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    for (let i = 0; i < 300; i++) {
      const t = pick(TARGETS);
      const id = t.id.replace(':0', `:${backendPort}`);
      const tail = pick(TAILS);
      const query = pick(QUERIES);
      const method = pick(METHODS);
      const path = `${t.base}${id}/proxy${tail}${query}`;
      const what = `#${i} ${method} ${path}`;
      const before = seen.length;
      const res = await srv.send({ method, path, ...(method === 'POST' ? { body: 'x' } : {}) });
      if (t.expect === 'backend') {
        if (tail === '' && (method === 'GET' || method === 'HEAD')) {
          assert.equal(res.status, 301, what);
          continue;
        }
        assert.equal(res.status, 200, `${what}: ${res.text.slice(0, 300)}`);
        assert.equal(seen.length, before + 1, what);
        const got = seen.at(-1);
        assert.equal(got?.method, method, what);
        assert.ok(got?.url.startsWith('/'), what);
        assert.ok(!got?.url.includes('..'), `${what}: ${got?.url}`);
        if (method === 'POST') assert.equal(got?.body, 'x', what);
      } else {
        if (method === 'HEAD') assert.equal(res.status, t.expect.code, what);
        else assertMessage(res, t.expect.code, REASONS[t.expect.code] ?? '', t.expect.message);
        assert.equal(seen.length, before, what);
      }
    }
    const alive = await srv.send({ path: '/readyz' });
    assert.equal(alive.status, 200);
    await assertUnchanged('the fuzz loop');
  });
});
