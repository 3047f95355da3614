// Load-balancer addresses announced on the node's LAN, for the nftables mode. An address of
// `--lb-pool` is nobody's: another host on the node's subnet asks for it by ARP, and no
// one answers, so the DNAT rules never see its packets. As MetalLB's layer-2 mode and
// IPVS's kube-ipvs0 do, the node takes each such address on a dummy link of its own
// (host-length prefix, nothing routed): with the kernel's default arp_ignore=0 it then
// answers ARP for it on every link. The node's own addresses are left out (they answer
// already); cluster IPs too (they must not answer ping). The userspace mode holds every
// service address on its own link already, so it needs none of this.

import type { Logger } from '../../log/index.js';
import { createServiceAddresses } from './userspace/service-addresses.js';
import type { ProxyMode, ProxyServicePort } from './types.js';

export const LB_INTERFACE = 'skiff-lb0';

/** The load-balancer IPs of `state` that the node does not hold already. */
export function announcedAddresses(
  state: ReadonlyMap<string, ProxyServicePort>,
  nodeAddresses: readonly string[],
): Set<string> {
  const own = new Set(nodeAddresses);
  const out = new Set<string>();
  for (const sp of state.values())
    for (const ip of sp.loadBalancerIPs) if (!own.has(ip) && !ip.includes(':')) out.add(ip);
  return out;
}

/** `mode`, with the load-balancer addresses of each synced state held on `LB_INTERFACE`. */
export function withAnnouncedAddresses(
  mode: ProxyMode,
  o: {
    nodeAddresses: readonly string[];
    run: (argv: string[], input?: string) => Promise<string>;
    logger: Logger;
  },
): ProxyMode {
  const link = createServiceAddresses({ name: LB_INTERFACE, run: o.run, logger: o.logger });
  let linkProblem = '';
  return {
    name: mode.name,
    async sync(state, changed) {
      await mode.sync(state, changed);
      // The rules are live; an address that cannot be taken leaves only that load balancer
      // unreachable from other hosts, so it is reported, never a failed sync.
      const wanted = announcedAddresses(state, o.nodeAddresses);
      try {
        const missing = await link.sync(wanted);
        if (missing.length) o.logger.warn('load-balancer addresses not announced', { missing });
        linkProblem = '';
      } catch (err) {
        const why = (err as Error).message;
        if (why !== linkProblem) o.logger.warn('cannot announce load-balancer addresses', { err });
        linkProblem = why;
      }
    },
    async close(keepRules) {
      await mode.close(keepRules);
      if (!keepRules) await link.remove().catch(() => undefined);
    },
  };
}
