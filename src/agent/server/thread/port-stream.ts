// A byte stream between two threads: a Duplex on each end of a MessagePort. Each write
// crosses as a copy whose memory is transferred, not cloned again; the reader acknowledges
// what it has taken, and a writer with more than a window's worth unacknowledged waits, so a
// slow reader holds the writer back as a socket would. Either end ending its writing side
// ends the other's reading side; destroying one end (or the port closing, or the other thread
// exiting) destroys the other, with the error's message when there was one.

import { Duplex } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';

/** Bytes a writer may have on the way before it waits for the reader. */
const WINDOW_BYTES = 1024 * 1024;

type Message =
  { data: Uint8Array } | { ack: number } | { end: true } | { destroyed: true; error?: string };

export function portStream(port: MessagePort): Duplex {
  let inFlight = 0;
  let waiting: (() => void) | undefined;
  /** Bytes pushed to our reader but not yet acknowledged (its buffer was full). */
  let unacknowledged = 0;
  let closedByPeer = false;
  let peerEnded = false;
  let weEnded = false;

  const post = (m: Message, transfer?: ArrayBuffer[]): void => {
    if (!closedByPeer) port.postMessage(m, transfer);
  };
  const acknowledge = (): void => {
    if (unacknowledged === 0) return;
    post({ ack: unacknowledged });
    unacknowledged = 0;
  };
  const send = (chunks: Buffer[], cb: (err?: Error | null) => void): void => {
    for (const c of chunks) {
      const copy = new Uint8Array(c);
      inFlight += copy.length;
      post({ data: copy }, [copy.buffer as ArrayBuffer]);
    }
    if (inFlight <= WINDOW_BYTES) cb();
    else waiting = () => cb();
  };

  const stream = new Duplex({
    allowHalfOpen: true,
    read() {
      acknowledge();
    },
    write(chunk: Buffer, _encoding, cb) {
      send([chunk], cb);
    },
    writev(chunks, cb) {
      send(
        chunks.map((c) => c.chunk as Buffer),
        cb,
      );
    },
    final(cb) {
      weEnded = true;
      post({ end: true });
      cb();
    },
    destroy(err, cb) {
      post({ destroyed: true, ...(err ? { error: err.message } : {}) });
      closedByPeer = true;
      port.close();
      const w = waiting;
      waiting = undefined;
      w?.();
      cb(err);
    },
  });

  // The peer's error is for whoever reads or writes here; with nobody left, it is moot.
  stream.on('error', () => {});
  port.on('message', (m: Message) => {
    if ('data' in m) {
      const b = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
      unacknowledged += b.length;
      if (stream.push(b)) acknowledge();
    } else if ('ack' in m) {
      inFlight -= m.ack;
      if (inFlight <= WINDOW_BYTES && waiting) {
        const w = waiting;
        waiting = undefined;
        w();
      }
    } else if ('end' in m) {
      peerEnded = true;
      stream.push(null);
    } else if ('destroyed' in m) peerGone(m.error);
  });
  // The port closed by the other end, or its thread gone without a word.
  port.on('close', () => peerGone());

  function peerGone(error?: string): void {
    closedByPeer = true;
    if (stream.destroyed) return;
    if (error !== undefined) stream.destroy(new Error(error));
    // Both sides ended: what our reader has not taken yet is still to be read.
    else if (!(peerEnded && weEnded)) stream.destroy();
  }
  return stream;
}
