// The dashboard (src/dashboard), started by `skiff up` once the API server serves: flags
// `--disable-dashboard` and `--dashboard-port` (default 8443, the dashboard project's own
// container port; the Service `kubernetes-dashboard` maps 443 to it).

import { UsageError, intFlag, type ParsedArgs } from './args.js';

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
