import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import {
  FLAG_FIN,
  FrameReader,
  GOAWAY,
  RST,
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  type RawFrame,
} from './spdy-frames.js';
import { decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders } from './spdy-headers.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';

type Seen =
  | { kind: 'syn_reply'; streamId: number; headers: SpdyHeaders }
  | { kind: 'data'; streamId: number; fin: boolean; data: string }
  | { kind: 'rst'; streamId: number; status: number }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway'; lastGoodStreamId: number; status: number };

/**
 * A SPDY client as kubectl's is: header blocks from one sync-flushed zlib stream, and
 * incoming header blocks inflated the way Go's reader does (one stream over all blocks).
 */
class TestClient {
  readonly socket: Socket;
  readonly seen: Seen[] = [];
  private readonly reader = new FrameReader();
  private readonly deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
  private received: Buffer[] = [];
  private consumed = 0;
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      for (const raw of this.reader.push(c)) this.seen.push(this.decode(raw));
      this.waiters.forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.forEach((w) => w());
    });
  }

  private decode(raw: RawFrame): Seen {
    const p = raw.payload;
    if (!raw.control)
      return {
        kind: 'data',
        streamId: raw.typeOrStream,
        fin: (raw.flags & FLAG_FIN) !== 0,
        data: p.toString(),
      };
    switch (raw.typeOrStream) {
      case 2: {
        this.received.push(p.subarray(4));
        const all = zlib.inflateSync(Buffer.concat(this.received), {
          dictionary: SPDY3_DICTIONARY,
          finishFlush: zlib.constants.Z_SYNC_FLUSH,
        });
        const block = all.subarray(this.consumed);
        this.consumed = all.length;
        return {
          kind: 'syn_reply',
          streamId: p.readUInt32BE(0),
          headers: decodeHeaderBlock(block),
        };
      }
      case 3:
        return { kind: 'rst', streamId: p.readUInt32BE(0), status: p.readUInt32BE(4) };
      case 6:
        return { kind: 'ping', id: p.readUInt32BE(0) };
      case 7:
        return { kind: 'goaway', lastGoodStreamId: p.readUInt32BE(0), status: p.readUInt32BE(4) };
      default:
        throw new Error(`unexpected frame type ${raw.typeOrStream}`);
    }
  }

  async open(id: number, headers: SpdyHeaders, fin = false): Promise<void> {
    const block = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const on = (c: Buffer): number => chunks.push(c);
      this.deflate.on('data', on);
      this.deflate.write(encodeHeaderBlock(headers));
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.deflate.off('data', on);
        resolve(Buffer.concat(chunks));
      });
    });
    const head = Buffer.alloc(18);
    head.writeUInt16BE(0x8003, 0);
    head.writeUInt16BE(1, 2);
    head[4] = fin ? FLAG_FIN : 0;
    head.writeUIntBE(10 + block.length, 5, 3);
    head.writeUInt32BE(id, 8);
    this.socket.write(Buffer.concat([head, block]));
  }

  send(buf: Buffer): void {
    this.socket.write(buf);
  }

  /** Waits until a frame matching `pred` has been seen (or the connection closed). */
  async until(pred: (s: Seen[]) => boolean, ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.seen)) {
      if (this.closed) throw new Error(`connection closed; seen ${JSON.stringify(this.seen)}`);
      if (Date.now() > deadline) throw new Error(`timed out; seen ${JSON.stringify(this.seen)}`);
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

interface Harness {
  client: TestClient;
  streams: SpdyStream[];
  session: SpdySession;
}

let server: ReturnType<typeof createServer>;
let onSocket: (s: Socket) => void = () => {};
before(async () => {
  server = createServer((s) => onSocket(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});
after(() => server.close());

async function start(accept?: (h: SpdyHeaders) => string | undefined): Promise<Harness> {
  const streams: SpdyStream[] = [];
  const sessionP = new Promise<SpdySession>((resolve) => {
    onSocket = (s) =>
      resolve(
        new SpdySession(s, {
          ...(accept ? { accept } : {}),
          onStream: (st) => streams.push(st),
        }),
      );
  });
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  return { client: new TestClient(socket), streams, session: await sessionP };
}

describe('SPDY server session', () => {
  it('replies to each stream the client opens and carries data both ways', async () => {
    const { client, streams } = await start();
    await client.open(1, { streamtype: ['error'] });
    await client.until((s) => s.some((f) => f.kind === 'syn_reply' && f.streamId === 1));
    await client.open(3, { streamtype: ['stdout'] });
    await client.until((s) => s.some((f) => f.kind === 'syn_reply' && f.streamId === 3));
    assert.deepEqual(
      client.seen.map((f) => f.kind === 'syn_reply' && f.headers),
      [{}, {}],
    );
    assert.deepEqual(
      streams.map((s) => [s.id, s.headers]),
      [
        [1, { streamtype: ['error'] }],
        [3, { streamtype: ['stdout'] }],
      ],
    );
    const [errStream, out] = streams as [SpdyStream, SpdyStream];
    let got = '';
    errStream.on('data', (c: Buffer) => (got += c.toString()));
    client.send(encodeData(1, Buffer.from('to server'), true));
    await once(errStream, 'end');
    assert.equal(got, 'to server');
    out.end('to client');
    await client.until((s) => s.some((f) => f.kind === 'data' && f.fin));
    assert.deepEqual(
      client.seen.filter((f) => f.kind === 'data'),
      [
        { kind: 'data', streamId: 3, fin: false, data: 'to client' },
        { kind: 'data', streamId: 3, fin: true, data: '' },
      ],
    );
    client.socket.destroy();
  });

  it('cuts large writes into frames of at most 64 KiB', async () => {
    const { client, streams } = await start();
    await client.open(1, { streamtype: ['stdout'] });
    await client.until((s) => s.length === 1);
    streams[0]?.end(Buffer.alloc(150_000, 'z'));
    await client.until((s) => s.some((f) => f.kind === 'data' && f.fin));
    const sizes = client.seen.flatMap((f) => (f.kind === 'data' ? [f.data.length] : []));
    assert.deepEqual(sizes, [65536, 65536, 18928, 0]);
    client.socket.destroy();
  });

  it("echoes the client's PINGs and ignores even ids", async () => {
    const { client } = await start();
    client.send(encodePing(2));
    client.send(encodePing(5));
    await client.until((s) => s.some((f) => f.kind === 'ping'));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(client.seen, [{ kind: 'ping', id: 5 }]);
    client.socket.destroy();
  });

  it('resets refused streams, and streams with even or reused ids', async () => {
    const { client, streams } = await start((h) =>
      h.streamtype?.[0] === 'bogus' ? 'unexpected stream type' : undefined,
    );
    await client.open(1, { streamtype: ['bogus'] });
    await client.open(3, { streamtype: ['ok'] });
    await client.open(3, { streamtype: ['ok'] });
    await client.open(4, { streamtype: ['ok'] });
    await client.until((s) => s.length === 4);
    assert.deepEqual(client.seen, [
      { kind: 'rst', streamId: 1, status: RST.CANCEL },
      { kind: 'syn_reply', streamId: 3, headers: {} },
      { kind: 'rst', streamId: 3, status: RST.PROTOCOL_ERROR },
      { kind: 'rst', streamId: 4, status: RST.PROTOCOL_ERROR },
    ]);
    assert.equal(streams.length, 1);
    client.socket.destroy();
  });

  it("tears a stream down on the client's RST_STREAM without answering it", async () => {
    const { client, streams } = await start();
    await client.open(1, { streamtype: ['data'] });
    await client.until((s) => s.length === 1);
    const s = streams[0] as SpdyStream;
    client.send(encodeRstStream(1, RST.CANCEL));
    await once(s, 'close');
    assert.equal(s.wasReset, true);
    s.write('late'); // dropped, not an error
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      client.seen.map((f) => f.kind),
      ['syn_reply'],
    );
    client.socket.destroy();
  });

  it('takes no new streams after GOAWAY and hangs up once the open ones are done', async () => {
    const { client, streams } = await start();
    await client.open(1, { streamtype: ['data'] });
    await client.until((s) => s.length === 1);
    client.send(encodeGoAway(1, GOAWAY.OK));
    await client.open(3, { streamtype: ['data'] });
    await client.until((s) => s.length === 2);
    assert.deepEqual(client.seen[1], { kind: 'rst', streamId: 3, status: RST.REFUSED_STREAM });
    const s = streams[0] as SpdyStream;
    s.resume();
    s.end('bye');
    client.send(encodeData(1, Buffer.alloc(0), true));
    await once(client.socket, 'close');
    assert.deepEqual(client.seen.slice(2), [
      { kind: 'data', streamId: 1, fin: false, data: 'bye' },
      { kind: 'data', streamId: 1, fin: true, data: '' },
    ]);
  });

  it('answers a corrupt header block with GOAWAY (protocol error) and closes', async () => {
    const { client, session } = await start();
    const bad = Buffer.from('800300010000000e000000010000000000007801ffff', 'hex');
    client.send(bad);
    await once(client.socket, 'close');
    assert.deepEqual(client.seen, [
      { kind: 'goaway', lastGoodStreamId: 0, status: GOAWAY.PROTOCOL_ERROR },
    ]);
    assert.equal(session.isClosed, true);
  });

  it('drops its streams when the connection goes', async () => {
    const { client, streams, session } = await start();
    await client.open(1, { streamtype: ['data'] });
    await client.until((s) => s.length === 1);
    const s = streams[0] as SpdyStream;
    client.socket.destroy();
    await once(s, 'close');
    assert.equal(session.isClosed, true);
    assert.equal(session.streams.size, 0);
  });
});
