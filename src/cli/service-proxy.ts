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

/** How long start-up waits for the proxy's first sync (Services and EndpointSlices listed). */
export const PROXY_READY_TIMEOUT_MS = 120_000;

/**
 * Starts the proxy and waits for its first sync. Aborting `signal` stops it and leaves its
 * rules for the next start (a crash does the same); `close()` on a node going down removes
 * them with everything else of the node's. A first sync that fails (an `nft` that refuses
 * the rules under `--proxy-mode nftables`) or never comes fails the start with the reason,
 * and the proxy is stopped again, rules of an earlier run left as they were.
 */
export async function startNodeProxy(
  o: NodeProxyOptions & { readyTimeoutMs?: number },
): Promise<ServiceProxy> {
  const { startServiceProxy } = await import('../net/index.js');
  const proxy = await startServiceProxy({
    client: o.client,
    signal: o.signal,
    node: { name: o.nodeName, addresses: [o.nodeIP], clusterCIDR: CLUSTER_CIDR },
    logger: o.logger,
    runner: o.runner,
    ...(o.mode ? { mode: o.mode } : {}),
  });
  const ms = o.readyTimeoutMs ?? PROXY_READY_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      proxy.ready(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the ${proxy.mode} mode's first sync did not finish within ${Math.round(ms / 1000)} s (Services and EndpointSlices not listed yet?)`,
              ),
            ),
          ms,
        );
      }),
    ]);
  } catch (err) {
    await proxy.close(true).catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return proxy;
}
