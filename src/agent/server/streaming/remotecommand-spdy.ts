// exec/attach over SPDY/3.1 (channel.k8s.io … v4.channel.k8s.io): the client opens one
// stream per channel, named by its `streamtype` header; once all the streams the request
// asked for are open, the session starts. The command's status goes on the `error` stream
// (JSON from v4 on, text before), then every stream gets FIN.

import type { Duplex } from 'node:stream';
import { headerValue } from './spdy-headers.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';
import { ResizeParser, ResizeQueue, type CommandChannels } from './remotecommand.js';
import { statusBytes } from './status.js';

/** After the status, the client normally hangs up at once; otherwise we do after this. */
const LINGER_MS = 10_000;

const STREAM_TYPES = new Set(['error', 'stdin', 'stdout', 'stderr', 'resize']);

export interface SpdyCommandOptions {
  /** The negotiated X-Stream-Protocol-Version ('' for a client that asked for none). */
  protocol: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  streamCreationTimeoutMs: number;
  /** Called once every expected stream is open. */
  onReady(channels: CommandChannels): void;
}

export function serveSpdyCommand(transport: Duplex, o: SpdyCommandOptions): SpdySession {
  const json = o.protocol === 'v4.channel.k8s.io';
  const resizable = json || o.protocol === 'v3.channel.k8s.io';
  const expected =
    1 + Number(o.stdin) + Number(o.stdout) + Number(o.stderr) + Number(o.tty && resizable);
  const streams = new Map<string, SpdyStream>();
  const ac = new AbortController();
  let ready = false;

  const timer = setTimeout(() => {
    // kube's server gives up silently (it has no stream to report on yet).
    if (!ready) session.close();
  }, o.streamCreationTimeoutMs);
  timer.unref();

  const session: SpdySession = new SpdySession(transport, {
    accept(headers) {
      const type = headerValue(headers, 'streamtype');
      if (!STREAM_TYPES.has(type)) return `unexpected stream type: ${JSON.stringify(type)}`;
      return undefined;
    },
    onStream(s) {
      if (ready) return;
      const type = headerValue(s.headers, 'streamtype');
      if (!streams.has(type)) streams.set(type, s);
      if (streams.size < expected) return;
      ready = true;
      clearTimeout(timer);
      o.onReady(channels());
    },
    onClose() {
      clearTimeout(timer);
      ac.abort();
    },
  });

  function channels(): CommandChannels {
    const resize = new ResizeQueue();
    const get = (t: string): SpdyStream | undefined => streams.get(t);
    // Streams whose client side we never read are drained so their FIN is seen.
    for (const t of ['error', 'stdout', 'stderr']) get(t)?.resume();
    const resizeStream = get('resize');
    if (resizeStream) {
      const parser = new ResizeParser(resize);
      resizeStream.on('data', (c: Buffer) => parser.push(c));
    }
    const stdinStream = o.stdin ? get('stdin') : undefined;
    const stdout = o.stdout ? get('stdout') : undefined;
    const stderr = o.stderr ? get('stderr') : undefined;
    return {
      ...(stdinStream ? { stdin: stdinStream } : {}),
      ...(stdout ? { stdout } : {}),
      ...(stderr ? { stderr } : {}),
      resize,
      signal: ac.signal,
      finish(status) {
        const err = get('error');
        if (err && !err.writableEnded) {
          const bytes = statusBytes(status, json);
          if (bytes.length) err.write(bytes);
        }
        for (const s of streams.values()) if (!s.writableEnded) s.end();
        setTimeout(() => session.close(), LINGER_MS).unref();
      },
    };
  }

  return session;
}
