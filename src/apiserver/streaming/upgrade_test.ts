// The upgrade front and the WebSocket protocols kubectl does not use (v4, base64, the
// original channel protocol), spoken by hand over a real TLS server.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import {
  createHostBackend,
  startStreamingTestServer,
  type StreamingTestServer,
} from '../../../test/support/apiserver-streaming.js';

let s: StreamingTestServer;
const ports: Record<number, number> = {};
const backend = createHostBackend({ ports });
const echo = createServer((c) => c.pipe(c).on('error', () => {}));

before(async () => {
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  ports[80] = (echo.address() as AddressInfo).port;
  s = await startStreamingTestServer(backend, {
    tokens: { 'good-token': { name: 'bob', groups: [] } },
  });
  await s.createPod('web');
  await s.createPod('pending', {
    phase: 'Pending',
    state: { waiting: { reason: 'ContainerCreating' } },
  });
});
after(async () => {
  await s.close();
  echo.close();
});

const EXEC = '/api/v1/namespaces/default/pods/web/exec';

interface WsResult {
  protocol: string;
  messages: { binary: boolean; data: Buffer }[];
  closeCode: number;
}

function wsExec(
  query: string,
  protocols: string[],
  toSend: (Buffer | string)[] = [],
): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${s.port}${EXEC}?${query}`, protocols, {
      ca: s.tls.ca,
      cert: s.tls.cert,
      key: s.tls.key,
    });
    const messages: WsResult['messages'] = [];
    ws.on('open', () => {
      for (const m of toSend) ws.send(m, { binary: typeof m !== 'string' });
    });
    ws.on('message', (data: Buffer, binary: boolean) => messages.push({ binary, data }));
    ws.on('close', (closeCode) => resolve({ protocol: ws.protocol, messages, closeCode }));
    ws.on('error', reject);
  });
}

const q = (cmd: string[], flags: string): string =>
  cmd.map((c) => `command=${encodeURIComponent(c)}`).join('&') + '&' + flags;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends an HTTP/1.1 request by hand (as admin unless told) and reads the answer. */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  asAdmin = true,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({
      host: '127.0.0.1',
      port: s.port,
      ca: s.tls.ca,
      ...(asAdmin ? { cert: s.tls.cert, key: s.tls.key } : {}),
      ALPNProtocols: ['http/1.1'],
    });
    let text = '';
    sock.on('secureConnect', () => {
      const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${s.port}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      sock.write(lines.join('\r\n') + '\r\n\r\n');
    });
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...hs] = head.split('\r\n');
      const out: Record<string, string> = {};
      for (const h of hs) {
        const i = h.indexOf(':');
        out[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: out, body });
    });
  });
}

const SPDY = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' };

describe('WebSocket exec protocols', () => {
  it('v4.channel.k8s.io: binary channels and the JSON status, then close 1000', async () => {
    const r = await wsExec(
      q(['sh', '-c', 'echo out; echo err >&2; exit 2'], 'stdout=true&stderr=true'),
      ['v4.channel.k8s.io'],
    );
    assert.equal(r.protocol, 'v4.channel.k8s.io');
    assert.equal(r.closeCode, 1000);
    assert.ok(r.messages.every((m) => m.binary));
    const byChannel = (ch: number) =>
      r.messages
        .filter((m) => m.data[0] === ch)
        .map((m) => m.data.subarray(1).toString())
        .join('');
    assert.equal(byChannel(1), 'out\n');
    assert.equal(byChannel(2), 'err\n');
    assert.equal(JSON.parse(byChannel(3)).details.causes[0].message, '2');
    // The first message says "connected": an empty one on stdout.
    assert.deepEqual([...(r.messages[0]?.data ?? [])], [1]);
    assert.equal(r.messages.at(-1)?.data[0], 3);
  });

  it('v4.base64.channel.k8s.io: text messages, an ASCII channel digit and base64', async () => {
    const r = await wsExec(
      q(['head', '-n', '1'], 'stdin=true&stdout=true'),
      ['v4.base64.channel.k8s.io'],
      ['0' + Buffer.from('hello\n').toString('base64')],
    );
    assert.equal(r.protocol, 'v4.base64.channel.k8s.io');
    assert.ok(r.messages.every((m) => !m.binary));
    const texts = r.messages.map((m) => m.data.toString());
    assert.ok(texts.includes('1' + Buffer.from('hello\n').toString('base64')), texts.join());
    assert.equal(
      texts.at(-1),
      '3' + Buffer.from('{"metadata":{},"status":"Success"}').toString('base64'),
    );
  });

  it('channel.k8s.io: a failure is reported as text on the error channel', async () => {
    const r = await wsExec(q(['sh', '-c', 'exit 5'], 'stdout=true'), ['channel.k8s.io']);
    const status = r.messages.find((m) => m.data[0] === 3 && m.data.length > 1);
    assert.equal(
      status?.data.subarray(1).toString(),
      'command terminated with non-zero exit code: error executing command [sh -c exit 5], exit code 5',
    );
    assert.equal(r.closeCode, 1000);
  });

  it('v5.channel.k8s.io: stdin ends with the close signal; resizes reach the backend', async () => {
    backend.resizes.length = 0;
    const r = await wsExec(
      q(['cat'], 'stdin=true&stdout=true&tty=false'),
      ['v5.channel.k8s.io'],
      [
        Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":132,"Height":43}\n')]),
        Buffer.concat([Buffer.from([0]), Buffer.from('abc')]),
        Buffer.from([255, 0]),
      ],
    );
    const out = r.messages
      .filter((m) => m.data[0] === 1)
      .map((m) => m.data.subarray(1).toString())
      .join('');
    assert.equal(out, 'abc');
    assert.equal(
      r.messages.at(-1)?.data.subarray(1).toString(),
      '{"metadata":{},"status":"Success"}',
    );
    assert.deepEqual(backend.resizes, [{ width: 132, height: 43 }]);
  });
});

describe('WebSocket port-forward channels (v4.channel.k8s.io, as client libraries use)', () => {
  const open = (query: string): Promise<{ ws: WebSocket; messages: Buffer[] }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `wss://127.0.0.1:${s.port}/api/v1/namespaces/default/pods/web/portforward?${query}`,
        ['v4.channel.k8s.io'],
        { ca: s.tls.ca, cert: s.tls.cert, key: s.tls.key },
      );
      const messages: Buffer[] = [];
      ws.on('message', (d: Buffer) => messages.push(d));
      ws.on('open', () => resolve({ ws, messages }));
      ws.on('error', reject);
    });
  const waitFor = async (messages: Buffer[], n: number): Promise<void> => {
    for (let i = 0; i < 100 && messages.length < n; i++)
      await new Promise((r) => setTimeout(r, 20));
  };

  it('opens each channel with its port, then carries the bytes', async () => {
    const { ws, messages } = await open('ports=80');
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello')]));
    await waitFor(messages, 3);
    assert.deepEqual(
      messages.map((m) => [...m]),
      [
        [0, 80, 0],
        [1, 80, 0],
        [0, ...Buffer.from('hello')],
      ],
    );
    ws.close();
    await once(ws, 'close');
  });

  it('reports a refused connection on the error channel and closes', async () => {
    const { ws, messages } = await open('ports=81');
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1000);
    const err = messages.find((m) => m[0] === 1 && m.length > 3);
    assert.match(
      err?.subarray(1).toString() ?? '',
      /^error forwarding port 81 to pod web_default, uid [0-9a-f-]+: connect ECONNREFUSED/,
    );
  });

  it('needs the ports up front', async () => {
    const r = await raw('GET', '/api/v1/namespaces/default/pods/web/portforward', {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol': 'v4.channel.k8s.io',
    });
    assert.equal(r.status, 400);
    assert.equal(r.body, 'query parameter "port" is required\n');
  });
});

describe('refused upgrades', () => {
  it('an unknown WebSocket subprotocol gets a 400 Status (so kubectl falls back to SPDY)', async () => {
    const r = await raw('GET', `${EXEC}?command=ls&stdout=true`, {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol': 'v9.channel.k8s.io',
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(
      JSON.parse(r.body).message,
      'unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v5.channel.k8s.io v4.channel.k8s.io v4.base64.channel.k8s.io channel.k8s.io base64.channel.k8s.io]',
    );
  });

  it('SPDY without a protocol the server speaks gets 403 and the accepted versions', async () => {
    const r = await raw('POST', `${EXEC}?command=ls&stdout=true`, {
      ...SPDY,
      'X-Stream-Protocol-Version': 'v9.channel.k8s.io',
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.headers['x-accepted-stream-protocol-versions'],
      'v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io',
    );
    const none = await raw('POST', `${EXEC}?command=ls&stdout=true`, SPDY);
    assert.equal(none.status, 400);
    assert.equal(none.body, 'unable to upgrade: X-Stream-Protocol-Version is required\n');
  });

  it('negotiates the newest SPDY protocol both sides speak', async () => {
    // The 101 is followed by SPDY; the test client hangs up after reading the head.
    const seen = await new Promise<string>((resolve, reject) => {
      const sock = tlsConnect({
        host: '127.0.0.1',
        port: s.port,
        ca: s.tls.ca,
        cert: s.tls.cert,
        key: s.tls.key,
        ALPNProtocols: ['http/1.1'],
      });
      let text = '';
      sock.on('secureConnect', () =>
        sock.write(
          `POST ${EXEC}?command=true&stdout=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v5.channel.k8s.io, v3.channel.k8s.io\r\n\r\n`,
        ),
      );
      sock.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) {
          sock.destroy();
          resolve(text.split('\r\n\r\n')[0] ?? '');
        }
      });
      sock.on('error', reject);
    });
    assert.match(seen, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(seen, /\r\nUpgrade: SPDY\/3\.1(\r\n|$)/);
    assert.match(seen, /\r\nX-Stream-Protocol-Version: v3\.channel\.k8s\.io(\r\n|$)/);
  });

  it('authenticates and authorizes before anything else', async () => {
    const bad = await raw(
      'POST',
      `${EXEC}?command=ls&stdout=true`,
      { ...SPDY, Authorization: 'Bearer wrong' },
      false,
    );
    assert.equal(bad.status, 401);
    assert.equal(JSON.parse(bad.body).reason, 'Unauthorized');
    const bob = await raw(
      'GET',
      `${EXEC}?command=ls&stdout=true`,
      { Connection: 'Upgrade', Upgrade: 'websocket', Authorization: 'Bearer good-token' },
      false,
    );
    assert.equal(bob.status, 403);
    assert.equal(
      JSON.parse(bob.body).message,
      'pods "web" is forbidden: User "bob" cannot get resource "pods/exec" in API group "" in the namespace "default"',
    );
    const anon = await raw('POST', `${EXEC}?command=ls&stdout=true`, SPDY, false);
    assert.match(
      JSON.parse(anon.body).message,
      /User "system:anonymous" cannot create resource "pods\/exec"/,
    );
  });

  it('says what is wrong with the pod, the container or the request', async () => {
    const cases: [string, number, RegExp][] = [
      [
        '/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true',
        404,
        /pods \\"nope\\" not found/,
      ],
      ['/api/v1/namespaces/default/pods/web/exec?stdout=true', 400, /at least one command/],
      [
        '/api/v1/namespaces/default/pods/web/exec?command=ls',
        400,
        /^you must specify at least 1 of stdin, stdout, stderr\n$/,
      ],
      [
        '/api/v1/namespaces/default/pods/pending/exec?command=ls&stdout=true',
        500,
        /^container not found \("app"\)\n$/,
      ],
      [
        '/api/v1/namespaces/default/pods/pending/portforward',
        500,
        /^pod not found \("pending_default"\)\n$/,
      ],
      [
        '/api/v1/namespaces/default/services/web/proxy',
        404,
        /the server could not find the requested resource/,
      ],
    ];
    for (const [path, status, body] of cases) {
      const r = await raw('POST', path, {
        ...SPDY,
        'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
      });
      assert.equal(r.status, status, path);
      assert.match(r.body, body, path);
    }
  });
});
