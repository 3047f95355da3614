// SPDY/3 header blocks: the name/value block format and its zlib compression. Each direction
// of a connection is one zlib stream primed with the SPDY/3 dictionary, flushed (not finished)
// after every block, so every block depends on all those before it on the same connection.

import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

/** Header names (lowercase) to values; SPDY joins repeated values with NUL. */
export type SpdyHeaders = Record<string, string[]>;

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

/** The first value of a header, as Go's http.Header.Get reads it. */
export function headerValue(h: SpdyHeaders, name: string): string {
  return h[name.toLowerCase()]?.[0] ?? '';
}

export function encodeHeaderBlock(h: SpdyHeaders): Buffer {
  const entries = Object.entries(h);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(b: Buffer): SpdyHeaders {
  let off = 0;
  const read = (): Buffer => {
    if (off + 4 > b.length) throw new SpdyProtocolError('truncated header block');
    const len = b.readUInt32BE(off);
    off += 4;
    if (off + len > b.length) throw new SpdyProtocolError('truncated header block');
    const out = b.subarray(off, off + len);
    off += len;
    return out;
  };
  if (b.length < 4) throw new SpdyProtocolError('truncated header block');
  const count = b.readUInt32BE(0);
  off = 4;
  const out: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = read().toString('utf8');
    if (name === '' || name !== name.toLowerCase())
      throw new SpdyProtocolError(`invalid header name ${JSON.stringify(name)}`);
    const values = read().toString('utf8').split('\0');
    (out[name] ??= []).push(...values);
  }
  return out;
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

const WINDOW = 32 * 1024;
const MAX_BLOCK = 1024 * 1024;

/**
 * Inflates one connection's incoming header blocks. Each block ends at a sync-flush point, so
 * it is a run of whole deflate blocks that may refer back up to 32 KiB into what came before:
 * it inflates as raw deflate with that history (first the dictionary) as the preset window.
 */
export class HeaderDecompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;

  decompress(block: Buffer): Buffer {
    let data = block;
    if (!this.started) {
      if (data.length < 2) throw new SpdyProtocolError('truncated zlib header');
      const cmf = data[0] ?? 0;
      const flg = data[1] ?? 0;
      if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0)
        throw new SpdyProtocolError('invalid zlib header in header block');
      data = data.subarray(flg & 0x20 ? 6 : 2);
      this.started = true;
    }
    if (data.length === 0) return Buffer.alloc(0);
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(data, {
        dictionary: this.history,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
        maxOutputLength: MAX_BLOCK,
      });
    } catch (e) {
      throw new SpdyProtocolError(`header block: ${(e as Error).message}`);
    }
    const joined = Buffer.concat([this.history, out]);
    this.history = joined.length > WINDOW ? joined.subarray(joined.length - WINDOW) : joined;
    return out;
  }
}

/**
 * Deflates one connection's outgoing header blocks. Stored (uncompressed) deflate blocks keep
 * this stateless apart from the zlib header on the first block; every block ends with the
 * empty stored block of a sync flush (`00 00 00 ff ff`), without which Go's flate reader
 * never hands the block over.
 */
export class HeaderCompressor {
  private started = false;

  compress(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      // CMF 0x78 (deflate, 32 KiB window), FLG 0x01: no preset dictionary, check bits.
      parts.push(Buffer.from([0x78, 0x01]));
      this.started = true;
    }
    for (let off = 0; off < raw.length; off += 0xffff) {
      const chunk = raw.subarray(off, Math.min(off + 0xffff, raw.length));
      const head = Buffer.alloc(5);
      head[0] = 0x00; // BFINAL=0, BTYPE=00 (stored)
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
    }
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}
