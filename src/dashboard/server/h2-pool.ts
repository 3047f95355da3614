// HTTP/2 sessions to the API server for the requests the dashboard passes on: every open
// watch of every page is a stream, not a TLS connection of its own (at both ends). A new
// session opens when the others carry STREAMS_PER_SESSION streams (the API server allows
// 1,000), or when one has gone away.

import {
  connect,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type OutgoingHttpHeaders,
} from 'node:http2';

const STREAMS_PER_SESSION = 500;
const STREAM_WINDOW = 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;

export interface H2Pool {
  /** Opens a stream on a session with room for it. Throws as ClientHttp2Session.request does. */
  request(headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream;
  close(): void;
}

export function createH2Pool(url: URL, caPem: string): H2Pool {
  const streams = new Map<ClientHttp2Session, number>();
  const open = (): ClientHttp2Session => {
    // Windows wide enough that a list of thousands of objects is not paced by round trips.
    const s = connect(url.origin, {
      ca: caPem,
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW },
    });
    s.once('connect', () => s.setLocalWindowSize(SESSION_WINDOW));
    streams.set(s, 0);
    const forget = (): void => void streams.delete(s);
    s.on('close', forget);
    s.on('goaway', forget);
    // A failed session fails its streams, which answer for themselves.
    s.on('error', forget);
    return s;
  };
  const pick = (): ClientHttp2Session => {
    for (const [s, n] of streams) {
      if (s.closed || s.destroyed) streams.delete(s);
      else if (n < STREAMS_PER_SESSION) return s;
    }
    return open();
  };
  return {
    request(headers, endStream) {
      const s = pick();
      const stream = s.request(headers, { endStream });
      streams.set(s, (streams.get(s) ?? 0) + 1);
      stream.on('close', () => {
        const n = streams.get(s);
        if (n !== undefined) streams.set(s, n - 1);
      });
      return stream;
    },
    close() {
      for (const s of streams.keys()) s.destroy();
      streams.clear();
    },
  };
}
