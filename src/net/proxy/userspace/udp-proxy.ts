// A UDP frontend: each client (address and port) gets a session, a socket of its own
// connected to one endpoint, so the endpoint's replies find their way back; replies leave
// from the frontend's socket, so the client sees them come from the address it sent to.
// A session ends after udpIdleTimeoutMs without a datagram either way, or when its endpoint
// stops being usable (as kube-proxy flushes conntrack entries of removed UDP endpoints).

import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { usableEndpoints } from '../endpoints.js';
import type { ProxyEndpoint } from '../types.js';
import { endpointId } from './balancer.js';
import type { Frontend } from './frontends.js';
import { clientAddress, sourceAllowed, type Listener, type ListenerContext } from './listener.js';

export interface UdpContext extends ListenerContext {
  udpIdleTimeoutMs: number;
}

/** Sessions per frontend, and datagrams held per session while its socket is being made. */
const MAX_SESSIONS = 4096;
const MAX_QUEUED = 64;

interface Session {
  endpoint: ProxyEndpoint;
  upstream?: UdpSocket;
  /** The upstream socket is connected to the endpoint: datagrams go straight through. */
  connected: boolean;
  queue: Buffer[];
  idle?: NodeJS.Timeout;
  closed: boolean;
}

export async function listenUdp(frontend: Frontend, ctx: UdpContext): Promise<Listener> {
  const socket = await ctx.host.bindUdp(frontend.address, frontend.port);
  const sessions = new Map<string, Session>();

  const end = (key: string, s: Session): void => {
    s.closed = true;
    clearTimeout(s.idle);
    if (sessions.get(key) === s) sessions.delete(key);
    try {
      s.upstream?.close();
    } catch {
      /* already closed */
    }
  };
  const touch = (key: string, s: Session): void => {
    clearTimeout(s.idle);
    s.idle = setTimeout(() => end(key, s), ctx.udpIdleTimeoutMs);
    s.idle.unref();
  };

  const open = (key: string, client: RemoteInfo, s: Session): void => {
    const family = s.endpoint.ip.includes(':') ? 'udp6' : 'udp4';
    ctx.host.openUdp(family).then(
      (up) => {
        if (s.closed) {
          up.close();
          return;
        }
        s.upstream = up;
        up.on('error', () => end(key, s));
        up.on('message', (reply) => {
          touch(key, s);
          send(socket, reply, client);
        });
        up.connect(s.endpoint.port, s.endpoint.ip, () => {
          if (s.closed) return;
          s.connected = true;
          for (const d of s.queue.splice(0)) send(up, d);
        });
      },
      (err: Error) => {
        ctx.logger.warn('no socket for a UDP session', { frontend: listener.frontend.id, err });
        end(key, s);
      },
    );
  };

  socket.on('message', (msg, client) => {
    const key = `${client.address} ${client.port}`;
    let s = sessions.get(key);
    if (!s) {
      const f = listener.frontend;
      const ip = clientAddress(client.address);
      const sp = ctx.lookup(f.key);
      if (!sp || !sourceAllowed(f, ip)) return;
      const endpoint = ctx.balancer.plan(sp, f.scope, ip)[0];
      if (!endpoint) return;
      ctx.balancer.connected(sp, ip, endpoint);
      if (sessions.size >= MAX_SESSIONS) {
        const [oldestKey, oldest] = sessions.entries().next().value as [string, Session];
        end(oldestKey, oldest);
      }
      s = { endpoint, queue: [], connected: false, closed: false };
      sessions.set(key, s);
      open(key, client, s);
    }
    touch(key, s);
    if (s.connected && s.upstream) send(s.upstream, msg);
    else if (s.queue.length < MAX_QUEUED) s.queue.push(msg);
  });
  socket.on('error', (err) =>
    ctx.logger.warn('service listener failed', { frontend: listener.frontend.id, err }),
  );

  const listener: Listener = {
    frontend,
    drained: () => undefined, // sessions end with the socket
    prune() {
      const sp = ctx.lookup(listener.frontend.key);
      const usable = new Set<string>();
      if (sp) {
        const u = usableEndpoints(sp);
        for (const e of [...u.cluster, ...u.external]) usable.add(endpointId(e));
      }
      for (const [key, s] of sessions) if (!usable.has(endpointId(s.endpoint))) end(key, s);
    },
    // A UDP frontend's sessions cannot outlive its socket (their replies leave through it).
    close: () =>
      new Promise((resolve) => {
        for (const [key, s] of sessions) end(key, s);
        try {
          socket.close(() => resolve());
        } catch {
          resolve(); // already closed
        }
      }),
  };
  return listener;
}

/** Sends, to `to` or where the socket is connected; a socket closed meanwhile drops it. */
function send(socket: UdpSocket, data: Buffer, to?: RemoteInfo): void {
  try {
    if (to) socket.send(data, to.port, to.address);
    else socket.send(data);
  } catch {
    /* closed: the datagram is lost, as a UDP datagram may be */
  }
}
