// A connection made ahead to the kubelet of the last upgrade, kept ready for the next one,
// as a keep-alive pool keeps an idle connection for the next request: an exec then waits for
// no TCP and TLS handshake. One per endpoint, dropped after SPARE_IDLE_MS unused, or as
// soon as it fails, closes or the kubelet sends anything on it.

import type { OnReadOpts } from 'node:net';
import type { TLSSocket } from 'node:tls';

const SPARE_IDLE_MS = 30_000;
const READ_BUFFER = 64 * 1024;

export type Dial = (onread: OnReadOpts) => TLSSocket;

interface Spare {
  socket: TLSSocket;
  secure: boolean;
  /** Set when taken: where reads and the end of the handshake go. */
  onread?: OnReadOpts['callback'];
  onSecure?: () => void;
  timer: NodeJS.Timeout;
}

export class SpareConnections {
  private readonly spares = new Map<string, Spare>();
  private closed = false;

  /**
   * The spare connection to `endpoint`, if one is ready: its reads go to `onread` (into
   * its own buffer), and `onSecure` is called once its handshake is done (on the next turn
   * when it already is).
   */
  take(
    endpoint: string,
    onread: OnReadOpts['callback'],
    onSecure: () => void,
  ): TLSSocket | undefined {
    const spare = this.spares.get(endpoint);
    if (!spare) return undefined;
    this.spares.delete(endpoint);
    clearTimeout(spare.timer);
    if (spare.socket.destroyed) return undefined;
    spare.onread = onread;
    if (spare.secure) process.nextTick(onSecure);
    else spare.onSecure = onSecure;
    return spare.socket;
  }

  /** Makes a spare connection to `endpoint` unless one is there. */
  prepare(endpoint: string, dial: Dial): void {
    if (this.closed || this.spares.has(endpoint)) return;
    const drop = (): void => {
      if (this.spares.get(endpoint) !== spare) return;
      this.spares.delete(endpoint);
      clearTimeout(spare.timer);
      spare.socket.destroy();
    };
    const socket = dial({
      buffer: Buffer.allocUnsafe(READ_BUFFER),
      // An idle kubelet says nothing: anything before the spare is taken ends it.
      callback: (n, buf) => (spare.onread ? spare.onread(n, buf) : (drop(), false)),
    });
    const spare: Spare = { socket, secure: false, timer: setTimeout(drop, SPARE_IDLE_MS) };
    spare.timer.unref();
    socket.once('secureConnect', () => {
      spare.secure = true;
      spare.onSecure?.();
    });
    socket.on('error', drop);
    socket.on('close', drop);
    this.spares.set(endpoint, spare);
  }

  close(): void {
    this.closed = true;
    for (const s of this.spares.values()) {
      clearTimeout(s.timer);
      s.socket.destroy();
    }
    this.spares.clear();
  }
}
