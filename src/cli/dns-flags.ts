// The cluster DNS flags `skiff up` and `skiff agent` share (kept apart from the DNS itself so
// that reading flags does not load it).

import { resolve } from 'node:path';
import { stringFlag, UsageError, type ParsedArgs } from './args.js';

const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export interface DnsFlags {
  /** --cluster-domain: the zone DNS serves and pods' search path ends in. */
  clusterDomain: string;
  /** False with --disable-dns. */
  enabled: boolean;
  /** --resolv-conf: whose nameservers names outside the cluster go to (default /etc/resolv.conf). */
  resolvConf?: string;
}

/** The flags `skiff up --detach` passes on to its child. */
export const DNS_VALUE_FLAGS = ['cluster-domain', 'resolv-conf'] as const;

const DOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function dnsFlags(args: ParsedArgs): DnsFlags {
  const domain = (stringFlag(args, 'cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN).replace(/\.$/, '');
  if (!DOMAIN.test(domain))
    throw new UsageError(`flag --cluster-domain: "${domain}" is not a lower-case DNS domain name`);
  const resolvConf = stringFlag(args, 'resolv-conf');
  return {
    clusterDomain: domain,
    enabled: !args.flags.has('disable-dns'),
    ...(resolvConf ? { resolvConf: resolve(resolvConf) } : {}),
  };
}
