// TCP and HTTP from inside a network namespace. Node cannot switch namespaces per socket, so
// one long-lived helper per namespace (this Node binary under nsenter, spoken to over IPC)
// makes each connection there and hands the connected socket back: after that the bytes flow
// through this process's own socket, as fast as any other. Without a namespace the same
// happens in-process.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { request } from 'node:http';

// The helper pauses each socket before it connects, so not a byte (a server's greeting) is
// read there before the socket is handed over.
const HELPER = `
const net = require('node:net');
process.on('message', (m) => {
  const s = new net.Socket();
  s.pause();
  const t = setTimeout(() => { s.destroy(); process.send({ id: m.id, error: 'timeout' }); }, m.timeoutMs);
  s.once('error', (e) => { clearTimeout(t); process.send({ id: m.id, error: e.message }); });
  s.connect(m.port, m.host, () => { clearTimeout(t); process.send({ id: m.id }, s); });
});
process.on('disconnect', () => process.exit(0));
`;

/** A helper with no dial for this long exits; the next dial starts another. */
const HELPER_IDLE_MS = 60_000;

interface Helper {
  child: ChildProcess;
  pending: Map<number, { resolve(s: Socket): void; reject(e: Error): void }>;
  idle?: NodeJS.Timeout;
}

const helpers = new Map<string, Helper>();
let nextId = 1;

function helperFor(netns: string): Helper {
  const existing = helpers.get(netns);
  if (existing) return existing;
  const child = spawn('nsenter', [`--net=${netns}`, '--', process.execPath, '-e', HELPER], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const h: Helper = { child, pending: new Map() };
  helpers.set(netns, h);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  child.on('message', (m: { id: number; error?: string }, socket?: Socket) => {
    const p = h.pending.get(m.id);
    if (!p) {
      socket?.destroy();
      return;
    }
    h.pending.delete(m.id);
    if (socket && !m.error) p.resolve(socket);
    else p.reject(new Error(m.error ?? 'no connection'));
    idleLater(netns, h);
  });
  const gone = (why: string): void => {
    if (helpers.get(netns) === h) helpers.delete(netns);
    clearTimeout(h.idle);
    for (const p of h.pending.values()) p.reject(new Error(why));
    h.pending.clear();
  };
  child.on('error', (e) => gone(e.message));
  child.on('exit', (code) =>
    gone(stderr.trim() || `the dialer in ${netns} exited (${code ?? 'signal'})`),
  );
  // Idle helpers must not keep the agent's process alive.
  child.unref();
  child.channel?.unref();
  return h;
}

function idleLater(netns: string, h: Helper): void {
  clearTimeout(h.idle);
  if (h.pending.size > 0) return;
  h.idle = setTimeout(() => {
    if (h.pending.size === 0) {
      helpers.delete(netns);
      h.child.disconnect();
    }
  }, HELPER_IDLE_MS);
  h.idle.unref();
}

/**
 * The connection `socket` is, read into `onread`'s buffer from now on. Node takes `onread`
 * only when it makes a socket, and a socket handed over by the helper is made by
 * child_process: so it is made again over the same handle, as child_process makes a
 * received one (`new Socket({ handle })`), before anything is read or written on it.
 */
function readingInto(socket: Socket, onread: OnReadOpts): Socket {
  const held = socket as unknown as { _handle: unknown };
  const handle = held._handle;
  if (!handle) return socket;
  held._handle = null;
  const options = { handle, readable: true, writable: true, onread };
  return new Socket(options as SocketConstructorOpts);
}

/**
 * A TCP connection to host:port made inside `netns` (this process's namespace without one).
 * With `onread`, what it reads goes into that buffer instead of 'data' events.
 */
export function dialTcp(
  netns: string | undefined,
  host: string,
  port: number,
  timeoutMs = 10_000,
  onread?: OnReadOpts,
): Promise<Socket> {
  if (!netns)
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, ...(onread ? { onread } : {}) });
      const t = setTimeout(() => s.destroy(new Error('timeout')), timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  const h = helperFor(netns);
  clearTimeout(h.idle);
  const id = nextId++;
  return new Promise<Socket>((resolve, reject) => {
    h.pending.set(id, {
      resolve: (s) => resolve(onread ? readingInto(s, onread) : s),
      reject,
    });
    h.child.send({ id, host, port, timeoutMs }, (err) => {
      if (!err || !h.pending.delete(id)) return;
      reject(err);
      idleLater(netns, h);
    });
  });
}

export interface DialResult {
  ok: boolean;
  /** HTTP status code, when one came back. */
  status?: number;
  error?: string;
}

/** Opens (and closes) a TCP connection: the tcpSocket probe. */
export function tcpCheck(
  netns: string | undefined,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<DialResult> {
  return dialTcp(netns, host, port, timeoutMs).then(
    (s) => {
      s.destroy();
      return { ok: true };
    },
    (e: Error) => ({ ok: false, error: e.message }),
  );
}

/** A GET whose status is returned: the httpGet probe (2xx and 3xx succeed). */
export function httpCheck(
  netns: string | undefined,
  host: string,
  port: number,
  path: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<DialResult> {
  const judge = (status: number): DialResult =>
    status >= 200 && status < 400
      ? { ok: true, status }
      : { ok: false, status, error: `HTTP probe failed with statuscode: ${status}` };
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const r = request(
      {
        host,
        port,
        path,
        headers,
        timeout: timeoutMs,
        createConnection: (_opts, done) => {
          dialTcp(netns, host, port, timeoutMs).then(
            (s) => done(null, s),
            (e: Error) => done(e, undefined as never),
          );
          return undefined;
        },
      },
      (res) => {
        res.resume();
        resolve(judge(res.statusCode ?? 0));
        r.destroy();
      },
    );
    // The dial and the answer share one deadline.
    const t = setTimeout(() => r.destroy(new Error('timeout')), Math.max(0, deadline - Date.now()));
    r.on('close', () => clearTimeout(t));
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (e) => resolve({ ok: false, error: e.message }));
    r.end();
  });
}
