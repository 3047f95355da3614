// port-forward over SPDY/3.1 (directly, or tunnelled in a WebSocket: the same bytes). Each
// local connection kubectl accepts becomes a pair of streams, `error` and `data`, with the
// same `requestid` header and the pod port in `port`. The data stream is spliced to a TCP
// connection the backend opens inside the pod. Anything written on the error stream is fatal
// to kubectl's whole session, so it carries only real failures; on success it just gets FIN.

import type { Duplex } from 'node:stream';
import { CopySlabs } from '../../../streams/index.js';
import { headerValue } from './spdy-headers.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';
import type { StreamingBackend } from './types.js';

/** Bytes read from the pod at most at a time. */
const READ_BUFFER = 64 * 1024;
/** Once one direction has ended, the other gets this long before both are closed (as containerd). */
const HALF_CLOSE_GRACE_MS = 1_000;

export interface PortForwardOptions {
  backend: StreamingBackend;
  namespace: string;
  pod: string;
  uid: string;
  streamCreationTimeoutMs: number;
}

interface Pair {
  requestId: string;
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Validates a stream's headers as the kubelet does; returns why it is refused. */
function refuse(headers: Record<string, string[]>): string | undefined {
  const port = headerValue(headers, 'port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) > 65535)
    return `unable to parse ${JSON.stringify(port)} as a port`;
  if (Number(port) < 1) return `port ${JSON.stringify(port)} must be > 0`;
  const type = headerValue(headers, 'streamtype');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type ${JSON.stringify(type)}`;
  return undefined;
}

export function servePortForward(transport: Duplex, o: PortForwardOptions): SpdySession {
  const pairs = new Map<string, Pair>();
  const conns = new Set<AbortController>();

  const session: SpdySession = new SpdySession(transport, {
    accept: (headers) => refuse(headers),
    onStream(s) {
      // Old clients send no request id: the error stream's id names the pair, data is id+2.
      const type = headerValue(s.headers, 'streamtype');
      const requestId =
        headerValue(s.headers, 'requestid') || String(type === 'error' ? s.id : s.id - 2);
      let p = pairs.get(requestId);
      if (!p) {
        const pair: Pair = {
          requestId,
          timer: setTimeout(() => {
            pairs.delete(requestId);
            fail(pair, `(request=${requestId}) timed out waiting for streams`);
          }, o.streamCreationTimeoutMs),
        };
        pair.timer.unref();
        pairs.set(requestId, pair);
        p = pair;
      }
      const slot = type === 'error' ? 'error' : 'data';
      if (p[slot]) {
        p.error?.write(
          `error processing stream for request ${requestId}: ${slot} stream already assigned`,
        );
        s.reset();
        return;
      }
      p[slot] = s;
      // The client never writes on the error stream; reading it lets its FIN through.
      if (slot === 'error') s.resume();
      if (p.error && p.data) {
        clearTimeout(p.timer);
        pairs.delete(requestId);
        void forward(p.error, p.data);
      }
    },
    onClose() {
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
      for (const ac of conns) ac.abort();
    },
  });

  function fail(p: Pair, message: string): void {
    if (p.error && !p.error.writableEnded) p.error.end(message);
    if (p.data && !p.data.writableEnded) p.data.end();
  }

  async function forward(errorStream: SpdyStream, data: SpdyStream): Promise<void> {
    const port = Number(headerValue(data.headers, 'port'));
    const ac = new AbortController();
    conns.add(ac);
    const describe = (e: unknown): string =>
      `error forwarding port ${port} to pod ${o.pod}_${o.namespace}, uid ${o.uid}: ${e instanceof Error ? e.message : String(e)}`;
    let done = false;
    let socket: Duplex | undefined;
    const slabs = new CopySlabs();
    const finish = (err?: unknown): void => {
      if (done) return;
      done = true;
      slabs.close();
      conns.delete(ac);
      ac.abort();
      socket?.destroy();
      if (!data.writableEnded) data.end();
      if (errorStream.writableEnded) return;
      if (err !== undefined) errorStream.end(describe(err));
      // The error stream's FIN tells kubectl the forwarding is over: only after every data
      // frame has gone out.
      else if (data.writableFinished || data.destroyed) errorStream.end();
      else {
        const endError = (): void => void (errorStream.writableEnded || errorStream.end());
        data.once('finish', endError);
        data.once('close', endError);
      }
    };
    // The client resetting either stream, or the connection going, ends the forwarding.
    data.on('close', () => finish());
    errorStream.on('close', () => finish());
    ac.signal.addEventListener('abort', () => finish(), { once: true });
    // The pod's bytes: read into one buffer and copied into recycled slabs (a new buffer per
    // read, at full speed, keeps the garbage collector busy), or as 'data' from a backend
    // that cannot read that way. Reading waits while the stream's buffer is full.
    let waiting = false;
    const fromPod = (chunk: Buffer, copy: boolean): void => {
      if (data.writableEnded || data.destroyed) return;
      let ok: boolean;
      if (copy) {
        const [piece, release] = slabs.copy(chunk);
        ok = data.write(piece, release);
      } else ok = data.write(chunk);
      if (ok || waiting) return;
      waiting = true;
      socket?.pause();
      data.once('drain', () => {
        waiting = false;
        socket?.resume();
      });
    };
    try {
      socket = await o.backend.portForward({
        namespace: o.namespace,
        pod: o.pod,
        uid: o.uid,
        port,
        signal: ac.signal,
        onread: {
          buffer: Buffer.allocUnsafe(READ_BUFFER),
          callback: (n, buf) => {
            fromPod((buf as Buffer).subarray(0, n), true);
            return true;
          },
        },
      });
    } catch (e) {
      finish(e);
      return;
    }
    if (done) {
      socket.destroy();
      return;
    }
    const s = socket;
    let grace: NodeJS.Timeout | undefined;
    let ended = 0;
    const oneSideDone = (): void => {
      if (++ended === 2) finish();
      else grace ??= setTimeout(() => finish(), HALF_CLOSE_GRACE_MS);
    };
    s.on('error', (e: Error) => {
      clearTimeout(grace);
      finish(e);
    });
    // The pod's end closed for good: nothing more can go either way (kubectl 1.27–1.30 over
    // SPDY wait for the error stream's FIN before they let go of the local connection).
    s.on('close', () => {
      clearTimeout(grace);
      finish();
    });
    data.on('end', oneSideDone);
    s.on('end', () => {
      if (!data.writableEnded) data.end();
      oneSideDone();
    });
    data.pipe(s);
    s.on('data', (chunk: Buffer) => fromPod(chunk, false));
  }

  return session;
}
