// SPDY/3.1 frames: an incremental reader that cuts a byte stream into frames, and encoders.
//
//   control: 1 | version(15)=3 | type(16) | flags(8) | length(24) | payload
//   data:    0 | stream id(31)             | flags(8) | length(24) | payload
//
// Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) go through the connection's compression
// contexts, so decoding and encoding take them as arguments.

import {
  HeaderCompressor,
  HeaderDecompressor,
  SpdyProtocolError,
  decodeHeaderBlock,
  encodeHeaderBlock,
  type SpdyHeaders,
} from './spdy-headers.js';

export const SPDY_VERSION = 3;

export const CONTROL = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RST = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GOAWAY = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

export type SpdyFrame =
  | { kind: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      kind: 'syn_stream';
      streamId: number;
      associatedId: number;
      priority: number;
      fin: boolean;
      unidirectional: boolean;
      headers: SpdyHeaders;
    }
  | { kind: 'syn_reply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { kind: 'rst_stream'; streamId: number; status: number }
  | { kind: 'settings'; entries: { id: number; flags: number; value: number }[] }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway'; lastGoodStreamId: number; status: number }
  | { kind: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { kind: 'window_update'; streamId: number; delta: number }
  | { kind: 'unknown'; type: number };

/** A frame as cut from the wire, before its payload is interpreted. */
export interface RawFrame {
  control: boolean;
  /** Control frames: the frame type; data frames: the stream id. */
  typeOrStream: number;
  version: number;
  flags: number;
  payload: Buffer;
}

const HEADER = 8;

/** Cuts frames out of a byte stream; bytes may arrive in any pieces. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RawFrame[] = [];
    while (this.buf.length >= HEADER) {
      const b = this.buf;
      const length = b.readUIntBE(5, 3);
      if (b.length < HEADER + length) break;
      const first = b.readUInt32BE(0);
      const control = (first & 0x80000000) !== 0;
      out.push({
        control,
        typeOrStream: control ? first & 0xffff : first & 0x7fffffff,
        version: control ? (first >>> 16) & 0x7fff : 0,
        flags: b[4] ?? 0,
        payload: b.subarray(HEADER, HEADER + length),
      });
      this.buf = b.subarray(HEADER + length);
    }
    return out;
  }
}

const need = (p: Buffer, n: number, what: string): void => {
  if (p.length < n) throw new SpdyProtocolError(`${what} frame too short`);
};
const id31 = (p: Buffer, off: number): number => p.readUInt32BE(off) & 0x7fffffff;

/** Interprets a raw frame; header blocks are inflated through the connection's context. */
export function decodeFrame(raw: RawFrame, inflate: HeaderDecompressor): SpdyFrame {
  const p = raw.payload;
  const fin = (raw.flags & FLAG_FIN) !== 0;
  if (!raw.control) return { kind: 'data', streamId: raw.typeOrStream, fin, data: p };
  if (raw.version !== SPDY_VERSION)
    throw new SpdyProtocolError(`unsupported SPDY version ${raw.version}`);
  switch (raw.typeOrStream) {
    case CONTROL.SYN_STREAM:
      need(p, 10, 'SYN_STREAM');
      return {
        kind: 'syn_stream',
        streamId: id31(p, 0),
        associatedId: id31(p, 4),
        priority: (p[8] ?? 0) >>> 5,
        fin,
        unidirectional: (raw.flags & FLAG_UNIDIRECTIONAL) !== 0,
        headers: decodeHeaderBlock(inflate.decompress(p.subarray(10))),
      };
    case CONTROL.SYN_REPLY:
      need(p, 4, 'SYN_REPLY');
      return {
        kind: 'syn_reply',
        streamId: id31(p, 0),
        fin,
        headers: decodeHeaderBlock(inflate.decompress(p.subarray(4))),
      };
    case CONTROL.HEADERS:
      need(p, 4, 'HEADERS');
      return {
        kind: 'headers',
        streamId: id31(p, 0),
        fin,
        headers: decodeHeaderBlock(inflate.decompress(p.subarray(4))),
      };
    case CONTROL.RST_STREAM:
      need(p, 8, 'RST_STREAM');
      return { kind: 'rst_stream', streamId: id31(p, 0), status: p.readUInt32BE(4) };
    case CONTROL.SETTINGS: {
      need(p, 4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      need(p, 4 + n * 8, 'SETTINGS');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const off = 4 + i * 8;
        entries.push({
          flags: p[off] ?? 0,
          id: p.readUIntBE(off + 1, 3),
          value: p.readUInt32BE(off + 4),
        });
      }
      return { kind: 'settings', entries };
    }
    case CONTROL.PING:
      need(p, 4, 'PING');
      return { kind: 'ping', id: p.readUInt32BE(0) };
    case CONTROL.GOAWAY:
      need(p, 4, 'GOAWAY');
      return {
        kind: 'goaway',
        lastGoodStreamId: id31(p, 0),
        status: p.length >= 8 ? p.readUInt32BE(4) : GOAWAY.OK,
      };
    case CONTROL.WINDOW_UPDATE:
      need(p, 8, 'WINDOW_UPDATE');
      return { kind: 'window_update', streamId: id31(p, 0), delta: id31(p, 4) };
    default:
      return { kind: 'unknown', type: raw.typeOrStream };
  }
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > 0xffffff) throw new RangeError('SPDY frame payload too large');
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h[4] = flags;
  h.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([h, payload]);
}

const u32s = (...ns: number[]): Buffer => {
  const b = Buffer.alloc(ns.length * 4);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
};

/** The 8 bytes that go before a DATA frame's payload of `length` bytes. */
export function encodeDataHeader(streamId: number, length: number, fin: boolean): Buffer {
  if (length > 0xffffff) throw new RangeError('SPDY frame payload too large');
  const h = Buffer.alloc(HEADER);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h[4] = fin ? FLAG_FIN : 0;
  h.writeUIntBE(length, 5, 3);
  return h;
}

export function encodeData(streamId: number, data: Buffer, fin: boolean): Buffer {
  const h = encodeDataHeader(streamId, data.length, fin);
  return data.length ? Buffer.concat([h, data]) : h;
}

export function encodeSynStream(
  f: {
    streamId: number;
    associatedId?: number;
    priority?: number;
    fin?: boolean;
    headers: SpdyHeaders;
  },
  deflate: HeaderCompressor,
): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
  fixed.writeUInt32BE((f.associatedId ?? 0) & 0x7fffffff, 4);
  fixed[8] = ((f.priority ?? 0) & 0x7) << 5;
  const block = deflate.compress(encodeHeaderBlock(f.headers));
  return control(CONTROL.SYN_STREAM, f.fin ? FLAG_FIN : 0, Buffer.concat([fixed, block]));
}

export function encodeSynReply(
  streamId: number,
  headers: SpdyHeaders,
  fin: boolean,
  deflate: HeaderCompressor,
): Buffer {
  const block = deflate.compress(encodeHeaderBlock(headers));
  return control(CONTROL.SYN_REPLY, fin ? FLAG_FIN : 0, Buffer.concat([u32s(streamId), block]));
}

export const encodeRstStream = (streamId: number, status: number): Buffer =>
  control(CONTROL.RST_STREAM, 0, u32s(streamId, status));

export const encodePing = (id: number): Buffer => control(CONTROL.PING, 0, u32s(id));

export const encodeGoAway = (lastGoodStreamId: number, status: number): Buffer =>
  control(CONTROL.GOAWAY, 0, u32s(lastGoodStreamId, status));

export const encodeWindowUpdate = (streamId: number, delta: number): Buffer =>
  control(CONTROL.WINDOW_UPDATE, 0, u32s(streamId, delta));

export function encodeSettings(entries: { id: number; flags?: number; value: number }[]): Buffer {
  const p = Buffer.alloc(4 + entries.length * 8);
  p.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    const off = 4 + i * 8;
    p[off] = e.flags ?? 0;
    p.writeUIntBE(e.id, off + 1, 3);
    p.writeUInt32BE(e.value >>> 0, off + 4);
  });
  return control(CONTROL.SETTINGS, 0, p);
}
