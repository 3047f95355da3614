// exec, attach and port-forward on the node server, spoken by hand over TLS: the WebSocket
// protocols, the SPDY handshake, the kubelet's checks and texts before the upgrade.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  createHostBackend,
  startNodeServer,
  type Caller,
  type NodeServerHarness,
} from '../../../test/support/node-server.js';

let h: NodeServerHarness;
let admin: Caller;
const ports: Record<number, number> = {};
const backend = createHostBackend({ ports });
const echo = createServer((c) => c.pipe(c).on('error', () => {}));

before(async () => {
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  ports[80] = (echo.address() as AddressInfo).port;
  h = await startNodeServer({ backend, tokens: { 'good-token': { name: 'bob', groups: [] } } });
  admin = { cert: h.apiserverClient };
  await h.createPod('web');
  await h.createPod('pending', {
    phase: 'Pending',
    state: { waiting: { reason: 'ContainerCreating' } },
  });
});
after(async () => {
  await h.close();
  echo.close();
});

const EXEC = '/exec/default/web/app';

interface WsResult {
  protocol: string;
  messages: { binary: boolean; data: Buffer }[];
  closeCode: number;
}

const wsOptions = () => ({
  ca: h.caPem,
  cert: h.apiserverClient.certPem,
  key: h.apiserverClient.keyPem,
  servername: 'localhost',
});

function wsExec(
  query: string,
  protocols: string[],
  toSend: (Buffer | string)[] = [],
  path = EXEC,
): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${h.port}${path}?${query}`, protocols, wsOptions());
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

const raw = (method: string, path: string, headers: Record<string, string>, caller = admin) =>
  h.raw(method, path, { caller, headers });

const SPDY = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' };
const WS = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

describe('WebSocket exec and attach', () => {
  it('v4.channel.k8s.io: binary channels and the JSON status, then close 1000', async () => {
    const r = await wsExec(q(['sh', '-c', 'echo out; echo err >&2; exit 2'], 'output=1&error=1'), [
      'v4.channel.k8s.io',
    ]);
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
    assert.equal(r.messages.at(-1)?.data[0], 3);
    assert.equal(backend.execs.at(-1)?.container, 'app');
  });

  it('takes the kubelet names: input, output, tty (stderr dropped with a tty)', async () => {
    const r = await wsExec(
      q(['head', '-n', '1'], 'input=1&output=1&error=1'),
      ['v4.base64.channel.k8s.io'],
      ['0' + Buffer.from('hello\n').toString('base64')],
    );
    assert.equal(r.protocol, 'v4.base64.channel.k8s.io');
    const texts = r.messages.map((m) => m.data.toString());
    assert.ok(texts.includes('1' + Buffer.from('hello\n').toString('base64')), texts.join());
    assert.equal(
      texts.at(-1),
      '3' + Buffer.from('{"metadata":{},"status":"Success"}').toString('base64'),
    );
    await wsExec(q(['true'], 'output=1&error=1&tty=1'), ['v4.channel.k8s.io']);
    const t = backend.execs.at(-1);
    assert.deepEqual([t?.stdin, t?.stdout, t?.stderr, t?.tty], [false, true, false, true]);
  });

  it('channel.k8s.io: a failure is reported as text on the error channel', async () => {
    const r = await wsExec(q(['sh', '-c', 'exit 5'], 'output=1'), ['channel.k8s.io']);
    const status = r.messages.find((m) => m.data[0] === 3 && m.data.length > 1);
    assert.equal(
      status?.data.subarray(1).toString(),
      'command terminated with non-zero exit code: error executing command [sh -c exit 5], exit code 5',
    );
  });

  it('v5.channel.k8s.io: stdin ends with the close signal; resizes reach the backend', async () => {
    backend.resizes.length = 0;
    const r = await wsExec(
      q(['cat'], 'input=1&output=1'),
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
    assert.deepEqual(backend.resizes, [{ width: 132, height: 43 }]);
  });

  it('exec with the pod uid in the path, and attach', async () => {
    const pod = (await h.api.get('/api/v1/namespaces/default/pods/web')).json<{
      metadata: { uid: string };
    }>();
    const r = await wsExec(
      q(['echo', 'hi'], 'output=1'),
      ['v4.channel.k8s.io'],
      [],
      `/exec/default/web/${pod.metadata.uid}/app`,
    );
    assert.ok(r.messages.some((m) => m.data.subarray(1).toString() === 'hi\n'));
    const a = await wsExec('output=1', ['v4.channel.k8s.io'], [], '/attach/default/web/app');
    assert.ok(a.messages.some((m) => m.data.subarray(1).toString().includes('attached to app')));
    assert.equal(
      a.messages.at(-1)?.data.subarray(1).toString(),
      '{"metadata":{},"status":"Success"}',
    );
  });
});

describe('WebSocket port-forward', () => {
  const open = (query: string): Promise<{ ws: WebSocket; messages: Buffer[] }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `wss://127.0.0.1:${h.port}/portForward/default/web?${query}`,
        ['v4.channel.k8s.io'],
        wsOptions(),
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

  it('opens each channel with its port (`port` query), then carries the bytes', async () => {
    const { ws, messages } = await open('port=80');
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
    const { ws, messages } = await open('port=81');
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1000);
    const err = messages.find((m) => m[0] === 1 && m.length > 3);
    assert.match(
      err?.subarray(1).toString() ?? '',
      /^error forwarding port 81 to pod web_default, uid [0-9a-f-]+: connect ECONNREFUSED/,
    );
  });

  it('checks the ports as the kubelet does', async () => {
    const cases: [string, string][] = [
      ['', 'query parameter "port" is required'],
      ['?port=', 'query parameter "port" cannot be empty'],
      ['?port=x', 'unable to parse "x" as a port: strconv.ParseUint: parsing "x": invalid syntax'],
      [
        '?port=80,70000',
        'unable to parse "80,70000" as a port: strconv.ParseUint: parsing "70000": value out of range',
      ],
      ['?port=0', 'port "0" must be > 0'],
    ];
    for (const [query, body] of cases) {
      const r = await raw('GET', `/portForward/default/web${query}`, {
        ...WS,
        'Sec-WebSocket-Protocol': 'v4.channel.k8s.io',
      });
      assert.equal(r.status, 400, query);
      assert.equal(r.body, body, query);
    }
  });
});

describe('refused upgrades', () => {
  it('an unknown WebSocket subprotocol gets a bare 403 (so kubectl falls back to SPDY)', async () => {
    const r = await raw('GET', `${EXEC}?command=ls&output=1`, {
      ...WS,
      'Sec-WebSocket-Protocol': 'v9.channel.k8s.io',
    });
    assert.equal(r.status, 403);
    assert.equal(r.body, '');
  });

  it('SPDY without a protocol the server speaks gets 403 and the accepted versions', async () => {
    const r = await raw('POST', `${EXEC}?command=ls&output=1`, {
      ...SPDY,
      'X-Stream-Protocol-Version': 'v9.channel.k8s.io',
    });
    assert.equal(r.status, 403);
    assert.deepEqual(
      r.headerLines.filter(([k]) => k === 'x-accepted-stream-protocol-versions').map(([, v]) => v),
      ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'],
    );
    const msg =
      'unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]\n';
    assert.equal(r.body, msg + msg);
    const none = await raw('POST', `${EXEC}?command=ls&output=1`, SPDY);
    assert.equal(none.status, 400);
    assert.equal(none.body, 'unable to upgrade: X-Stream-Protocol-Version is required\n');
  });

  it('negotiates the newest SPDY protocol both sides speak', async () => {
    const text = await h.rawBytes(
      `POST ${EXEC}?command=true&output=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v5.channel.k8s.io, v3.channel.k8s.io\r\n\r\n`,
      admin,
      1_000,
    );
    const seen = text.split('\r\n\r\n')[0] ?? '';
    assert.match(seen, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(seen, /\r\nUpgrade: SPDY\/3\.1(\r\n|$)/);
    assert.match(seen, /\r\nX-Stream-Protocol-Version: v3\.channel\.k8s\.io(\r\n|$)/);
  });

  it('authenticates and authorizes before anything else', async () => {
    const bad = await raw('POST', `${EXEC}?command=ls&output=1`, SPDY, { token: 'wrong' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body, 'Unauthorized');
    const bob = await raw('GET', `${EXEC}?command=ls&output=1`, WS, { token: 'good-token' });
    assert.equal(bob.status, 403);
    assert.equal(
      bob.body,
      'Forbidden (user=bob, verb=get, resource=nodes, subresource(s)=[proxy])',
    );
  });

  it('takes a bearer token sent as a WebSocket subprotocol', async () => {
    const token = Buffer.from('good-token').toString('base64url');
    const r = await raw(
      'GET',
      `${EXEC}?command=ls&output=1`,
      {
        ...WS,
        'Sec-WebSocket-Protocol': `v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.${token}`,
      },
      {},
    );
    assert.equal(r.status, 403);
    assert.match(r.body, /^Forbidden \(user=bob,/);
  });

  it('says what is wrong with the pod, the container or the request', async () => {
    const cases: [string, number, string][] = [
      ['/exec/default/nope/app?command=ls&output=1', 404, 'pod does not exist'],
      [
        '/exec/default/web/app?command=ls',
        400,
        'you must specify at least 1 of stdin, stdout, stderr',
      ],
      [
        '/exec/default/web/app?command=ls&stdout=true',
        400,
        'you must specify at least 1 of stdin, stdout, stderr',
      ],
      ['/exec/default/web/other?command=ls&output=1', 500, 'container not found ("other")'],
      ['/exec/default/pending/app?command=ls&output=1', 500, 'container not found ("app")'],
      ['/attach/default/pending/app?output=1', 500, 'container not found ("app")'],
      ['/portForward/default/pending', 500, 'pod not found ("pending_default")'],
      ['/portForward/default/web/not-the-uid', 404, 'pod not found'],
      ['/portForward/default/nope', 404, 'pod does not exist'],
    ];
    for (const [path, status, body] of cases) {
      const r = await raw('POST', path, {
        ...SPDY,
        'X-Stream-Protocol-Version': 'v4.channel.k8s.io',
      });
      assert.equal(r.status, status, path);
      assert.equal(r.body, body, path);
    }
  });

  it('answers a request without an upgrade with 500 Upgrade request required', async () => {
    for (const path of [
      `${EXEC}?command=ls&output=1`,
      '/attach/default/web/app?output=1',
      '/portForward/default/web',
    ]) {
      const r = await raw('POST', path, {});
      assert.equal(r.status, 500, path);
      assert.equal(r.body, 'Upgrade request required\n', path);
    }
  });
});
