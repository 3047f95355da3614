// The byte stream of the SPDY-in-WebSocket port-forward tunnel: binary messages in, binary
// messages out, their boundaries meaningless. ws's createWebSocketStream sends each write as
// a message of its own and waits for it to reach the socket before taking the next, so a
// SPDY DATA frame (its header and payload, written together) went out as two messages, two
// socket writes and two waits. Here the writes queued together leave as one binary message
// in one socket write, and the socket's own buffer gives the backpressure. Reading, closing
// and errors stay ws's (createWebSocketStream).

import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket } from 'ws';

/** The header of an unmasked, final binary frame (a server's) carrying `length` bytes. */
export function binaryFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x82, length]);
  if (length < 0x10000) {
    const h = Buffer.allocUnsafe(4);
    h[0] = 0x82;
    h[1] = 126;
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.allocUnsafe(10);
  h[0] = 0x82;
  h[1] = 127;
  h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  h.writeUInt32BE(length >>> 0, 6);
  return h;
}

/**
 * A Duplex over `ws`, whose messages it writes straight on `socket` (the connection ws was
 * upgraded on). Writing waits only once the socket holds more than `buffer` bytes.
 */
export function tunnelStream(ws: WebSocket, socket: Duplex, buffer: number): Duplex {
  const duplex = createWebSocketStream(ws, { writableHighWaterMark: buffer });
  const send = (chunks: Buffer[], cb: (err?: Error | null) => void): void => {
    if (ws.readyState !== ws.OPEN || socket.destroyed) {
      cb(new Error('WebSocket is not open'));
      return;
    }
    let length = 0;
    for (const c of chunks) length += c.length;
    // One frame, written whole at once: ws's own frames (pong, close) can only come between.
    socket.cork();
    socket.write(binaryFrameHeader(length));
    for (const c of chunks) socket.write(c);
    socket.uncork();
    if (socket.writableLength <= buffer) {
      cb();
      return;
    }
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      cb();
    };
    socket.on('drain', done);
    socket.on('close', done);
  };
  duplex._write = (chunk: Buffer, _encoding, cb) => send([chunk], cb);
  duplex._writev = (chunks, cb) =>
    send(
      chunks.map((c) => c.chunk as Buffer),
      cb,
    );
  return duplex;
}
