// The node's NetworkPolicy enforcement, started beside the service proxy by `skiff up` as a
// network plugin's node agent runs beside a kubelet: an API client of its own. It needs the
// nftables data path; with the userspace proxy (no nftables, or not root) policies are
// served by the API but not enforced, and one log line says so.

import type { Client } from '../client/index.js';
import type { Logger } from '../log/index.js';
import type { CommandRunner } from '../agent/index.js';
import type { NetworkPolicyEnforcer, NpPod, ProxyModeName } from '../net/index.js';

export interface NodeNetworkPolicyOptions {
  client: Client;
  signal: AbortSignal;
  nodeName: string;
  logger: Logger;
  runner: CommandRunner;
  /** The service proxy's mode; undefined when it is not running. */
  proxyMode: ProxyModeName | undefined;
  /** Where cluster DNS answers on this node (stands for kube-system's kube-dns pods). */
  dnsAddress?: string | undefined;
}

/** The kube-dns endpoint the node serves, as the pod it stands for in peer selection. */
export function dnsEndpoint(address: string): NpPod {
  return {
    namespace: 'kube-system',
    name: 'kube-dns',
    labels: { 'k8s-app': 'kube-dns' },
    ip: address,
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
    local: false,
  };
}

export async function startNodeNetworkPolicy(
  o: NodeNetworkPolicyOptions,
): Promise<NetworkPolicyEnforcer | undefined> {
  const log = o.logger.child('netpol');
  if (o.proxyMode !== 'nftables') {
    log.warn(
      `network policies are not enforced on this node: they need the nftables data path (service proxy mode: ${o.proxyMode ?? 'not running'})`,
    );
    return undefined;
  }
  const { startNetworkPolicy } = await import('../net/index.js');
  const enforcer = startNetworkPolicy({
    client: o.client,
    signal: o.signal,
    nodeName: o.nodeName,
    logger: o.logger,
    runner: o.runner,
    ...(o.dnsAddress ? { hostEndpoints: [dnsEndpoint(o.dnsAddress)] } : {}),
  });
  log.info('network policies enforced on this node (nftables table inet skiff-netpol)');
  return enforcer;
}
