// The sockets the proxy serves with: listeners on service addresses and connections to
// endpoints, made in this process's network namespace, or, given one (tests play the node
// in a namespace of their own), made there by a helper process that hands each socket back.
// Once handed back a socket is this process's own: the bytes never pass through the helper.

import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SocketHost {
  /** A listening TCP server; connections arrive paused and may be half-closed. */
  listenTcp(address: string, port: number): Promise<Server>;
  /** A UDP socket bound to address:port. */
  bindUdp(address: string, port: number): Promise<UdpSocket>;
  /** A connected TCP socket (half-close allowed), or the dial's error (its `code` kept). */
  dialTcp(address: string, port: number, timeoutMs: number): Promise<Socket>;
  /** A UDP socket bound to an ephemeral port, for one client's datagrams to an endpoint. */
  openUdp(family: 'udp4' | 'udp6'): Promise<UdpSocket>;
  close(): void;
}

export type HelperRequest = {
  id: number;
  op: 'listen-tcp' | 'bind-udp' | 'dial-tcp' | 'open-udp';
  address?: string;
  port?: number;
  timeoutMs?: number;
  family?: 'udp4' | 'udp6';
};

export interface HelperReply {
  id: number;
  error?: string;
  code?: string;
}

const withCode = (message: string, code?: string): Error =>
  Object.assign(new Error(message), code ? { code } : {});

/** Settings a server received from the helper lacks (net.Server reads them per connection). */
function proxyServer(s: Server): Server {
  Object.assign(s, { allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
  return s;
}

export function createSocketHost(netns?: string): SocketHost {
  return netns ? namespaceHost(netns) : localHost();
}

function localHost(): SocketHost {
  return {
    listenTcp: (address, port) =>
      new Promise((resolve, reject) => {
        const s = proxyServer(createServer());
        s.once('error', reject);
        s.listen({ host: address, port, backlog: 511 }, () => {
          s.off('error', reject);
          resolve(s);
        });
      }),
    bindUdp: (address, port) => bindUdp(address.includes(':') ? 'udp6' : 'udp4', address, port),
    openUdp: (family) => bindUdp(family, undefined, 0),
    dialTcp: (address, port, timeoutMs) =>
      new Promise((resolve, reject) => {
        const s = connect({ host: address, port, allowHalfOpen: true, noDelay: true });
        const t = setTimeout(
          () => s.destroy(withCode('connect timed out', 'ETIMEDOUT')),
          timeoutMs,
        );
        s.once('connect', () => {
          clearTimeout(t);
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', (e) => {
          clearTimeout(t);
          reject(e);
        });
      }),
    close: () => undefined,
  };
}

function bindUdp(family: 'udp4' | 'udp6', address: string | undefined, port: number) {
  return new Promise<UdpSocket>((resolve, reject) => {
    const s = createSocket(family);
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

function helperPath(): string {
  // Beside this module, with its extension (.ts when run from source, .js from dist/).
  const self = fileURLToPath(import.meta.url);
  return self.slice(0, -extname(self).length).replace(/sockets$/, 'netns-helper') + extname(self);
}

function namespaceHost(netns: string): SocketHost {
  let child: ChildProcess | undefined;
  const pending = new Map<number, (r: HelperReply, h: unknown) => void>();
  let nextId = 1;
  let closed = false;

  const start = (): ChildProcess => {
    const c = fork(helperPath(), [], {
      execPath: 'nsenter',
      execArgv: [`--net=${netns}`, '--', process.execPath, ...process.execArgv],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    c.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    c.on('message', (r: HelperReply, h: unknown) => {
      const done = pending.get(r.id);
      pending.delete(r.id);
      if (done) done(r, h);
      else (h as { close?(): void; destroy?(): void } | undefined)?.destroy?.();
    });
    const gone = (why: string): void => {
      if (child === c) child = undefined;
      for (const done of pending.values()) done({ id: 0, error: why }, undefined);
      pending.clear();
    };
    c.on('error', (e) => gone(e.message));
    c.on('exit', (code) => gone(stderr.trim() || `the socket helper in ${netns} exited (${code})`));
    // The helper must not keep this process alive.
    c.unref();
    c.channel?.unref();
    return c;
  };

  const ask = <T>(req: Omit<HelperRequest, 'id'>): Promise<T> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error('the socket host is closed'));
      const c = (child ??= start());
      const id = nextId++;
      pending.set(id, (r, h) =>
        r.error || !h
          ? reject(withCode(r.error ?? 'no socket came back', r.code))
          : resolve(h as T),
      );
      c.send({ ...req, id }, (err) => {
        if (err && pending.delete(id)) reject(err);
      });
    });

  return {
    listenTcp: async (address, port) =>
      proxyServer(await ask<Server>({ op: 'listen-tcp', address, port })),
    bindUdp: (address, port) =>
      ask<UdpSocket>({
        op: 'bind-udp',
        address,
        port,
        family: address.includes(':') ? 'udp6' : 'udp4',
      }),
    openUdp: (family) => ask<UdpSocket>({ op: 'open-udp', family }),
    dialTcp: async (address, port, timeoutMs) => {
      const s = await ask<Socket>({ op: 'dial-tcp', address, port, timeoutMs });
      Object.assign(s, { allowHalfOpen: true });
      s.setNoDelay(true);
      return s;
    },
    close() {
      closed = true;
      if (child?.connected) child.disconnect();
      child = undefined;
    },
  };
}
