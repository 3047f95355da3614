// The node's service proxy, started beside the node agent by `skiff up` and `skiff agent`
// as kube-proxy runs beside a kubelet: an API client of its own over the node's transport.

import { UsageError, stringFlag, type ParsedArgs } from './args.js';
import type { Client } from '../client/index.js';
import type { Logger } from '../log/index.js';
import type { CommandRunner } from '../agent/index.js';
import type { ProxyModeName, ServiceProxy } from '../net/index.js';

/** The pod network of the whole cluster (each node's pod CIDR is a share of it). */
export const CLUSTER_CIDR = '10.244.0.0/16';

/** `--proxy-mode`, checked; undefined lets the proxy choose. */
export function proxyModeFlag(args: ParsedArgs): ProxyModeName | undefined {
  const v = stringFlag(args, 'proxy-mode');
  if (v === undefined) return undefined;
  if (v !== 'nftables' && v !== 'userspace')
    throw new UsageError(`flag --proxy-mode: "${v}" is not one of nftables, userspace`);
  return v;
}

export interface NodeProxyOptions {
  client: Client;
  signal: AbortSignal;
  nodeName: string;
  nodeIP: string;
  logger: Logger;
  runner: CommandRunner;
  mode: ProxyModeName | undefined;
}

/**
 * Starts the proxy and waits for its first sync. Aborting `signal` stops it and leaves its
 * rules for the next start (a crash does the same); `close()` on a node going down removes
 * them with everything else of the node's.
 */
export async function startNodeProxy(o: NodeProxyOptions): Promise<ServiceProxy> {
  const { startServiceProxy } = await import('../net/index.js');
  const proxy = await startServiceProxy({
    client: o.client,
    signal: o.signal,
    node: { name: o.nodeName, addresses: [o.nodeIP], clusterCIDR: CLUSTER_CIDR },
    logger: o.logger,
    runner: o.runner,
    ...(o.mode ? { mode: o.mode } : {}),
  });
  await proxy.ready();
  return proxy;
}
