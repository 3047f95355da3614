import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import {
  CONTROL,
  FrameReader,
  RST,
  decodeFrame,
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
} from './spdy-frames.js';
import {
  HeaderCompressor,
  HeaderDecompressor,
  SpdyProtocolError,
  decodeHeaderBlock,
  encodeHeaderBlock,
} from './spdy-headers.js';

const adler32 = (b: Buffer): number => {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
};

/** A sender as Go's framer is: one zlib stream with the dictionary, sync-flushed per block. */
function goLikeCompressor(): (raw: Buffer) => Promise<Buffer> {
  const def = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: 9 });
  return (raw) =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const on = (c: Buffer): number => chunks.push(c);
      def.on('data', on);
      def.write(raw);
      def.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        def.off('data', on);
        resolve(Buffer.concat(chunks));
      });
    });
}

/** A receiver as Go's is: the concatenated blocks inflate as one zlib stream. */
const inflateAll = (blocks: Buffer[]): Buffer =>
  zlib.inflateSync(Buffer.concat(blocks), {
    dictionary: SPDY3_DICTIONARY,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });

describe('SPDY/3 dictionary', () => {
  it('is the 1423 bytes whose Adler-32 kubectl sends as DICTID', () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    assert.equal(adler32(SPDY3_DICTIONARY).toString(16), 'e3c6a7c2');
  });
});

describe('header blocks', () => {
  it('round-trip names and NUL-joined values', () => {
    const h = { streamtype: ['data'], port: ['8080'], multi: ['a', 'b'] };
    assert.deepEqual(decodeHeaderBlock(encodeHeaderBlock(h)), h);
  });

  it('refuses truncated blocks and upper-case names', () => {
    assert.throws(
      () => decodeHeaderBlock(Buffer.from([0, 0, 0, 1, 0, 0, 0, 9])),
      SpdyProtocolError,
    );
    const bad = encodeHeaderBlock({ x: ['1'] });
    bad[8] = 'X'.charCodeAt(0);
    assert.throws(() => decodeHeaderBlock(bad), /invalid header name/);
  });

  it('inflates a connection of blocks compressed with shared history, as kubectl sends them', async () => {
    const compress = goLikeCompressor();
    const inflate = new HeaderDecompressor();
    for (let i = 0; i < 40; i++) {
      const h = { streamtype: [i % 2 ? 'data' : 'error'], port: ['80'], requestid: [String(i)] };
      const block = await compress(encodeHeaderBlock(h));
      if (i === 0) assert.equal(block.subarray(0, 6).toString('hex'), '78f9e3c6a7c2');
      // Later blocks lean on earlier ones: they are far smaller than the raw block.
      if (i > 2) assert.ok(block.length < 20, `block ${i} is ${block.length} bytes`);
      assert.deepEqual(decodeHeaderBlock(inflate.decompress(block)), h);
    }
  });

  it('compresses into blocks a zlib reader hands over at each sync flush', () => {
    const deflate = new HeaderCompressor();
    const blocks = [
      deflate.compress(encodeHeaderBlock({})),
      deflate.compress(encodeHeaderBlock({ a: ['1'] })),
      deflate.compress(Buffer.alloc(70_000, 7)),
    ];
    for (const b of blocks) assert.equal(b.subarray(-5).toString('hex'), '000000ffff');
    assert.equal(blocks[0]?.subarray(0, 2).toString('hex'), '7801');
    assert.equal(blocks[1]?.subarray(0, 5).toString('hex'), '000e00f1ff');
    const all = inflateAll(blocks);
    assert.deepEqual(decodeHeaderBlock(all.subarray(0, 4)), {});
    assert.deepEqual(decodeHeaderBlock(all.subarray(4, 4 + 14)), { a: ['1'] });
    assert.equal(all.length, 4 + 14 + 70_000);
  });
});

describe('frames', () => {
  it('writes the SYN_REPLY kubectl was observed to accept', () => {
    const f = encodeSynReply(1, {}, false, new HeaderCompressor());
    const observed =
      '80 03 00 02 00 00 00 14 00 00 00 01 78 01 00 04 00 fb ff 00 00 00 00 00 00 00 ff ff';
    assert.equal(f.toString('hex'), observed.replace(/ /g, ''));
  });

  it('cuts frames out of bytes arriving one at a time', () => {
    const deflate = new HeaderCompressor();
    const wire = Buffer.concat([
      encodeSynStream({ streamId: 1, headers: { streamtype: ['error'] } }, deflate),
      encodeData(1, Buffer.from('hello'), false),
      encodeData(1, Buffer.alloc(0), true),
      encodePing(7),
      encodeRstStream(3, RST.CANCEL),
      encodeSettings([{ id: 7, value: 65536 }]),
      encodeWindowUpdate(1, 1000),
      encodeGoAway(5, 0),
    ]);
    const reader = new FrameReader();
    const raws = [];
    for (const byte of wire) raws.push(...reader.push(Buffer.from([byte])));
    const inflate = new HeaderDecompressor();
    const frames = raws.map((r) => decodeFrame(r, inflate));
    assert.deepEqual(frames, [
      {
        kind: 'syn_stream',
        streamId: 1,
        associatedId: 0,
        priority: 0,
        fin: false,
        unidirectional: false,
        headers: { streamtype: ['error'] },
      },
      { kind: 'data', streamId: 1, fin: false, data: Buffer.from('hello') },
      { kind: 'data', streamId: 1, fin: true, data: Buffer.alloc(0) },
      { kind: 'ping', id: 7 },
      { kind: 'rst_stream', streamId: 3, status: RST.CANCEL },
      { kind: 'settings', entries: [{ flags: 0, id: 7, value: 65536 }] },
      { kind: 'window_update', streamId: 1, delta: 1000 },
      { kind: 'goaway', lastGoodStreamId: 5, status: 0 },
    ]);
  });

  it('refuses control frames of another SPDY version', () => {
    const f = encodePing(1);
    f.writeUInt16BE(0x8002, 0);
    const [raw] = new FrameReader().push(f);
    assert.ok(raw);
    assert.throws(() => decodeFrame(raw, new HeaderDecompressor()), /unsupported SPDY version 2/);
    assert.equal(raw.typeOrStream, CONTROL.PING);
  });
});
