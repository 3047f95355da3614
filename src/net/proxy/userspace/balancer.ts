// Which endpoint a new connection goes to: random over the usable endpoints, as kube-proxy's
// nftables mode (numgen random), or the client's last endpoint under ClientIP affinity while
// it is still usable and was used within timeoutSeconds (the timeout restarts with each new
// connection, as the kernel's "recent" match that kube-proxy used does).

import { BlockList, isIPv4 } from 'node:net';
import { usableEndpoints } from '../endpoints.js';
import {
  servicePortKey,
  type NodeInfo,
  type ProxyEndpoint,
  type ProxyServicePort,
} from '../types.js';
import type { FrontendScope } from './frontends.js';

export const endpointId = (e: Pick<ProxyEndpoint, 'ip' | 'port'>): string =>
  e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;

export interface Balancer {
  /**
   * The endpoints a connection from `client` may use, in the order to try them: the
   * affinity endpoint first when there is one, then the others in random order.
   */
  plan(sp: ProxyServicePort, scope: FrontendScope, client: string): ProxyEndpoint[];
  /** Records that `client` got through to `endpoint` (its affinity, when the service has it). */
  connected(sp: ProxyServicePort, client: string, endpoint: ProxyEndpoint): void;
  /** Drops affinity records of service ports not in `keys`, and expired ones. */
  prune(keys: ReadonlySet<string>): void;
}

interface Affinity {
  endpoint: string;
  lastUsedMs: number;
}

export interface BalancerOptions {
  node: Pick<NodeInfo, 'addresses' | 'clusterCIDR'>;
  now: () => number;
  random: () => number;
}

export function createBalancer(o: BalancerOptions): Balancer {
  // service port key → client IP → affinity
  const affinities = new Map<string, Map<string, Affinity>>();
  const nodeLocal = localSources(o.node);

  /**
   * Endpoints for a frontend's traffic. External traffic under externalTrafficPolicy Local
   * from a pod or from the node itself goes to every usable endpoint, as kube-proxy sends
   * such traffic on to the cluster-wide chain.
   */
  const candidates = (sp: ProxyServicePort, scope: FrontendScope, client: string) => {
    const usable = usableEndpoints(sp);
    if (scope === 'cluster') return usable.cluster;
    if (sp.externalTrafficPolicy === 'Local' && nodeLocal(client)) return usable.cluster;
    return usable.external;
  };

  const shuffle = <T>(items: T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(o.random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };

  const liveAffinity = (sp: ProxyServicePort, client: string): Affinity | undefined => {
    if (sp.affinityTimeoutSeconds === undefined) return undefined;
    const a = affinities.get(servicePortKey(sp))?.get(client);
    if (!a || o.now() - a.lastUsedMs > sp.affinityTimeoutSeconds * 1000) return undefined;
    return a;
  };

  return {
    plan(sp, scope, client) {
      const list = shuffle(candidates(sp, scope, client));
      const a = liveAffinity(sp, client);
      if (!a) return list;
      const i = list.findIndex((e) => endpointId(e) === a.endpoint);
      if (i > 0) list.unshift(...list.splice(i, 1));
      return list;
    },
    connected(sp, client, endpoint) {
      if (sp.affinityTimeoutSeconds === undefined) return;
      const key = servicePortKey(sp);
      let byClient = affinities.get(key);
      if (!byClient) affinities.set(key, (byClient = new Map()));
      byClient.set(client, { endpoint: endpointId(endpoint), lastUsedMs: o.now() });
    },
    prune(keys) {
      for (const [key, byClient] of affinities) {
        if (!keys.has(key)) {
          affinities.delete(key);
          continue;
        }
        // Nothing is kept longer than the longest timeout Kubernetes allows (one day).
        for (const [client, a] of byClient)
          if (o.now() - a.lastUsedMs > 86_400_000) byClient.delete(client);
      }
    },
  };
}

/** Whether a client address is this node or one of the cluster's pods. */
function localSources(node: Pick<NodeInfo, 'addresses' | 'clusterCIDR'>): (ip: string) => boolean {
  const list = new BlockList();
  const [net, bits] = node.clusterCIDR.split('/');
  if (net && bits && isIPv4(net)) list.addSubnet(net, Number(bits), 'ipv4');
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const a of node.addresses) list.addAddress(a, isIPv4(a) ? 'ipv4' : 'ipv6');
  return (ip) => {
    const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    try {
      return list.check(v4, isIPv4(v4) ? 'ipv4' : 'ipv6');
    } catch {
      return false; // not an address at all
    }
  };
}
