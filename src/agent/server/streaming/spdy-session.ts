// The server side of a SPDY/3.1 connection, as kubectl's SPDY client expects it: the client
// opens streams (odd ids, one SYN_STREAM at a time, each waiting for our SYN_REPLY); we
// answer PINGs, honour FIN and RST_STREAM, and stop taking streams after a GOAWAY.
//
// Each stream is a Node Duplex: what the client sends is readable, what we write goes out as
// DATA frames, end() sends an empty DATA frame with FIN. Go's SPDY implementation does no
// flow control (it ignores WINDOW_UPDATE and never sends one), so neither do we; a stream
// whose reader falls behind pauses the whole connection instead, as Go's reader does.

import { Duplex } from 'node:stream';
import {
  FrameReader,
  GOAWAY,
  RST,
  decodeFrame,
  encodeData,
  encodeDataHeader,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  type SpdyFrame,
} from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './spdy-headers.js';

/** Larger writes are cut into DATA frames of at most this size. */
const MAX_DATA_FRAME = 64 * 1024;
const STREAM_BUFFER = 256 * 1024;
/** Smaller payloads are copied behind their header and go out in one write. */
const COPY_LIMIT = 4 * 1024;
/** After close(), the transport is destroyed if it has not finished closing by then. */
const CLOSE_GRACE_MS = 5_000;

export interface SpdySessionOptions {
  /** Decides whether to take a stream the client opens; a message refuses it (RST_STREAM). */
  accept?(headers: SpdyHeaders, id: number): string | undefined;
  /** Each accepted stream, right after its SYN_REPLY went out. */
  onStream(stream: SpdyStream): void;
  /** Once, when the connection is gone (either side closed it, or it failed). */
  onClose?(): void;
}

export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  /** We sent FIN (or RST_STREAM): nothing more may be written. */
  localDone = false;
  /** The client sent FIN (or RST_STREAM). */
  remoteDone = false;
  /** The client reset the stream. */
  wasReset = false;
  private readonly session: SpdySession;
  /** Torn down with the connection: no RST_STREAM to send. */
  detached = false;

  constructor(session: SpdySession, id: number, headers: SpdyHeaders) {
    // A writable buffer larger than one read from a TCP socket (64 KiB): a stream piped from
    // one keeps flowing instead of pausing and resuming its source after every chunk.
    super({
      allowHalfOpen: true,
      readableHighWaterMark: STREAM_BUFFER,
      writableHighWaterMark: STREAM_BUFFER,
    });
    this.session = session;
    this.id = id;
    this.headers = headers;
    // Writes racing a reset or a closed connection must not crash the process.
    this.on('error', () => {});
  }

  /** Sends RST_STREAM (CANCEL unless told) and tears the stream down. */
  reset(status: number = RST.CANCEL): void {
    if (!this.localDone || !this.remoteDone) this.session.sendReset(this.id, status);
    this.localDone = this.remoteDone = true;
    this.destroy();
  }

  override _read(): void {
    this.session.unblock(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localDone) return cb();
    this.session.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localDone) return cb();
    this.localDone = true;
    this.session.sendData(this.id, Buffer.alloc(0), true, cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.detached && !(this.localDone && this.remoteDone))
      this.session.sendReset(this.id, RST.CANCEL);
    this.localDone = this.remoteDone = true;
    this.session.forget(this);
    cb(err);
  }
}

export class SpdySession {
  readonly streams = new Map<number, SpdyStream>();
  private readonly transport: Duplex;
  private readonly opts: SpdySessionOptions;
  private readonly reader = new FrameReader();
  private readonly inflate = new HeaderDecompressor();
  private readonly deflate = new HeaderCompressor();
  private readonly blocked = new Set<SpdyStream>();
  private drainWaiters: (() => void)[] = [];
  private lastStreamId = 0;
  private goneAway = false;
  private closed = false;

  constructor(transport: Duplex, opts: SpdySessionOptions) {
    this.transport = transport;
    this.opts = opts;
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('drain', () => this.flushDrainWaiters());
    transport.on('error', () => this.teardown());
    transport.on('end', () => this.close());
    transport.on('close', () => this.teardown());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends GOAWAY: the client may open no more streams; open ones carry on. */
  goAway(status: number = GOAWAY.OK): void {
    if (this.closed) return;
    this.goneAway = true;
    this.write(encodeGoAway(this.lastStreamId, status));
    if (this.streams.size === 0) this.close();
  }

  /** Ends the connection: what was written is flushed, open streams are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropStreams();
    this.transport.end();
    setTimeout(() => this.transport.destroy(), CLOSE_GRACE_MS).unref();
    this.flushDrainWaiters();
    this.opts.onClose?.();
  }

  private teardown(): void {
    if (!this.closed) {
      this.closed = true;
      this.dropStreams();
      this.flushDrainWaiters();
      this.opts.onClose?.();
    }
    this.transport.destroy();
  }

  private dropStreams(): void {
    for (const s of [...this.streams.values()]) {
      s.detached = true;
      s.destroy();
    }
    this.streams.clear();
    this.blocked.clear();
  }

  // ---- used by SpdyStream ----

  sendData(id: number, data: Buffer, fin: boolean, cb: () => void): void {
    if (this.closed) return cb();
    let ok = true;
    if (data.length === 0) ok = this.write(encodeData(id, data, fin));
    // Headers and payloads leave together (one writev on a socket).
    this.transport.cork();
    for (let off = 0; off < data.length; off += MAX_DATA_FRAME) {
      const end = Math.min(off + MAX_DATA_FRAME, data.length);
      const payload = data.subarray(off, end);
      const last = fin && end === data.length;
      if (payload.length < COPY_LIMIT) ok = this.write(encodeData(id, payload, last));
      else {
        // A large payload goes out behind its header as is: copying it into one buffer with
        // the header costs a fresh allocation per frame, which at full speed keeps the
        // garbage collector busy. The receiver reads a byte stream, so two writes are fine.
        this.write(encodeDataHeader(id, payload.length, last));
        ok = this.write(payload);
      }
    }
    this.transport.uncork();
    if (ok) cb();
    else this.drainWaiters.push(cb);
  }

  sendReset(id: number, status: number): void {
    if (!this.closed) this.write(encodeRstStream(id, status));
  }

  forget(s: SpdyStream): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.unblock(s);
    if (this.goneAway && this.streams.size === 0) this.close();
  }

  unblock(s: SpdyStream): void {
    if (this.blocked.delete(s) && this.blocked.size === 0 && !this.closed) this.transport.resume();
  }

  // ---- frames in ----

  private write(buf: Buffer): boolean {
    if (this.closed || this.transport.destroyed || this.transport.writableEnded) return true;
    return this.transport.write(buf);
  }

  private flushDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const raw of this.reader.push(chunk)) {
        this.handle(decodeFrame(raw, this.inflate));
        if (this.closed) return;
      }
    } catch {
      // A malformed frame or header block leaves the compression state unusable.
      this.goAway(GOAWAY.PROTOCOL_ERROR);
      this.close();
    }
  }

  private handle(f: SpdyFrame): void {
    switch (f.kind) {
      case 'syn_stream':
        return this.openStream(f);
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s || s.remoteDone) return;
        if (f.data.length && !s.push(f.data)) {
          this.blocked.add(s);
          this.transport.pause();
        }
        if (f.fin) this.remoteFinish(s);
        return;
      }
      case 'headers': {
        const s = this.streams.get(f.streamId);
        if (s && f.fin) this.remoteFinish(s);
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.wasReset = true;
        s.localDone = s.remoteDone = true;
        s.destroy();
        return;
      }
      case 'ping':
        // Odd ids are the client's: echo them unchanged. Even ids would answer our own.
        if (f.id % 2 === 1) this.write(encodePing(f.id));
        return;
      case 'goaway':
        this.goneAway = true;
        if (this.streams.size === 0) this.close();
        return;
      default:
        // SYN_REPLY (we open no streams), SETTINGS, WINDOW_UPDATE, unknown types: ignored.
        return;
    }
  }

  private openStream(f: Extract<SpdyFrame, { kind: 'syn_stream' }>): void {
    const id = f.streamId;
    if (id % 2 === 0 || id <= this.lastStreamId) {
      this.sendReset(id, RST.PROTOCOL_ERROR);
      return;
    }
    this.lastStreamId = id;
    if (this.goneAway) {
      this.sendReset(id, RST.REFUSED_STREAM);
      return;
    }
    if (this.opts.accept?.(f.headers, id) !== undefined) {
      this.sendReset(id, RST.CANCEL);
      return;
    }
    const s = new SpdyStream(this, id, f.headers);
    this.streams.set(id, s);
    this.write(encodeSynReply(id, {}, false, this.deflate));
    if (f.unidirectional) s.localDone = true;
    if (f.fin) this.remoteFinish(s);
    this.opts.onStream(s);
  }

  private remoteFinish(s: SpdyStream): void {
    if (s.remoteDone) return;
    s.remoteDone = true;
    s.push(null);
  }
}
