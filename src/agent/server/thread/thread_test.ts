// The node server on its own thread: the byte streams between the threads, port-forward
// connections made on the server's thread, listening and closing. The kubelet's behaviour
// through the thread is the other suites' again (on-thread-*_test.ts).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import WebSocket from 'ws';
import {
  createHostBackend,
  startNodeServer,
  type NodeServerHarness,
} from '../../../../test/support/node-server.js';
import { createNodeServerThread } from './index.js';
import { portStream } from './port-stream.js';

describe('a byte stream between threads', () => {
  it('carries bytes both ways in order, and each end', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = portStream(port1);
    const b = portStream(port2);
    const fromA: Buffer[] = [];
    const fromB: Buffer[] = [];
    a.on('data', (d: Buffer) => fromB.push(d));
    b.on('data', (d: Buffer) => fromA.push(d));
    const closed = Promise.all([once(a, 'close'), once(b, 'close')]);
    for (let i = 0; i < 100; i++) a.write(Buffer.from(`a${i};`));
    a.end();
    b.end('from b');
    await Promise.all([once(a, 'end'), once(b, 'end')]);
    assert.equal(
      Buffer.concat(fromA).toString(),
      Array.from({ length: 100 }, (_, i) => `a${i};`).join(''),
    );
    assert.equal(Buffer.concat(fromB).toString(), 'from b');
    await closed;
  });

  it('holds the writer back while the reader takes nothing, then lets it go on', async () => {
    const { port1, port2 } = new MessageChannel();
    const writer = portStream(port1);
    const reader = portStream(port2);
    reader.pause();
    const chunk = Buffer.alloc(256 * 1024, 7);
    let done = 0;
    for (let i = 0; i < 16; i++) writer.write(chunk, () => done++);
    // Four chunks fill the window: the rest wait.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(done <= 5, `${done} writes done with nothing read`);
    let got = 0;
    reader.on('data', (d: Buffer) => (got += d.length));
    reader.resume();
    writer.end();
    await once(reader, 'end');
    assert.equal(got, 16 * chunk.length);
    assert.equal(done, 16);
  });

  it("passes one end's error to the other, and the port closing destroys both", async () => {
    const first = new MessageChannel();
    const a = portStream(first.port1);
    const b = portStream(first.port2);
    a.destroy(new Error('the backend failed'));
    const [err] = (await once(b, 'error')) as [Error];
    assert.equal(err.message, 'the backend failed');

    const second = new MessageChannel();
    const c = portStream(second.port1);
    second.port2.close();
    await once(c, 'close');
    assert.ok(c.destroyed);
  });
});

describe('the node server on its own thread', () => {
  let h: NodeServerHarness;
  const echo = createServer((c) => c.pipe(c).on('error', () => {}));
  const backend = createHostBackend({});
  const addresses: number[] = [];

  before(async () => {
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const echoPort = (echo.address() as AddressInfo).port;
    // The backend says where pod ports are (as the agent does): port 80 is the echo server,
    // any other nothing.
    backend.portForwardAddress = async (t) => {
      addresses.push(t.port);
      return { host: '127.0.0.1', port: t.port === 80 ? echoPort : 1 };
    };
    h = await startNodeServer({ backend, thread: true });
    await h.createPod('web');
  });
  after(async () => {
    await h.close();
    echo.close();
  });

  const tlsOptions = () => ({
    ca: h.caPem,
    cert: h.apiserverClient.certPem,
    key: h.apiserverClient.keyPem,
    servername: 'localhost',
  });
  const open = (port: number): Promise<{ ws: WebSocket; messages: Buffer[] }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(
        `wss://127.0.0.1:${h.port}/portForward/default/web?port=${port}`,
        ['v4.channel.k8s.io'],
        tlsOptions(),
      );
      const messages: Buffer[] = [];
      ws.on('message', (d: Buffer) => messages.push(d));
      ws.on('open', () => resolve({ ws, messages }));
      ws.on('error', reject);
    });
  const until = async (what: string, pred: () => boolean): Promise<void> => {
    for (let i = 0; i < 250 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(pred(), what);
  };

  it('connects to the pod from its own thread where the backend says', async () => {
    const { ws, messages } = await open(80);
    const payload = Buffer.alloc(3_000_000, 'x');
    ws.send(Buffer.concat([Buffer.from([0]), payload]));
    const echoed = (): number =>
      messages.filter((m) => m[0] === 0).reduce((n, m) => n + m.length - 1, 0) - 2;
    await until('the bytes back', () => echoed() === payload.length);
    ws.close();
    await once(ws, 'close');
    assert.deepEqual(addresses, [80]);
    assert.equal(backend.forwards.length, 0, 'no connection relayed by the agent');
  });

  it("reports a refused connection in the kubelet's words", async () => {
    const { ws, messages } = await open(81);
    await once(ws, 'close');
    const err = messages.find((m) => m[0] === 1 && m.length > 3);
    assert.match(
      err?.subarray(1).toString() ?? '',
      /^error forwarding port 81 to pod web_default, uid [0-9a-f-]+: connect ECONNREFUSED/,
    );
  });

  it('says why it cannot listen, with the code the agent words it by', async () => {
    const other = createNodeServerThread({
      nodeName: 'node-1',
      certPem: h.serving.certPem,
      keyPem: h.serving.keyPem,
      clientCaPem: h.caPem,
      client: { create: () => Promise.reject(new Error('unused')) },
      pods: { list: () => [], get: () => undefined },
      backend,
    });
    await assert.rejects(other.listen(h.port, '127.0.0.1'), { code: 'EADDRINUSE' });
    await other.close();
  });

  it('stops listening when closed', async () => {
    const other = createNodeServerThread({
      nodeName: 'node-1',
      certPem: h.serving.certPem,
      keyPem: h.serving.keyPem,
      clientCaPem: h.caPem,
      client: { create: () => Promise.reject(new Error('unused')) },
      pods: { list: () => [], get: () => undefined },
      backend,
    });
    const port = await other.listen(0, '127.0.0.1');
    await other.close();
    const s = connect(port, '127.0.0.1');
    const [err] = (await once(s, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
  });
});
