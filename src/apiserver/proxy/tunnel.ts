// An upgrade request passed to its backend as kube's UpgradeAwareHandler.tryUpgrade does: the
// request written on a fresh connection, the backend's answer read; a 101 is passed to the
// client and bytes then flow both ways untouched (SPDY, WebSocket: negotiated end to end);
// an error answer (>= 400) is passed back as the backend wrote it and both connections
// close, so nothing the client sends after it can reach the backend as another request.

import type { IncomingMessage } from 'node:http';
import { connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ApiError } from '../../api/errors.js';
import { joinHostPort, type KubeletClient } from '../kubelet/index.js';
import { CopySlabs } from '../../streams/index.js';
import { goNetError } from './dial-errors.js';
import { isApiServerCredential } from './headers.js';
import { writeHttpError } from './http.js';
import type { Backend } from './locations.js';

/** Longest backend response head read before giving up (Go's default: 1 MiB). */
const MAX_RESPONSE_HEAD = 1 << 20;
/** How long an error answer may take to reach the client (kube's 10 s deadline). */
const ERROR_ANSWER_MS = 10_000;
const DIAL_TIMEOUT_MS = 30_000;

/**
 * A failure to reach the backend or read its answer, as kube-apiserver reports it: a plain Go
 * error through ErrorToAPIStatus (500, no reason), so kubectl prints `Error from server: …`.
 */
const backendError = (message: string): ApiError => new ApiError(500, '', message);

/** The request head as the backend gets it. */
export function upgradeRequestHead(
  req: IncomingMessage,
  b: Backend,
  rawQuery: string,
  clientAddress: string | undefined,
): string {
  const query = b.query || rawQuery;
  const target = (b.path || '/') + (query ? `?${query}` : '');
  let head = `${req.method ?? 'GET'} ${target} HTTP/1.1\r\n`;
  const host = req.headers.host ?? '';
  head += `Host: ${host}\r\n`;
  const forwardedFor: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    const value = raw[i + 1] ?? '';
    // The body framing is dropped: an upgrade request's bytes after its head belong to the
    // upgraded protocol, and only flow once the backend has switched.
    if (lower === 'host' || lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (isApiServerCredential(lower)) continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor.push(value);
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  if (clientAddress) forwardedFor.push(clientAddress);
  if (forwardedFor.length) head += `X-Forwarded-For: ${forwardedFor.join(', ')}\r\n`;
  return head + '\r\n';
}

/**
 * The connection to the backend; `onConnected` once it is up (TLS included). What it reads
 * goes into one reused buffer, handed to `onread` (valid only during the call): a fresh
 * buffer per TLS record, at full speed, kept the garbage collector busy.
 */
function dial(
  b: Backend,
  kubelet: KubeletClient | undefined,
  onread: OnReadOpts,
  onConnected: () => void,
): Socket {
  if (b.tls === 'kubelet' && kubelet && b.scheme === 'https')
    return kubelet.connect(b.hostname, b.port, { onread, onSecure: onConnected });
  if (b.scheme === 'http') {
    const socket = netConnect({ host: b.hostname, port: b.port, onread });
    return socket.once('connect', onConnected);
  }
  const options: ConnectionOptions & { onread: OnReadOpts } = {
    host: b.hostname,
    port: b.port,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
    // Documented for tls.connect as for net.connect, though its types omit it.
    onread,
  };
  return tlsConnect(options).once('secureConnect', onConnected);
}

/** Bytes read from the backend at most at a time (TLS hands over a record, ≤ 16 KiB). */
const READ_BUFFER = 64 * 1024;

/** The status code of a response head (`HTTP/1.1 101 Switching Protocols`), or NaN. */
function statusOf(head: Buffer): number {
  const line = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(line);
  return m?.[1] ? Number(m[1]) : NaN;
}

/** Bytes one side's connection may hold before the other side is no longer read. */
const RELAY_BUFFER = 1 << 20;

/**
 * Writes what `src` reads to `dst` as it comes, and ends `dst` after it: a pipe without its
 * per-chunk bookkeeping and with a larger buffer (reading pauses only once `dst` holds
 * RELAY_BUFFER bytes). Returns what each read goes through; with `slabs`, reads are in a
 * reused buffer and are copied before being written. A TLS socket hands its decrypted bytes
 * over one record (≤ 16 KiB) at a time, all in the same turn: written one by one, each costs
 * its own encryption call and send; corked until the turn ends, they go out together.
 */
function relay(src: Duplex, dst: Duplex, slabs?: CopySlabs): (chunk: Buffer) => void {
  let corked = false;
  let paused = false;
  const uncork = (): void => {
    corked = false;
    dst.uncork();
  };
  const resume = (): void => {
    paused = false;
    src.resume();
  };
  src.on('end', () => {
    if (!dst.destroyed && !dst.writableEnded) dst.end();
  });
  return (chunk) => {
    if (dst.destroyed || dst.writableEnded) return;
    if (!corked) {
      corked = true;
      dst.cork();
      process.nextTick(uncork);
    }
    if (slabs) {
      const [copy, release] = slabs.copy(chunk);
      dst.write(copy, release);
    } else dst.write(chunk);
    if (!paused && dst.writableLength > RELAY_BUFFER) {
      paused = true;
      src.pause();
      dst.once('drain', resume);
    }
  };
}

export function tunnel(
  b: Backend,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  kubelet: KubeletClient | undefined,
  rawQuery: string,
): void {
  const clientAddress = (client as Socket).remoteAddress;
  // What the backend sends goes to the response head's reader, then to the client.
  let onData = (_chunk: Buffer): void => {};
  const onread: OnReadOpts = {
    buffer: Buffer.allocUnsafe(READ_BUFFER),
    callback: (n, buf) => {
      onData((buf as Buffer).subarray(0, n));
      return true;
    },
  };
  // Dialing includes the TLS handshake, as Go's DialURL: its failures read `error dialing
  // backend: …`; later ones are the bare error.
  let dialed = false;
  const backend: Socket = dial(b, kubelet, onread, () => {
    clearTimeout(dialTimer);
    dialed = true;
    backend.write(upgradeRequestHead(req, b, rawQuery, clientAddress));
  });
  let received = Buffer.alloc(0);
  let settled = false;
  const fail = (e: unknown): void => {
    if (settled) return;
    settled = true;
    backend.destroy();
    writeHttpError(client, e);
  };
  const dialTimer = setTimeout(
    () =>
      fail(
        backendError(
          `error dialing backend: dial tcp ${joinHostPort(b.hostname, b.port)}: i/o timeout`,
        ),
      ),
    DIAL_TIMEOUT_MS,
  );
  dialTimer.unref();
  backend.setNoDelay(true);
  backend.on('error', (e) => {
    clearTimeout(dialTimer);
    const text = goNetError(e, b.hostname, b.port);
    if (!settled) fail(backendError(dialed ? text : `error dialing backend: ${text}`));
    else client.destroy();
  });
  client.on('error', () => backend.destroy());

  const readHead = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) {
      if (received.length > MAX_RESPONSE_HEAD)
        fail(backendError('net/http: response header too long'));
      return;
    }
    settled = true;
    const status = statusOf(received);
    if (status === 101) {
      client.write(received);
      if (head.length) backend.write(head);
      const slabs = new CopySlabs();
      onData = relay(backend, client, slabs);
      backend.on('close', () => slabs.close());
      client.on('data', relay(client, backend));
      client.resume();
      backend.on('close', () => client.destroy());
      client.on('close', () => backend.destroy());
      return;
    }
    if (!(status >= 400)) {
      backend.destroy();
      writeHttpError(client, backendError(`invalid upgrade response: status code ${status}`));
      return;
    }
    // The backend's error, passed on as written; the client's further bytes are never read.
    const finish = (): void => {
      clearTimeout(stop);
      backend.destroy();
      client.end();
      setTimeout(() => client.destroy(), 1_000).unref();
    };
    const stop = setTimeout(finish, ERROR_ANSWER_MS);
    stop.unref();
    const headText = received.subarray(0, end).toString('latin1');
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
    backend.on('close', finish);
    if (!cl?.[1]) {
      client.write(received);
      onData = (c) => void client.write(Buffer.from(c));
      return;
    }
    let left = Number(cl[1]) + end + 4;
    const pass = (c: Buffer): void => {
      if (left <= 0) return;
      const part = Buffer.from(c.subarray(0, left));
      left -= part.length;
      client.write(part);
      if (left <= 0) finish();
    };
    pass(received);
    onData = pass;
  };
  onData = readHead;
  backend.on('end', () => {
    if (!settled) fail(backendError('EOF'));
  });
}
