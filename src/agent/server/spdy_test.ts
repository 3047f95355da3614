// exec and port-forward over SPDY/3.1 against the node server, as the API server's proxy
// (and kubectl before it) speaks it: the upgrade, then one SYN_STREAM per channel.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import {
  createHostBackend,
  startNodeServer,
  type NodeServerHarness,
} from '../../../test/support/node-server.js';
import {
  decodeFrame,
  encodeData,
  encodeSynStream,
  FrameReader,
  type SpdyFrame,
} from './streaming/spdy-frames.js';
import {
  HeaderCompressor,
  HeaderDecompressor,
  type SpdyHeaders,
} from './streaming/spdy-headers.js';

let h: NodeServerHarness;
const ports: Record<number, number> = {};
const echo = createServer((c) => c.pipe(c).on('error', () => {}));

before(async () => {
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  ports[80] = (echo.address() as AddressInfo).port;
  h = await startNodeServer({ backend: createHostBackend({ ports }) });
  await h.createPod('web');
});
after(async () => {
  await h.close();
  echo.close();
});

/** A SPDY client connection, after the 101. */
class SpdyClient {
  readonly frames: SpdyFrame[] = [];
  private readonly reader = new FrameReader();
  private readonly inflate = new HeaderDecompressor();
  private readonly deflate = new HeaderCompressor();
  private waiters: (() => void)[] = [];
  closed = false;
  readonly socket: Duplex;
  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => this.push(c));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }
  push(c: Buffer): void {
    for (const raw of this.reader.push(c)) this.frames.push(decodeFrame(raw, this.inflate));
    this.wake();
  }
  private wake(): void {
    this.waiters.forEach((w) => w());
  }
  open(streamId: number, headers: SpdyHeaders, fin = false): void {
    this.socket.write(encodeSynStream({ streamId, headers, fin }, this.deflate));
  }
  send(streamId: number, data: string, fin = false): void {
    this.socket.write(encodeData(streamId, Buffer.from(data), fin));
  }
  /** The data received on a stream, and whether it has ended. */
  data(streamId: number): { text: string; fin: boolean } {
    let text = '';
    let fin = false;
    for (const f of this.frames)
      if (f.kind === 'data' && f.streamId === streamId) {
        text += f.data.toString();
        fin ||= f.fin;
      }
    return { text, fin };
  }
  async until(pred: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline)
        throw new Error(`timed out; frames ${JSON.stringify(this.frames.map((f) => f.kind))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
      this.waiters = [];
    }
  }
}

/**
 * A WebSocket client's binary stream over `socket` after its 101: each write one masked
 * binary frame (a zero mask key), the server's frames' payloads read back in order.
 */
function webSocketBytes(socket: TLSSocket, first: Buffer): Duplex {
  let buf = first;
  const out = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, done) {
      const len = chunk.length;
      const head =
        len < 126
          ? Buffer.from([0x82, 0x80 | len])
          : len < 65536
            ? Buffer.from([0x82, 0x80 | 126, len >> 8, len & 0xff])
            : Buffer.concat([
                Buffer.from([0x82, 0x80 | 127]),
                Buffer.from(BigInt(len).toString(16).padStart(16, '0'), 'hex'),
              ]);
      socket.write(Buffer.concat([head, Buffer.alloc(4), chunk]), done);
    },
  });
  const parse = (): void => {
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (buf.length < at + len) return;
      const opcode = buf[0]! & 0x0f;
      if (opcode === 0x2 || opcode === 0x0) out.push(buf.subarray(at, at + len));
      buf = buf.subarray(at + len);
    }
  };
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    parse();
  });
  socket.on('close', () => out.destroy());
  out.on('close', () => socket.destroy());
  parse();
  return out;
}

/** Upgrades `path` to SPDY with the protocol offered; resolves with the client after the 101. */
function upgrade(
  path: string,
  protocol: string,
  webSocket = false,
): Promise<{ head: string; client: SpdyClient }> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({
      host: '127.0.0.1',
      port: h.port,
      ca: h.caPem,
      servername: 'localhost',
      cert: h.apiserverClient.certPem,
      key: h.apiserverClient.keyPem,
      ALPNProtocols: ['http/1.1'],
    });
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const rest = buf.subarray(end + 4);
      const client = new SpdyClient(webSocket ? webSocketBytes(sock, rest) : sock);
      if (!webSocket && rest.length) client.push(rest);
      resolve({ head: buf.subarray(0, end).toString(), client });
    };
    sock.on('data', onData);
    sock.on('secureConnect', () =>
      sock.write(
        webSocket
          ? `GET ${path} HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`
          : `POST ${path} HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
      ),
    );
    sock.on('error', reject);
  });
}

describe('SPDY', () => {
  it('exec: stdin in, stdout out, the v4 status on the error stream', async () => {
    const { head, client } = await upgrade(
      '/exec/default/web/app?command=sh&command=-c&command=cat%3B%20exit%203&input=1&output=1',
      'v4.channel.k8s.io',
    );
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols/);
    client.open(1, { streamtype: ['error'] });
    client.open(3, { streamtype: ['stdin'] });
    client.open(5, { streamtype: ['stdout'] });
    await client.until(() => client.frames.filter((f) => f.kind === 'syn_reply').length === 3);
    client.send(3, 'hello over spdy\n', true);
    await client.until(() => client.data(1).fin);
    assert.equal(client.data(5).text, 'hello over spdy\n');
    const status = JSON.parse(client.data(1).text) as {
      reason: string;
      details: { causes: { message: string }[] };
    };
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.equal(status.details.causes[0]?.message, '3');
    client.socket.destroy();
  });

  it('port-forward: a data/error stream pair spliced to the pod port', async () => {
    const { head, client } = await upgrade('/portForward/default/web', 'portforward.k8s.io');
    assert.match(head, /\r\nX-Stream-Protocol-Version: portforward\.k8s\.io/);
    client.open(1, { streamtype: ['error'], port: ['80'], requestid: ['0'] });
    client.open(3, { streamtype: ['data'], port: ['80'], requestid: ['0'] });
    await client.until(() => client.frames.filter((f) => f.kind === 'syn_reply').length === 2);
    client.send(3, 'ping through the node');
    await client.until(() => client.data(3).text === 'ping through the node');
    assert.equal(client.data(1).text, '');
    client.socket.destroy();
  });

  it('port-forward: the same SPDY tunnelled in a WebSocket, no `port` query needed', async () => {
    const { head, client } = await upgrade(
      '/portForward/default/web',
      'SPDY/3.1+portforward.k8s.io',
      true,
    );
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols/);
    assert.match(head, /\r\nSec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io/);
    client.open(1, { streamtype: ['error'], port: ['80'], requestid: ['7'] });
    client.open(3, { streamtype: ['data'], port: ['80'], requestid: ['7'] });
    client.send(3, 'through the tunnel');
    await client.until(() => client.data(3).text === 'through the tunnel');
    client.socket.destroy();
  });
});
