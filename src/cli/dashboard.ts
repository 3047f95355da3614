// The dashboard (src/dashboard), started by `skiff up` once the API server serves: flags
// `--disable-dashboard` and `--dashboard-port` (default 8443, the dashboard project's own
// container port; the Service `kubernetes-dashboard` maps 443 to it).

import { UsageError, intFlag, type ParsedArgs } from './args.js';
import { resources, type Client } from '../client/index.js';
import type { Dashboard } from '../dashboard/index.js';
import type { Logger } from '../log/index.js';
import type { CertificateAuthority } from '../pki/index.js';

export const DEFAULT_DASHBOARD_PORT = 8443;

export interface DashboardFlags {
  port: number;
}

/** The dashboard flags, checked; undefined with `--disable-dashboard`. */
export function dashboardFlags(args: ParsedArgs): DashboardFlags | undefined {
  if (args.flags.has('disable-dashboard')) return undefined;
  const port = intFlag(args, 'dashboard-port') ?? DEFAULT_DASHBOARD_PORT;
  // 0 takes any free port (the Service follows the one taken).
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`flag --dashboard-port: ${port} is not a port (0-65535)`);
  return { port };
}

/** The flags to hand on to a detached `skiff up` child. */
export function dashboardChildArgs(args: ParsedArgs): string[] {
  if (args.flags.has('disable-dashboard')) return ['--disable-dashboard'];
  const port = intFlag(args, 'dashboard-port');
  return port === undefined ? [] : ['--dashboard-port', String(port)];
}

/** Where components in this process reach the API server: its bind address, or loopback. */
export function localApiHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::' || bindAddress === '') return '127.0.0.1';
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

export interface NodeDashboardStart {
  flags: DashboardFlags;
  /** The API server's bind address and port. */
  bindAddress: string;
  apiPort: number;
  ca: CertificateAuthority;
  /** The machine's addresses the certificate names besides the node's. */
  addresses: string[];
  /** The node of this process, once Ready: its address is the Service's endpoint. */
  node?: { name: string; address: string; clusterDomain?: string | undefined } | undefined;
  /** The cluster's own client (namespace, Service, bindings) and the dashboard's. */
  admin: Client;
  own: Client;
  logger: Logger;
  progress: (line: string) => void;
}

const isWildcard = (a: string): boolean => a === '0.0.0.0' || a === '::';

/**
 * Starts the dashboard where the API server listens (its bind address, and the node's
 * address pods use), makes its namespace, Service, RoleBinding and the local admin, and has
 * it keep its endpoints. Reported as a progress step; a dashboard that cannot start (its
 * port taken) is said and the cluster runs without it.
 */
export async function startNodeDashboard(o: NodeDashboardStart): Promise<Dashboard | undefined> {
  const t0 = performance.now();
  const log = o.logger.child('dashboard');
  const endpoint = o.node?.address;
  let d: Dashboard;
  try {
    const { issueDashboardCertificate, startDashboard } = await import('../dashboard/index.js');
    const names = [...(endpoint ? [endpoint] : []), ...o.addresses, o.bindAddress];
    const hosts = [o.bindAddress, ...(endpoint ? [endpoint] : [])];
    const wildcard = hosts.find(isWildcard);
    d = await startDashboard({
      port: o.flags.port,
      hosts: wildcard ? [wildcard] : hosts,
      tls: issueDashboardCertificate(
        o.ca,
        names.filter((a) => !isWildcard(a)),
        o.node?.clusterDomain,
      ),
      apiServer: {
        url: `https://${localApiHost(o.bindAddress)}:${o.apiPort}`,
        caPem: o.ca.certPem,
      },
      logger: log,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EADDRINUSE'
        ? `port ${o.flags.port} is already in use (--dashboard-port to choose another)`
        : err.message;
    o.logger.error('the dashboard cannot run', { err: e });
    o.progress(`  ✗ dashboard: ${why}`);
    return undefined;
  }
  try {
    const { ensureDashboardService, ensureLocalAdmin } = await import('../dashboard/index.js');
    const { SKIFF_IDENTITIES } = await import('../apiserver/index.js');
    // The namespace and Service are the cluster's own (as its system namespaces); the
    // endpoints and mirror pod the dashboard keeps on its own identity.
    await ensureDashboardService(o.admin, d.port, SKIFF_IDENTITIES.dashboard);
    await ensureLocalAdmin(o.admin);
    const node = o.node;
    if (node)
      await d.publish({
        client: o.own,
        address: node.address,
        nodeName: node.name,
        nodeUid: async () =>
          (await o.admin.get(resources.nodes, '', node.name).catch(() => undefined))?.metadata.uid,
      });
  } catch (e) {
    log.warn('the dashboard service is not registered', { error: String(e) });
  }
  o.progress(
    `  ✓ dashboard on https://${endpoint ?? localApiHost(o.bindAddress)}:${d.port} (${Math.round(performance.now() - t0)} ms)`,
  );
  return d;
}
