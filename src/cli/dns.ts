// Cluster DNS on a node: starting the server with the node (on the node's address, port 53), reported as a progress step. A
// node whose DNS cannot start (port 53 taken) still runs its pods: the line says why.

import type { Client } from '../client/index.js';
import type { Logger } from '../log/index.js';
import { startClusterDns, type ClusterDns } from '../net/index.js';
import type { DnsFlags } from './dns-flags.js';

export interface NodeDnsOptions {
  flags: DnsFlags;
  client: Client;
  nodeName: string;
  address: string;
  logger: Logger;
  signal: AbortSignal;
  progress: (line: string) => void;
}

export async function startNodeDns(o: NodeDnsOptions): Promise<ClusterDns | undefined> {
  if (!o.flags.enabled) return undefined;
  const t0 = performance.now();
  try {
    const dns = await startClusterDns({
      client: o.client,
      nodeName: o.nodeName,
      address: o.address,
      clusterDomain: o.flags.clusterDomain,
      ...(o.flags.resolvConf ? { resolvConfPath: o.flags.resolvConf } : {}),
      logger: o.logger.child('dns'),
      signal: o.signal,
    });
    o.progress(
      `  ✓ cluster DNS (${o.flags.clusterDomain}) on ${o.address}:${dns.ports.udp} (${Math.round(performance.now() - t0)} ms)`,
    );
    return dns;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EADDRINUSE'
        ? `${o.address}:53 is already in use`
        : err.code === 'EACCES'
          ? `permission denied for ${o.address}:53`
          : err.message;
    o.progress(
      `  ✗ cluster DNS not started: ${why} (pods will not resolve cluster names; --disable-dns to not try)`,
    );
    o.logger.warn('cluster DNS not started', { error: err.message });
    return undefined;
  }
}
