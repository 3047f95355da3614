// exec/attach over WebSocket. Every message is one channel byte and a payload: 0 stdin,
// 1 stdout, 2 stderr, 3 error (the final status), 4 resize. The base64 variants send text
// messages: the channel as an ASCII digit, then the payload in base64. v5 adds channel 255,
// a half-close: [255, n] means the sender writes no more on channel n (the client's stdin EOF).
// The server closes the WebSocket (1000) right after the status: that is the client's EOF.

import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { ResizeParser, ResizeQueue, type CommandChannels } from './remotecommand.js';
import { statusBytes } from './status.js';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface WsCommandOptions {
  /** The negotiated Sec-WebSocket-Protocol ('' when the client offered none). */
  protocol: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The connection the WebSocket runs on: ended right after the close frame. */
  connection?: Duplex;
}

export function webSocketChannels(ws: WebSocket, o: WsCommandOptions): CommandChannels {
  const base64 = o.protocol.includes('base64');
  const json = o.protocol.startsWith('v4.') || o.protocol.startsWith('v5.');
  const closeSignal = o.protocol.startsWith('v5.');
  const ac = new AbortController();
  const resize = new ResizeQueue();
  const parser = new ResizeParser(resize);

  const send = (channel: number, data: Buffer, cb?: () => void): void => {
    if (ws.readyState !== ws.OPEN) {
      cb?.();
      return;
    }
    const frame = base64
      ? String.fromCharCode(48 + channel) + data.toString('base64')
      : Buffer.concat([Buffer.from([channel]), data]);
    ws.send(frame, { binary: !base64 }, () => cb?.());
  };
  const writer = (channel: number): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        send(channel, chunk, () => cb());
      },
    });

  const stdin = o.stdin ? new PassThrough() : undefined;
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const msg = Buffer.isBuffer(raw)
      ? raw
      : Array.isArray(raw)
        ? Buffer.concat(raw)
        : Buffer.from(raw);
    if (msg.length === 0) return;
    let channel = msg[0] ?? 0;
    let payload = msg.subarray(1);
    if (base64 && !isBinary) {
      channel -= 48;
      payload = Buffer.from(payload.toString('latin1'), 'base64');
    }
    if (channel === STDIN && stdin && !stdin.writableEnded) {
      if (!stdin.write(payload)) {
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (channel === RESIZE) parser.push(payload);
    else if (channel === CLOSE && closeSignal && payload[0] === STDIN) stdin?.end();
  });
  ws.on('close', () => {
    if (stdin && !stdin.writableEnded) stdin.end();
    ac.abort();
  });

  // As the kubelet does: an empty message on the first output channel says "connected".
  send(o.stdout ? STDOUT : o.stderr ? STDERR : ERROR, Buffer.alloc(0));

  return {
    ...(stdin ? { stdin } : {}),
    ...(o.stdout ? { stdout: writer(STDOUT) } : {}),
    ...(o.stderr ? { stderr: writer(STDERR) } : {}),
    resize,
    signal: ac.signal,
    finish(status) {
      const bytes = statusBytes(status, json);
      if (bytes.length) send(ERROR, bytes);
      if (ws.readyState !== ws.OPEN) return;
      ws.close(1000);
      // As the kubelet (x/net/websocket): the connection ends with the close frame rather
      // than after the client's answer to it, a round trip sooner for the client.
      o.connection?.end();
    },
  };
}
