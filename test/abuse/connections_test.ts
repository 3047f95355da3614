// Connection-level abuse against a real server: bodies over the limit, connections that never
// start TLS, oversized headers, framing tricks and odd content types. Each case asserts what
// the client sees on the wire (status, headers, whether the connection is closed) and that
// nothing was stored.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { assertStatus, startAbuseServer, type AbuseServer } from './support.js';
import { eventually } from '../support/eventually.js';

const NS = 'abuse-conn';
const HANDSHAKE_TIMEOUT_MS = 1500;
const MAX_BODY = 3 * 1024 * 1024;

let srv: AbuseServer;
let baseline: Record<string, string>;

const snapshot = (): Promise<Record<string, string>> =>
  srv.snapshot([`/api/v1/namespaces/${NS}/configmaps`]);

async function assertUnchanged(what: string): Promise<void> {
  assert.deepEqual(await snapshot(), baseline, `${what} changed stored objects`);
}

/** What a raw connection saw: the bytes it read and whether the server closed it. */
interface Exchange {
  text: string;
  closed: boolean;
  /** ms from connecting to the server closing (when closed). */
  closedAfterMs: number;
}

interface RawOptions {
  /** Sent first, as is. */
  head: string | Buffer;
  /** Body bytes written after the head, in chunks, while the connection stays open. */
  bodyBytes?: number;
  /** How long to wait for the server to close once everything is written. */
  waitMs?: number;
}

/** Sends raw bytes over TLS (HTTP/1.1 only) and reads until the server closes or time runs out. */
function rawTls(o: RawOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let settled = false;
    const sock: TLSSocket = tlsConnect({
      host: '127.0.0.1',
      port: srv.cluster.port,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      sock.destroy();
      resolve({ text, closed, closedAfterMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), o.waitMs ?? 10_000);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // A reset while we were still writing is the server closing on us.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') finish(true);
      else if (!settled) reject(e);
    });
    sock.once('secureConnect', () => {
      sock.write(o.head);
      let left = o.bodyBytes ?? 0;
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        while (left > 0 && !sock.destroyed && !settled) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!sock.write(chunk.subarray(0, n))) {
            sock.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}

function statusLine(text: string): string {
  return text.split('\r\n')[0] ?? '';
}

function header(text: string, name: string): string | undefined {
  const head = text.split('\r\n\r\n')[0] ?? '';
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

function bodyJson(text: string): any {
  const body = text.split('\r\n\r\n').slice(1).join('\r\n\r\n');
  return JSON.parse(body);
}

const requestHead = (lines: string[]): string =>
  [...lines, `Authorization: Bearer ${srv.cluster.adminToken}`, '', ''].join('\r\n');

before(async () => {
  process.env['SKIFF_TLS_HANDSHAKE_TIMEOUT_MS'] = String(HANDSHAKE_TIMEOUT_MS);
  srv = startAbuseServer();
  delete process.env['SKIFF_TLS_HANDSHAKE_TIMEOUT_MS'];
  const res = await srv.send({
    method: 'POST',
    path: '/api/v1/namespaces',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name: NS } }),
  });
  assert.equal(res.status, 201, res.text);
  await eventually(
    async () =>
      (await srv.send({ path: `/api/v1/namespaces/${NS}/configmaps/kube-root-ca.crt` })).status ===
      200,
    'kube-root-ca.crt to appear',
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  baseline = await snapshot();
});

after(() => srv?.stop());

describe('a body over the limit', () => {
  const post = `POST /api/v1/namespaces/${NS}/configmaps HTTP/1.1`;

  test('413 as soon as it passes the limit, then the connection is closed', async () => {
    // Declares 64 MiB, sends a little over the limit, and waits: the server must answer and
    // close without reading the rest.
    const ex = await rawTls({
      head: requestHead([
        post,
        'Host: x',
        'Content-Type: application/json',
        `Content-Length: ${64 * 1024 * 1024}`,
      ]),
      bodyBytes: MAX_BODY + 256 * 1024,
    });
    assert.equal(
      statusLine(ex.text),
      'HTTP/1.1 413 Request Entity Too Large',
      ex.text.slice(0, 300),
    );
    assert.equal(header(ex.text, 'connection'), 'close');
    const status = bodyJson(ex.text);
    assert.equal(status.reason, 'RequestEntityTooLarge');
    assert.equal(status.message, `Request entity too large: limit is ${MAX_BODY}`);
    assert.ok(ex.closed, 'the connection stayed open');
    await assertUnchanged('413 by Content-Length');
  });

  test('a chunked body over the limit is cut off the same way', async () => {
    const size = MAX_BODY + 512 * 1024;
    // One chunk announcing more than the limit; its bytes follow.
    const ex = await rawTls({
      head:
        requestHead([
          post,
          'Host: x',
          'Content-Type: application/json',
          'Transfer-Encoding: chunked',
        ]) + `${size.toString(16)}\r\n`,
      bodyBytes: size,
    });
    assert.equal(
      statusLine(ex.text),
      'HTTP/1.1 413 Request Entity Too Large',
      ex.text.slice(0, 300),
    );
    assert.equal(header(ex.text, 'connection'), 'close');
    assert.ok(ex.closed, 'the connection stayed open');
    await assertUnchanged('413 chunked');
  });

  test('a declared length over the limit is refused before any body is sent', async () => {
    const ex = await rawTls({
      head: requestHead([
        post,
        'Host: x',
        'Content-Type: application/json',
        `Content-Length: ${MAX_BODY + 1}`,
      ]),
    });
    assert.equal(
      statusLine(ex.text),
      'HTTP/1.1 413 Request Entity Too Large',
      ex.text.slice(0, 300),
    );
    assert.equal(header(ex.text, 'connection'), 'close');
    assert.ok(ex.closed, 'the connection stayed open');
    await assertUnchanged('413 declared');
  });

  test('a body at the limit is read and judged (no 413)', async () => {
    const res = await srv.send({
      method: 'POST',
      path: `/api/v1/namespaces/${NS}/configmaps`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(MAX_BODY, ' '),
    });
    assert.notEqual(res.status, 413, res.text.slice(0, 300));
    assert.ok(res.status >= 400 && res.status < 500, res.text.slice(0, 300));
    await assertUnchanged('body at the limit');
  });
});

describe('connections that never finish TLS', () => {
  test('a TCP connection that sends nothing is closed after the handshake timeout', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const sock: Socket = netConnect({ host: '127.0.0.1', port: srv.cluster.port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error('still open after 10 s'));
      }, 10_000);
      sock.on('error', () => {});
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    assert.ok(closedAfter >= HANDSHAKE_TIMEOUT_MS - 200, `closed too early: ${closedAfter} ms`);
    assert.ok(closedAfter < HANDSHAKE_TIMEOUT_MS + 3000, `closed too late: ${closedAfter} ms`);
  });

  test('a partial ClientHello is closed after the handshake timeout too', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const sock: Socket = netConnect({ host: '127.0.0.1', port: srv.cluster.port }, () =>
        // A TLS record header promising 512 bytes of handshake, and only 3 of them.
        sock.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01])),
      );
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error('still open after 10 s'));
      }, 10_000);
      sock.on('error', () => {});
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
    assert.ok(closedAfter >= HANDSHAKE_TIMEOUT_MS - 200, `closed too early: ${closedAfter} ms`);
    assert.ok(closedAfter < HANDSHAKE_TIMEOUT_MS + 3000, `closed too late: ${closedAfter} ms`);
  });

  test('plain HTTP on the TLS port is closed at once, with nothing served', async () => {
    const ex = await new Promise<{ text: string; ms: number }>((resolve) => {
      const started = Date.now();
      const chunks: Buffer[] = [];
      const sock: Socket = netConnect({ host: '127.0.0.1', port: srv.cluster.port }, () =>
        sock.write(`DELETE /api/v1/namespaces/${NS} HTTP/1.1\r\nHost: x\r\n\r\n`),
      );
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('error', () => {});
      sock.on('close', () =>
        resolve({ text: Buffer.concat(chunks).toString('latin1'), ms: Date.now() - started }),
      );
    });
    assert.ok(!ex.text.includes('HTTP/1.1 2'), ex.text);
    assert.ok(ex.ms < HANDSHAKE_TIMEOUT_MS, `took ${ex.ms} ms`);
    await assertUnchanged('plain HTTP');
  });
});

describe('headers and framing', () => {
  const get = `GET /api/v1/namespaces/${NS}/configmaps HTTP/1.1`;

  test("headers within kube-apiserver's 1 MiB are read; past it, Go's 431 and the connection closed", async () => {
    const big = await srv.send({
      path: `/api/v1/namespaces/${NS}/configmaps`,
      headers: { 'x-big': 'a'.repeat(100 * 1024) },
    });
    assert.equal(big.status, 200, big.text.slice(0, 200));
    const ex = await rawTls({
      head: requestHead([get, 'Host: x', `X-Big: ${'a'.repeat(1100 * 1024)}`]),
    });
    assert.equal(statusLine(ex.text), 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.match(ex.text, /\r\nContent-Type: text\/plain; charset=utf-8\r\n/);
    assert.ok(ex.text.endsWith('\r\n\r\n431 Request Header Fields Too Large'), ex.text);
    assert.ok(ex.closed);
  });

  // Request smuggling and broken framing: each is a 400, and the connection is closed rather
  // than read on, so nothing after it can be taken for a second request.
  const post = `POST /api/v1/namespaces/${NS}/configmaps HTTP/1.1`;
  const smuggled = JSON.stringify({ metadata: { name: 'smuggled' } });
  const framings: { what: string; headers: string[]; rest: string }[] = [
    {
      what: 'Content-Length together with Transfer-Encoding',
      headers: [`Content-Length: ${smuggled.length + 5}`, 'Transfer-Encoding: chunked'],
      rest: `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`,
    },
    {
      what: 'two different Content-Lengths',
      headers: ['Content-Length: 2', 'Content-Length: 40'],
      rest: '{}',
    },
    {
      what: 'a malformed chunk size',
      headers: ['Transfer-Encoding: chunked'],
      rest: 'zz\r\n{}\r\n0\r\n\r\n',
    },
    {
      what: 'a Transfer-Encoding other than chunked',
      headers: ['Transfer-Encoding: gzip, chunked, identity'],
      rest: '2\r\n{}\r\n0\r\n\r\n',
    },
  ];
  for (const f of framings) {
    test(`refused, connection closed: ${f.what}`, async () => {
      const ex = await rawTls({
        head:
          requestHead([post, 'Host: x', 'Content-Type: application/json', ...f.headers]) + f.rest,
      });
      assert.equal(statusLine(ex.text), 'HTTP/1.1 400 Bad Request');
      assert.ok(ex.closed);
      await assertUnchanged(f.what);
    });
  }

  test('a body in a content type the server does not read is 415', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'nonsense']) {
      const res = await srv.send({
        method: 'POST',
        path: `/api/v1/namespaces/${NS}/configmaps`,
        headers: { 'content-type': type },
        body: JSON.stringify({ metadata: { name: 'typed' } }),
      });
      assertStatus(res, 415, 'UnsupportedMediaType');
    }
    await assertUnchanged('content types');
  });
});
