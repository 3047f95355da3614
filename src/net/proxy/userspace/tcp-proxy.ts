// A TCP frontend: each accepted connection is joined to a new connection to one endpoint,
// tried in the balancer's order until one answers (a refusing endpoint costs nothing, a
// silent one its dial timeout; after as many timeouts as there are entries in dialTimeoutsMs
// the client is reset). Bytes then flow both ways, half-closes passed on.

import type { Socket } from 'node:net';
import { endpointId } from './balancer.js';
import type { Frontend } from './frontends.js';
import { clientAddress, sourceAllowed, type Listener, type ListenerContext } from './listener.js';

export interface TcpContext extends ListenerContext {
  dialTimeoutsMs: number[];
}

export async function listenTcp(frontend: Frontend, ctx: TcpContext): Promise<Listener> {
  const server = await ctx.host.listenTcp(frontend.address, frontend.port);
  const flows = new Set<Socket>();
  const clients = new Set<Socket>();
  const idle: (() => void)[] = [];
  const listener: Listener = {
    frontend,
    prune: () => undefined,
    drained: () =>
      clients.size === 0 ? undefined : new Promise<void>((resolve) => idle.push(resolve)),
    // The listening socket closes at once; server.close()'s callback would also wait for
    // every connection, which may stay open for as long as its peers want.
    close: async (endFlows) => {
      server.close();
      if (endFlows) for (const s of flows) s.destroy();
    },
  };
  server.on('error', (err) =>
    ctx.logger.warn('service listener failed', { frontend: listener.frontend.id, err }),
  );
  server.on('connection', (client: Socket) => {
    flows.add(client);
    clients.add(client);
    client.once('close', () => {
      flows.delete(client);
      clients.delete(client);
      if (clients.size === 0) for (const done of idle.splice(0)) done();
    });
    void proxy(client, listener.frontend, ctx, flows);
  });
  return listener;
}

async function proxy(
  client: Socket,
  f: Frontend,
  ctx: TcpContext,
  flows: Set<Socket>,
): Promise<void> {
  // A client gone while we dial shows up as an error on its socket: nothing more to do.
  client.on('error', () => client.destroy());
  const ip = clientAddress(client.remoteAddress);
  const sp = ctx.lookup(f.key);
  if (!sp || !sourceAllowed(f, ip)) {
    client.resetAndDestroy();
    return;
  }
  let upstream: Socket | undefined;
  let timeouts = 0;
  for (const endpoint of ctx.balancer.plan(sp, f.scope, ip)) {
    const timeoutMs = ctx.dialTimeoutsMs[timeouts];
    if (timeoutMs === undefined || client.destroyed) break;
    try {
      upstream = await ctx.host.dialTcp(endpoint.ip, endpoint.port, timeoutMs);
      ctx.balancer.connected(sp, ip, endpoint);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ETIMEDOUT') timeouts++;
      ctx.logger.debug('endpoint did not answer', {
        service: f.key,
        endpoint: endpointId(endpoint),
        err,
      });
    }
  }
  if (!upstream) {
    if (!client.destroyed) client.resetAndDestroy();
    return;
  }
  if (client.destroyed) {
    upstream.destroy();
    return;
  }
  join(client, upstream, flows);
}

/**
 * Pipes both ways (each side's FIN is passed on by pipe); a reset on one side resets the
 * other; a side closed without either still lets the other flush what it holds.
 */
function join(client: Socket, upstream: Socket, flows: Set<Socket>): void {
  flows.add(upstream);
  const reset = (other: Socket) => () => {
    if (!other.destroyed) other.resetAndDestroy();
  };
  client.on('error', reset(upstream));
  upstream.on('error', reset(client));
  client.once('close', () => upstream.end());
  upstream.once('close', () => {
    flows.delete(upstream);
    client.end();
  });
  client.pipe(upstream);
  upstream.pipe(client);
}
