import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { binaryFrameHeader, tunnelStream } from './ws-tunnel-stream.js';

describe('tunnelStream', () => {
  let server: Server;
  let url: string;
  let next: (d: Duplex) => void;
  before(async () => {
    const wss = new WebSocketServer({ noServer: true });
    server = createServer();
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => next(tunnelStream(ws, socket, 1 << 20))),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  /** A client and the server's stream of its connection. */
  const pair = async (): Promise<{ client: WebSocket; stream: Duplex; got: Buffer[] }> => {
    const accepted = new Promise<Duplex>((r) => (next = r));
    const client = new WebSocket(url);
    const got: Buffer[] = [];
    client.on('message', (m: Buffer) => got.push(m));
    await new Promise((r) => client.once('open', r));
    return { client, stream: await accepted, got };
  };

  it('sends what is written together as one binary message, sizes of every length form', async () => {
    const { client, stream, got } = await pair();
    const big = Buffer.alloc(70_000, 7);
    stream.cork();
    stream.write(Buffer.from('header!!'));
    stream.write(big);
    stream.uncork();
    stream.write(Buffer.alloc(200, 1));
    stream.write(Buffer.from('x'));
    await new Promise<void>((r) => {
      const check = (): void => void (got.length === 3 ? r() : setTimeout(check, 5));
      check();
    });
    assert.deepEqual(
      got.map((m) => m.length),
      [70_008, 200, 1],
    );
    assert.equal(got[0]!.subarray(0, 8).toString(), 'header!!');
    assert.ok(got[0]!.subarray(8).equals(big));
    client.close();
  });

  it("reads the client's messages as one byte stream and ends with the connection", async () => {
    const { client, stream } = await pair();
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise((r) => stream.once('end', r));
    client.send(Buffer.from('ab'));
    client.send(Buffer.from('cd'));
    client.close();
    await ended;
    assert.equal(Buffer.concat(chunks).toString(), 'abcd');
  });

  it('writes the three header forms of RFC 6455', () => {
    assert.deepEqual([...binaryFrameHeader(125)], [0x82, 125]);
    assert.deepEqual([...binaryFrameHeader(126)], [0x82, 126, 0, 126]);
    assert.deepEqual([...binaryFrameHeader(65_536)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
  });
});
