// What the mode needs from a frontend's listener, TCP or UDP, and what a listener needs from
// the mode.

import type { Logger } from '../../../log/index.js';
import type { ProxyServicePort } from '../types.js';
import type { Balancer } from './balancer.js';
import type { Frontend } from './frontends.js';
import type { SocketHost } from './sockets.js';
import { BlockList, isIPv4 } from 'node:net';

export interface ListenerContext {
  /** The service port's current state (the latest sync's). */
  lookup(key: string): ProxyServicePort | undefined;
  balancer: Balancer;
  host: SocketHost;
  logger: Logger;
}

export interface Listener {
  /** The frontend served; replaced in place when the owning service port changes. */
  frontend: Frontend;
  /** Ends flows to endpoints that are no longer usable (UDP; TCP connections stay). */
  prune(): void;
  /** Stops accepting; `flows` also ends the connections and sessions under way. */
  close(flows: boolean): Promise<void>;
  /** Resolves once no connection accepted here is open; undefined when none is. */
  drained(): Promise<void> | undefined;
}

/** "::ffff:10.0.0.1" (an IPv4 client of a dual-stack socket) as "10.0.0.1". */
export const clientAddress = (ip: string | undefined): string =>
  ip?.startsWith('::ffff:') ? ip.slice(7) : (ip ?? '');

const rangeLists = new Map<string, BlockList>();

/** Whether `client` may use the frontend (loadBalancerSourceRanges). */
export function sourceAllowed(f: Frontend, client: string): boolean {
  if (!f.sourceRanges) return true;
  const cacheKey = f.sourceRanges.join(',');
  let list = rangeLists.get(cacheKey);
  if (!list) {
    list = new BlockList();
    for (const cidr of f.sourceRanges) {
      const [net, bits] = cidr.trim().split('/');
      const v4 = isIPv4(net ?? '');
      try {
        list.addSubnet(net ?? '', Number(bits ?? (v4 ? 32 : 128)), v4 ? 'ipv4' : 'ipv6');
      } catch {
        /* the API server validates ranges; a bad one admits nobody */
      }
    }
    if (rangeLists.size > 1000) rangeLists.clear();
    rangeLists.set(cacheKey, list);
  }
  try {
    return list.check(client, isIPv4(client) ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
}
