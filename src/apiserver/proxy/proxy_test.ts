// The proxy layer against a real API server over TLS on loopback: Node objects whose kubelet
// is a fake HTTPS kubelet, pods whose IP is 127.0.0.1 served by loopback HTTP/HTTPS/WebSocket
// servers, services with Endpoints pointing at them.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { gzipSync, gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { nodeAt, startFakeKubelet, type FakeKubelet } from '../../../test/support/fake-kubelet.js';
import { createMemoryStore } from '../../storage/index.js';
import {
  createCertificateAuthority,
  ensureClusterPki,
  issueServingCertificate,
} from '../../pki/index.js';
import type { ClusterPki } from '../../pki/index.js';
import { createApiServer, type ApiServer } from '../index.js';
import { objectKey } from '../registry/keys.js';

const ADMIN = { name: 'admin', groups: ['system:masters'] };
const TOKEN = 'proxy-test-token';

let dir: string;
let pki: ClusterPki;
let api: ApiServer;
const store = createMemoryStore();
let apiPort: number;
let kubelet: FakeKubelet;

/** The node's last request other than the resource-metrics scraper's, which may come at any time. */
const lastCall = () => kubelet.requests.filter((r) => !r.url.startsWith('/metrics/')).at(-1);
/** Two "pods" (plain HTTP + WebSocket) and one HTTPS "pod". */
let podA: Backend;
let podB: Backend;
let podTls: Backend;

interface Seen {
  name: string;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Backend {
  name: string;
  port: number;
  seen: Seen[];
  server: Server;
}

/** Gates a streamed response until the test says the first chunk arrived. */
let releaseStream: () => void = () => {};

function backendHandler(name: string, port: () => number, seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port()}/target/` });
        return void res.end();
      }
      if (path === '/cookies') {
        res.writeHead(200, { 'set-cookie': ['a=1; Path=/', 'b=2; HttpOnly'] });
        return void res.end('two cookies\n');
      }
      if (path === '/elsewhere') {
        res.writeHead(302, { location: 'http://example.com/x' });
        return void res.end();
      }
      if (path === '/page' || path === '/page.gz') {
        const html =
          '<html><head><link href="/style.css"></head><body>' +
          `<a href="/docs/">docs</a><img src="http://127.0.0.1:${port()}/img.png">` +
          '<a href="http://example.com/out">out</a><a href="rel/ative">rel</a>' +
          '<script>var s = "<a href=\'/not-a-link\'>";</script></body></html>';
        const gz = path === '/page.gz';
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'access-control-allow-origin': '*',
          ...(gz ? { 'content-encoding': 'gzip' } : {}),
        });
        return void res.end(gz ? gzipSync(html) : html);
      }
      if (path === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first\n');
        const done = new Promise<void>((resolve) => (releaseStream = resolve));
        void done.then(() => res.end('second\n'));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(JSON.stringify({ name, method: req.method, url: req.url, body }));
    });
  };
}

/** The "pods" read long request lines, as Go servers do (Node's own limit is 16 KiB). */
const BACKEND_MAX_HEADER_SIZE = 2 << 20;

async function startBackend(name: string, tls = false): Promise<Backend> {
  const seen: Seen[] = [];
  let port = 0;
  const handler = backendHandler(name, () => port, seen);
  let server: Server;
  if (tls) {
    // A certificate nobody trusts: kube does not verify pods' certificates.
    const own = createCertificateAuthority();
    const cert = issueServingCertificate(own, { altNames: { ips: ['127.0.0.1'], dnsNames: [] } });
    server = createHttpsServer(
      { cert: cert.certPem, key: cert.keyPem, maxHeaderSize: BACKEND_MAX_HEADER_SIZE },
      handler,
    );
  } else server = createHttpServer({ maxHeaderSize: BACKEND_MAX_HEADER_SIZE }, handler);
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    seen.push({
      name,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: '',
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (m, binary) => ws.send(binary ? m : `${name}: ${String(m)}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return { name, port, seen, server };
}

/** In-process calls for setting up objects (as the admin). */
async function call(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await api.handler({
    method,
    url: new URL(path, 'https://127.0.0.1'),
    headers: {
      'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
    },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
    credentials: { certificateUser: ADMIN },
    signal: new AbortController().signal,
  });
  const text = String(res.body ?? '');
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text || '{}');
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json(): Record<string, any>;
}

/** A request over TLS to the API server, with the admin token unless told otherwise. */
function send(
  method: string,
  path: string,
  o: {
    headers?: Record<string, string>;
    body?: string;
    /** Sent chunked, one write each, with no length. */
    chunks?: string[];
    onFirstChunk?: (c: string) => void;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: apiPort,
        method,
        path,
        ca: pki.ca.certPem,
        agent: false,
        timeout: 10_000,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (!chunks.length) o.onFirstChunk?.(c.toString());
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, any>,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    for (const c of o.chunks ?? []) req.write(c);
    req.end(o.body);
  });
}

const podPath = (id: string, rest = '') => `/api/v1/namespaces/default/pods/${id}/proxy${rest}`;
const svcPath = (id: string, rest = '') => `/api/v1/namespaces/default/services/${id}/proxy${rest}`;

function assertStatus(r: Reply, code: number, message: string): void {
  assert.equal(r.status, code, r.text);
  assert.equal(r.json().message, message);
  assert.equal(r.json().code, code);
}

async function pod(name: string, ip: string | undefined, containerPort?: number): Promise<void> {
  await call('POST', '/api/v1/namespaces/default/pods', {
    metadata: { name },
    spec: {
      nodeName: 'node-1',
      containers: [
        {
          name: 'app',
          image: 'busybox',
          ...(containerPort ? { ports: [{ containerPort }] } : {}),
        },
        { name: 'side', image: 'busybox' },
      ],
    },
  });
  if (ip)
    await call('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, {
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
    });
}

/** An EndpointSlice as a selector-less service's owner would write it (no Endpoints with it). */
async function slice(
  name: string,
  service: string,
  ports: { name?: string; port: number }[],
  endpoints: { pod: string; ready?: boolean }[],
): Promise<void> {
  await call('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
    metadata: { name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      protocol: 'TCP',
    })),
    endpoints: endpoints.map((e) => ({
      addresses: [STAND_IN_ADDRESS],
      conditions: { ready: e.ready ?? true },
      targetRef: { kind: 'Pod', namespace: 'default', name: e.pod },
    })),
  });
  await pointAtLoopback('discovery.k8s.io', 'endpointslices', name);
}

/**
 * An Endpoints object as the endpoints controller writes it: a subset per port set, ready
 * addresses and not-ready ones naming their pods (`pod: ''`: an address with no reference).
 */
async function endpoints(
  name: string,
  subsets: { ports: { name?: string; port: number }[]; ready?: string[]; notReady?: string[] }[],
): Promise<void> {
  const address = (pod: string) => ({
    ip: STAND_IN_ADDRESS,
    ...(pod ? { targetRef: { kind: 'Pod', namespace: 'default', name: pod } } : {}),
  });
  await call('POST', '/api/v1/namespaces/default/endpoints', {
    metadata: { name },
    subsets: subsets.map((ss) => ({
      ...(ss.ready ? { addresses: ss.ready.map(address) } : {}),
      ...(ss.notReady ? { notReadyAddresses: ss.notReady.map(address) } : {}),
      ports: ss.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port })),
    })),
  });
  await pointAtLoopback('', 'endpoints', name);
}

/**
 * Endpoints and EndpointSlices may not hold loopback addresses (kube validates them), so
 * they are written with a stand-in address that is then swapped for 127.0.0.1 in storage:
 * the "pods" of this test all listen on loopback.
 */
const STAND_IN_ADDRESS = '192.0.2.1';

async function pointAtLoopback(group: string, resource: string, name: string): Promise<void> {
  const def = api.table.byGroupResource(group, resource);
  assert.ok(def);
  const key = objectKey(def, 'default', name);
  const kv = await store.get(key);
  assert.ok(kv);
  await store.update(key, kv.value.replaceAll(STAND_IN_ADDRESS, '127.0.0.1'), kv.modRevision);
}

async function service(name: string, ports: { name?: string; port: number }[]): Promise<void> {
  await call('POST', '/api/v1/namespaces/default/services', {
    metadata: { name },
    spec: { ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port })) },
  });
}

before(async () => {
  process.env['SKIFF_PROXY_ALLOW_LOOPBACK'] = '1';
  dir = mkdtempSync(join(tmpdir(), 'skiff-proxy-'));
  pki = ensureClusterPki({ dir });
  kubelet = await startFakeKubelet(pki.ca);
  [podA, podB, podTls] = await Promise.all([
    startBackend('a'),
    startBackend('b'),
    startBackend('tls', true),
  ]);
  api = await createApiServer({
    store,
    tls: { cert: pki.apiserver.certPem, key: pki.apiserver.keyPem, ca: pki.ca.certPem },
    tokenAuthenticators: [(t) => (t === TOKEN ? ADMIN : undefined)],
    port: 0,
    kubelet: {
      clientCertPem: pki.kubeletClient.certPem,
      clientKeyPem: pki.kubeletClient.keyPem,
      caPem: pki.ca.certPem,
    },
  });
  apiPort = await api.listen();
  await call('POST', '/api/v1/namespaces/default/serviceaccounts', {
    metadata: { name: 'default' },
  });
  const node = nodeAt('node-1', kubelet.port);
  await call('POST', '/api/v1/nodes', node);
  await call('PATCH', '/api/v1/nodes/node-1/status', { status: node.status });
  await pod('pa', '127.0.0.1', podA.port);
  await pod('pb', '127.0.0.1', podB.port);
  await pod('ptls', '127.0.0.1', podTls.port);
  await pod('noip', undefined, 80);
  await service('web', [
    { name: 'http', port: 80 },
    { name: 'alt', port: 81 },
  ]);
  await endpoints('web', [
    { ports: [{ name: 'http', port: podA.port }], ready: ['pa'] },
    { ports: [{ name: 'http', port: podB.port }], ready: ['pb'] },
  ]);
  await service('plain', [{ port: 80 }]);
  await endpoints('plain', [{ ports: [{ port: podA.port }], ready: ['pa'] }]);
  await service('secure', [{ port: 443 }]);
  await endpoints('secure', [{ ports: [{ port: podTls.port }], ready: ['ptls'] }]);
  await service('notready', [{ name: 'http', port: 80 }]);
  await endpoints('notready', [{ ports: [{ name: 'http', port: podA.port }], notReady: ['pa'] }]);
  // Selector-less services: one with only an EndpointSlice of its own, one whose Endpoints
  // address names no pod; and an Endpoints object with no Service at all.
  await service('sliced', [{ name: 'http', port: 80 }]);
  await slice('sliced-1', 'sliced', [{ name: 'http', port: podA.port }], [{ pod: 'pa' }]);
  await service('manual', [{ port: 80 }]);
  await endpoints('manual', [{ ports: [{ port: podA.port }], ready: [''] }]);
  await endpoints('orphan', [{ ports: [{ port: podB.port }], ready: ['pb'] }]);
  await service('empty', [{ name: 'http', port: 80 }]);
  await endpoints('empty', []);
});

after(async () => {
  await api.close();
  await kubelet.close();
  for (const b of [podA, podB, podTls]) {
    b.server.closeAllConnections?.();
    b.server.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('pods/proxy', () => {
  it('passes method, path, query, headers and body, and not the API credentials', async () => {
    const r = await send('POST', podPath('pa', '/echo/a%20b?x=1&y=a%20b&y=2'), {
      body: '{"hello":"pod"}',
      headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-backend'], 'a');
    const seen = podA.seen.at(-1);
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.url, '/echo/a%20b?x=1&y=a%20b&y=2');
    assert.equal(seen?.body, '{"hello":"pod"}');
    assert.equal(seen?.headers['x-custom'], 'kept');
    assert.equal(seen?.headers['content-type'], 'application/json');
    assert.equal(seen?.headers.authorization, undefined);
    assert.equal(seen?.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(
      seen?.headers['x-forwarded-uri'],
      '/api/v1/namespaces/default/pods/pa/proxy/echo/a%20b',
    );
  });

  it('streams request bodies of any size to the backend, with a length or chunked', async () => {
    // Above the API server's 3 MiB limit for its own bodies, as kube streams proxied ones.
    const big = 'z'.repeat(5 * 1024 * 1024);
    const r = await send('PUT', podPath('pa', '/upload'), { body: big });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(podA.seen.at(-1)?.body.length, big.length);
    assert.equal(podA.seen.at(-1)?.headers['content-length'], String(big.length));
    const chunked = await send('POST', podPath('pa', '/upload'), {
      chunks: ['part one, ', 'part two'],
    });
    assert.equal(chunked.status, 200, chunked.text);
    assert.equal(podA.seen.at(-1)?.body, 'part one, part two');
    assert.equal(podA.seen.at(-1)?.headers['transfer-encoding'], 'chunked');
  });

  it('takes every name form: default port, NAME:PORT, http:NAME:PORT, https:NAME:PORT', async () => {
    for (const [id, backend] of [
      ['pa', 'a'],
      [`pa:${podA.port}`, 'a'],
      [`http:pb:${podB.port}`, 'b'],
      [`https:ptls:${podTls.port}`, 'tls'],
      ['https:ptls:', 'tls'],
    ] as const) {
      const r = await send('GET', podPath(id, '/x'));
      assert.equal(r.status, 200, `${id}: ${r.text}`);
      assert.equal(r.json().name, backend, id);
    }
  });

  it('redirects the bare /proxy to /proxy/ and rewrites Location headers', async () => {
    const bare = await send('GET', podPath('pa') + '?q=1');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, podPath('pa') + '/?q=1');
    const moved = await send('GET', podPath('pa', '/redirect'));
    assert.equal(moved.status, 302);
    assert.equal(moved.headers.location, podPath('pa', '/target/'));
    const away = await send('GET', podPath('pa', '/elsewhere'));
    assert.equal(away.headers.location, 'http://example.com/x');
  });

  it('passes every Set-Cookie header on', async () => {
    const r = await send('GET', podPath('pa', '/cookies'));
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
  });

  it('rewrites links in HTML (plain and gzip) and drops CORS headers', async () => {
    const expected =
      `<html><head><link href="${podPath('pa', '/style.css')}"></head><body>` +
      `<a href="${podPath('pa', '/docs/')}">docs</a><img src="${podPath('pa', '/img.png')}">` +
      '<a href="http://example.com/out">out</a><a href="rel/ative">rel</a>' +
      '<script>var s = "<a href=\'/not-a-link\'>";</script></body></html>';
    const page = await send('GET', podPath('pa', '/page'));
    assert.equal(page.text, expected);
    assert.equal(page.headers['access-control-allow-origin'], undefined);
    assert.equal(page.headers['content-length'], String(Buffer.byteLength(expected)));
    const gz = await new Promise<Buffer>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: apiPort,
          path: podPath('pa', '/page.gz'),
          ca: pki.ca.certPem,
          agent: false,
          headers: { authorization: `Bearer ${TOKEN}` },
        },
        (res) => {
          assert.equal(res.headers['content-encoding'], 'gzip');
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(gunzipSync(gz).toString(), expected);
  });

  it('streams responses as they come', async () => {
    let first = '';
    const r = await send('GET', podPath('pa', '/stream'), {
      onFirstChunk: (c) => {
        first = c;
        releaseStream();
      },
    });
    assert.equal(first, 'first\n');
    assert.equal(r.text, 'first\nsecond\n');
  });

  it('keeps hop-by-hop headers and the headers Connection names on their hop', async () => {
    const r = await send('GET', podPath('pa', '/hop'), {
      headers: {
        connection: 'close, X-Secret',
        'x-secret': 'hop only',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic eDp5',
        te: 'gzip',
        'impersonate-user': 'someone',
        'impersonate-group': 'system:masters',
        'x-kept': 'yes',
        'x-forwarded-for': '198.51.100.7',
      },
    });
    assert.equal(r.status, 200, r.text);
    const seen = podA.seen.at(-1);
    assert.equal(seen?.url, '/hop');
    for (const h of [
      'x-secret',
      'keep-alive',
      'proxy-authorization',
      'te',
      'impersonate-user',
      'impersonate-group',
      'authorization',
    ])
      assert.equal(seen?.headers[h], undefined, h);
    assert.equal(seen?.headers['x-kept'], 'yes');
    assert.equal(seen?.headers['x-forwarded-for'], '198.51.100.7, 127.0.0.1');
  });

  it("answers kube's errors: no pod, no IP, nothing listening, invalid name", async () => {
    assertStatus(await send('GET', podPath('nope', '/')), 404, 'pods "nope" not found');
    assertStatus(await send('GET', podPath('noip', '/')), 400, 'address not allowed');
    assertStatus(
      await send('GET', podPath('pa:1', '/')),
      503,
      'error trying to reach service: dial tcp 127.0.0.1:1: connect: connection refused',
    );
    assertStatus(await send('GET', podPath('a:b:c:d', '/')), 400, 'invalid pod request "a:b:c:d"');
    assertStatus(
      await send('GET', podPath('ftp:pa:80', '/')),
      400,
      'invalid pod request "ftp:pa:80"',
    );
  });
});

describe('services/proxy', () => {
  it('reaches the endpoint by port name, port number, default port and https:NAME:', async () => {
    for (const [id, backends] of [
      ['web:http', ['a', 'b']],
      ['web:80', ['a', 'b']],
      ['http:web:http', ['a', 'b']],
      ['plain', ['a']],
      ['plain:80', ['a']],
      ['https:secure:', ['tls']],
      ['https:secure:443', ['tls']],
    ] as const) {
      const r = await send('GET', svcPath(id, '/path?q=1'));
      assert.equal(r.status, 200, `${id}: ${r.text}`);
      assert.ok((backends as readonly string[]).includes(r.json().name), id);
      assert.equal(r.json().url, '/path?q=1', id);
    }
  });

  it('spreads requests over the ready endpoints at random', async () => {
    const hits = new Set<string>();
    for (let i = 0; i < 40 && hits.size < 2; i++)
      hits.add((await send('GET', svcPath('web:http', '/'))).json().name);
    assert.deepEqual([...hits].sort(), ['a', 'b']);
  });

  it("answers kube's errors for ports and endpoints", async () => {
    assertStatus(
      await send('GET', svcPath('web:nope', '/')),
      503,
      'no endpoints available for service "web:nope"',
    );
    assertStatus(
      await send('GET', svcPath('web:82', '/')),
      503,
      'no service port 82 found for service "web"',
    );
    assertStatus(
      await send('GET', svcPath('web', '/')),
      503,
      'no endpoints available for service "web"',
    );
    assertStatus(
      await send('GET', svcPath('notready:http', '/')),
      503,
      'no endpoints available for service "notready:http"',
    );
    assertStatus(
      await send('GET', svcPath('empty:http', '/')),
      503,
      'no endpoints available for service "empty"',
    );
    assertStatus(await send('GET', svcPath('nope', '/')), 404, 'endpoints "nope" not found');
    assertStatus(await send('GET', svcPath('nope:80', '/')), 404, 'services "nope" not found');
  });

  it('goes by the Endpoints object alone, as kube-apiserver does', async () => {
    // EndpointSlices are not read: a selector-less service with only a slice has no Endpoints.
    assertStatus(
      await send('GET', svcPath('sliced:http', '/')),
      404,
      'endpoints "sliced" not found',
    );
    assertStatus(await send('GET', svcPath('sliced:80', '/')), 404, 'endpoints "sliced" not found');
    // A hand-written address that names no pod is never proxied to.
    assertStatus(
      await send('GET', svcPath('manual', '/')),
      503,
      'no endpoints available for service "manual"',
    );
    // The Service itself is only read for a port number: Endpoints alone are enough.
    const orphan = await send('GET', svcPath('orphan', '/x'));
    assert.equal(orphan.status, 200, orphan.text);
    assert.equal(orphan.json().name, 'b');
    assertStatus(await send('GET', svcPath('orphan:80', '/')), 404, 'services "orphan" not found');
  });

  it('tunnels WebSocket upgrades both ways', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${apiPort}${svcPath('plain', '/ws?x=1')}`, {
      ca: pki.ca.certPem,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const echoed = new Promise<string>((resolve) => ws.once('message', (m) => resolve(String(m))));
    ws.send('hello');
    assert.equal(await echoed, 'a: hello');
    ws.close();
    const seen = podA.seen.findLast((s) => s.url.startsWith('/ws'));
    assert.equal(seen?.url, '/ws?x=1');
    assert.equal(seen?.headers.authorization, undefined);
  });
});

describe('nodes/proxy', () => {
  it("reaches the node's kubelet with the API server's client certificate", async () => {
    kubelet.handler = (_req, res) => res.end('ok');
    const r = await send('GET', '/api/v1/nodes/node-1/proxy/healthz?verbose=1');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'ok');
    const seen = lastCall();
    assert.equal(seen?.url, '/healthz?verbose=1');
    assert.equal(seen?.clientCN, 'kube-apiserver-kubelet-client');
    assert.deepEqual(seen?.clientO, ['system:masters']);
    assert.equal(seen?.headers.authorization, undefined);
  });

  it('reaches another port of the node in plain HTTP', async () => {
    const r = await send('GET', `/api/v1/nodes/node-1:${podA.port}/proxy/other`);
    assert.equal(r.json().name, 'a');
    assert.equal(podA.seen.at(-1)?.url, '/other');
  });

  it("answers kube's errors for nodes", async () => {
    assertStatus(
      await send('GET', '/api/v1/nodes/gone/proxy/healthz'),
      404,
      'nodes "gone" not found',
    );
  });
});

/** Sends an upgrade request by hand; resolves with the head of the answer and the socket. */
function upgrade(path: string, method = 'POST', extra = '') {
  return new Promise<{ head: string; socket: ReturnType<typeof tlsConnect> }>((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: apiPort, ca: pki.ca.certPem }, () => {
      socket.write(
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${apiPort}\r\n` +
          `Authorization: Bearer ${TOKEN}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
          `X-Stream-Protocol-Version: v4.channel.k8s.io\r\n${extra}\r\n`,
      );
    });
    let got = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const rest = got.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      resolve({ head: got.subarray(0, end).toString(), socket });
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

const readAll = (s: ReturnType<typeof tlsConnect>): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('close', () => resolve(text));
    s.resume();
  });

describe('pods/exec, attach, portforward', () => {
  before(() => {
    // The kubelet switches protocols and echoes what follows.
    kubelet.onUpgrade = (req, socket, head) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
          `X-Stream-Protocol-Version: ${String(req.headers['x-stream-protocol-version'])}\r\n\r\n`,
      );
      if (head.length) socket.write(head);
      socket.pipe(socket);
    };
  });

  it("goes to the kubelet's /exec with kube's query, and tunnels both ways", async () => {
    const { head, socket } = await upgrade(
      '/api/v1/namespaces/default/pods/pa/exec?command=ls&command=-l&container=app&stdout=true&stderr=true&stdin=true&tty=false',
    );
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, /X-Stream-Protocol-Version: v4\.channel\.k8s\.io/);
    const seen = lastCall();
    assert.equal(seen?.url, '/exec/default/pa/app?command=ls&command=-l&error=1&input=1&output=1');
    assert.equal(seen?.clientCN, 'kube-apiserver-kubelet-client');
    assert.equal(seen?.headers.authorization, undefined);
    const echoed = new Promise<string>((resolve) => socket.once('data', (c) => resolve(String(c))));
    socket.resume();
    socket.write('ping');
    assert.equal(await echoed, 'ping');
    socket.destroy();
  });

  it('goes to /attach and /portForward as kube builds them', async () => {
    const a = await upgrade(
      '/api/v1/namespaces/default/pods/pa/attach?container=side&stdin=1&stdout=1&tty=1',
    );
    a.socket.destroy();
    assert.equal(lastCall()?.url, '/attach/default/pa/side?input=1&output=1&tty=1');
    const p = await upgrade('/api/v1/namespaces/default/pods/pa/portforward?ports=8080', 'GET');
    p.socket.destroy();
    assert.equal(lastCall()?.url, '/portForward/default/pa?port=8080');
  });

  it("checks the pod and container first, in kube-apiserver's words", async () => {
    // Only exec requests count: the resource-metrics scraper may reach the node meanwhile.
    const execs = () => kubelet.requests.filter((r) => r.url.startsWith('/exec/')).length;
    const before = execs();
    const cases: [string, number, string][] = [
      ['nope/exec?command=ls', 404, 'pods "nope" not found'],
      [
        'pa/exec?command=ls',
        400,
        'a container name must be specified for pod pa, choose one of: [app side]',
      ],
      ['pa/exec?command=ls&container=x', 400, 'container x is not valid for pod pa'],
    ];
    for (const [path, code, message] of cases) {
      const { head, socket } = await upgrade(`/api/v1/namespaces/default/pods/${path}`);
      const body = await readAll(socket);
      assert.match(head, new RegExp(`^HTTP/1.1 ${code} `), path);
      assert.equal(JSON.parse(body).message, message, path);
    }
    assert.equal(execs(), before, 'the kubelet was never asked');
  });

  it('answers 500 with the dial error when the kubelet cannot be reached', async () => {
    const dead = nodeAt('dead-node', 1);
    await call('POST', '/api/v1/nodes', dead);
    await call('PATCH', '/api/v1/nodes/dead-node/status', { status: dead.status });
    await call('POST', '/api/v1/namespaces/default/pods', {
      metadata: { name: 'stranded' },
      spec: { nodeName: 'dead-node', containers: [{ name: 'app', image: 'busybox' }] },
    });
    const { head, socket } = await upgrade(
      '/api/v1/namespaces/default/pods/stranded/exec?command=ls&stdout=1',
    );
    const body = await readAll(socket);
    assert.match(head, /^HTTP\/1\.1 500 /);
    // kube's UpgradeAwareHandler: `error dialing backend: …`, a plain error (no reason).
    assert.equal(JSON.parse(body).reason, undefined);
    assert.equal(
      JSON.parse(body).message,
      'error dialing backend: dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });

  it("passes the kubelet's refusal back as written, and nothing after it", async () => {
    kubelet.onUpgrade = (_req, socket) => {
      socket.write(
        'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n' +
          'Content-Length: 27\r\n\r\ncontainer not found ("app")',
      );
      // The connection stays open: a client's next bytes must not become a request here.
      socket.on('data', (c: Buffer) => kubeletSawAfterRefusal.push(c.toString()));
    };
    const kubeletSawAfterRefusal: string[] = [];
    const { head, socket } = await upgrade(
      '/api/v1/namespaces/default/pods/pa/exec?command=ls&container=app&stdout=1',
    );
    socket.write('GET /pods HTTP/1.1\r\nHost: x\r\n\r\n');
    const body = await readAll(socket);
    assert.match(head, /^HTTP\/1\.1 500 /);
    assert.equal(body, 'container not found ("app")');
    assert.deepEqual(kubeletSawAfterRefusal, []);
  });
});

/** Real curl against the API server, as the seed documents use it (h2, or HTTP/1.1). */
function curl(path: string, ...args: string[]): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '--cacert',
        join(dir, 'ca.crt'),
        '-H',
        `Authorization: Bearer ${TOKEN}`,
        '-w',
        '\n%{http_code}',
        ...args,
        `https://127.0.0.1:${apiPort}${path}`,
      ],
      { timeout: 15_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`curl ${path}: ${stderr || err.message}`));
        const at = stdout.lastIndexOf('\n');
        resolve({ code: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) });
      },
    );
  });
}

describe('the seed documents’ proxy URLs with curl', () => {
  for (const proto of [[], ['--http1.1']]) {
    const label = proto.length ? 'HTTP/1.1' : 'HTTP/2';
    it(`reaches services and pods by every URL form (${label})`, async () => {
      for (const [path, backends, url] of [
        [svcPath('plain', '/'), ['a'], '/'],
        [svcPath('plain', '/_search?q=user:kimchy'), ['a'], '/_search?q=user:kimchy'],
        [
          svcPath('web:http', '/_cluster/health?pretty=true'),
          ['a', 'b'],
          '/_cluster/health?pretty=true',
        ],
        [svcPath('web:80', '/x'), ['a', 'b'], '/x'],
        [
          svcPath('https:secure:', '/_cluster/health?pretty=true'),
          ['tls'],
          '/_cluster/health?pretty=true',
        ],
        [svcPath('https:secure:443', '/'), ['tls'], '/'],
        [podPath('pa', '/'), ['a'], '/'],
      ] as const) {
        const r = await curl(path, ...proto);
        assert.equal(r.code, 200, `${path}: ${r.body}`);
        const got = JSON.parse(r.body) as { name: string; url: string };
        assert.ok((backends as readonly string[]).includes(got.name), path);
        assert.equal(got.url, url, path);
      }
      const bare = await curl(svcPath('plain'), ...proto, '-o', '/dev/null');
      assert.equal(bare.code, 301);
      const followed = await curl(svcPath('plain'), ...proto, '-L');
      assert.equal(followed.code, 200);
      const noColon = await curl(svcPath('https:secure', '/'), ...proto);
      assert.equal(noColon.code, 404);
      assert.equal(JSON.parse(noColon.body).message, 'endpoints "https" not found');
    });
  }

  // kube-apiserver reads 1 MiB of request line and headers: a 100 KiB path gets through.
  it('passes a 100 KiB path to the pod (HTTP/1.1, curl)', async () => {
    const long = `/${'l'.repeat(100 * 1024)}`;
    const far = await curl(podPath('pa', long), '--http1.1');
    assert.equal(far.code, 200, far.body.slice(0, 200));
    assert.equal((JSON.parse(far.body) as { url: string }).url, long);
  });

  // HTTP/2 advertises kube-apiserver's header list limit, which Go's client (kubectl's) keeps
  // to before it sends. One field is read up to 64 KiB HPACK-encoded (nghttp2's own bound;
  // curl will not send more either), so the long path here is 60 KiB.
  it('advertises a 1 MiB header list over HTTP/2 and passes a 60 KiB path', async () => {
    const long = `/${'l'.repeat(60 * 1024)}`;
    const session = http2Connect(`https://127.0.0.1:${apiPort}`, { ca: pki.ca.certPem });
    try {
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      assert.equal(session.remoteSettings.maxHeaderListSize, (1 << 20) + 320);
      const { status, body } = await new Promise<{ status: number; body: string }>(
        (resolve, reject) => {
          const req = session.request({
            ':path': podPath('pa', long),
            authorization: `Bearer ${TOKEN}`,
          });
          let status = 0;
          let body = '';
          req.on('response', (h) => (status = Number(h[':status'])));
          req.on('data', (c: Buffer) => (body += c.toString()));
          req.on('end', () => resolve({ status, body }));
          req.on('error', reject);
          req.end();
        },
      );
      assert.equal(status, 200, body.slice(0, 200));
      assert.equal((JSON.parse(body) as { url: string }).url, long);
    } finally {
      session.close();
    }
  });
});

describe('kubectl through the proxy layer', () => {
  const kubectl = (minor: number, args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: c\n  cluster:\n    server: https://127.0.0.1:${apiPort}\n    certificate-authority: ${join(dir, 'ca.crt')}`,
          'users:',
          `- name: u\n  user:\n    token: ${TOKEN}`,
          'contexts:',
          '- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: default',
          'current-context: x',
          '',
        ].join('\n'),
      );
      execFile(
        `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`,
        ['--kubeconfig', kubeconfig, ...args],
        { timeout: 20_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });

  for (const minor of [27, 30, 33]) {
    it(`kubectl 1.${minor}: logs come from the kubelet, get --raw goes through services/proxy`, async () => {
      kubelet.handler = (req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end(req.url?.startsWith('/containerLogs/') ? 'line one\nline two\n' : 'no');
      };
      const logs = await kubectl(minor, ['logs', 'pa', '-c', 'app', '--tail=2', '--timestamps']);
      assert.equal(logs.err, '');
      assert.equal(logs.out, 'line one\nline two\n');
      assert.equal(lastCall()?.url, '/containerLogs/default/pa/app?tailLines=2&timestamps=true');
      const raw = await kubectl(minor, ['get', '--raw', svcPath('plain', '/via-kubectl?x=1')]);
      assert.equal(raw.code, 0, raw.err);
      assert.equal(JSON.parse(raw.out).url, '/via-kubectl?x=1');
      const missing = await kubectl(minor, ['logs', 'nope']);
      // kubectl 1.27 prints the Status; later ones look the pod up first and word it themselves.
      assert.match(missing.err, /rror from server \(NotFound\): pods "nope" not found/);
    });
  }
});
