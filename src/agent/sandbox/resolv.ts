// A pod's /etc/resolv.conf by dnsPolicy, as the kubelet forms the DNS config (nameservers,
// search list, options, trimmed to Kubernetes' limits) and the container runtime writes
// it (search, nameserver, options lines). Pure: the node's resolv.conf comes in as text.

export interface PodDNSConfigOption {
  name?: string;
  value?: string;
}

export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: PodDNSConfigOption[];
}

/** The parts of a Pod its resolv.conf depends on (field names as in the API). */
export interface PodDNSInfo {
  namespace: string;
  dnsPolicy?: string | undefined;
  hostNetwork?: boolean | undefined;
  dnsConfig?: PodDNSConfig | undefined;
}

export interface DNSSettings {
  /** Cluster DNS service addresses (default ["10.96.0.10"]); empty means none configured. */
  clusterDNS?: string[];
  clusterDomain?: string;
  /**
   * The node's resolv.conf text (the kubelet's --resolv-conf). Absent means "no resolver
   * config": pods using the node's DNS get 127.0.0.1 and search ".", as the kubelet does.
   */
  nodeResolvConf?: string;
}

export interface ResolvConfig {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export interface PodResolvConf extends ResolvConfig {
  /** Warnings the kubelet records as DNSConfigForming / MissingClusterDNS events. */
  warnings: { reason: string; message: string }[];
}

// Kubernetes' limits (ExpandedDNSConfig, on by default since 1.28).
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_CHARS = 2048;
const MAX_DOMAIN_LENGTH = 253;
const DEFAULT_OPTIONS = ['ndots:5'];

/** Nameservers accumulate; the last search and options lines win; '#' lines are skipped. */
export function parseResolvConf(text: string): ResolvConfig {
  const c: ResolvConfig = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith('#')) continue;
    const [key, ...rest] = t.split(/\s+/);
    if (key === 'nameserver' && rest[0]) c.nameservers.push(rest[0]);
    // The same domain with and without its trailing dot counts once.
    if (key === 'search') c.searches = rest.map((s) => s.replace(/\.$/, ''));
    if (key === 'options') c.options = rest;
  }
  return c;
}

const unique = (xs: string[]) => [...new Set(xs)];

/** Options from dnsConfig replace same-named ones; otherwise order is kept. */
function mergeOptions(existing: string[], extra: PodDNSConfigOption[]): string[] {
  const m = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i === -1) m.set(op, '');
    else m.set(op.slice(0, i), op.slice(i + 1));
  }
  for (const op of extra) m.set(op.name ?? '', op.value ?? '');
  return [...m].map(([k, v]) => (v ? `${k}:${v}` : k));
}

type DNSType = 'cluster' | 'host' | 'none';

function dnsType(pod: PodDNSInfo): DNSType {
  switch (pod.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'ClusterFirst':
      return pod.hostNetwork ? 'host' : 'cluster';
    case 'Default':
      return 'host';
    default:
      return 'cluster'; // the API rejects others; the kubelet falls back the same way
  }
}

function fitSearches(searches: string[], warnings: PodResolvConf['warnings']): string[] {
  let out = searches;
  let exceeded = false;
  if (out.length > MAX_SEARCH_PATHS) {
    out = out.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  // Some resolvers abort on a search path longer than a domain name may be.
  const short = out.filter((s) => s.length <= MAX_DOMAIN_LENGTH);
  if (short.length !== out.length) exceeded = true;
  out = short;
  while (out.join(' ').length > MAX_SEARCH_CHARS) {
    out = out.slice(0, -1);
    exceeded = true;
  }
  if (exceeded)
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${out.join(' ')}`,
    });
  return out;
}

/** The DNS configuration the kubelet gives a pod. */
export function podResolvConf(pod: PodDNSInfo, s: DNSSettings = {}): PodResolvConf {
  const clusterDNS = s.clusterDNS ?? ['10.96.0.10'];
  const domain = s.clusterDomain ?? 'cluster.local';
  const warnings: PodResolvConf['warnings'] = [];
  const host =
    s.nodeResolvConf !== undefined
      ? parseResolvConf(s.nodeResolvConf)
      : { nameservers: [], searches: [], options: [] };
  let c: ResolvConfig = { ...host };
  let type = dnsType(pod);
  if (type === 'none') c = { nameservers: [], searches: [], options: [] };
  if (type === 'cluster') {
    if (clusterDNS.length) {
      const clusterSearch = domain
        ? [`${pod.namespace}.svc.${domain}`, `svc.${domain}`, domain]
        : [];
      c = {
        nameservers: [...clusterDNS],
        searches: unique([...clusterSearch, ...host.searches]),
        options: [...DEFAULT_OPTIONS],
      };
    } else {
      warnings.push({
        reason: 'MissingClusterDNS',
        message: `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      });
      type = 'host';
    }
  }
  if (type === 'host' && s.nodeResolvConf === undefined)
    c = { nameservers: ['127.0.0.1'], searches: ['.'], options: [] };
  if (pod.dnsConfig) {
    c = {
      nameservers: unique([...c.nameservers, ...(pod.dnsConfig.nameservers ?? [])]),
      searches: unique([...c.searches, ...(pod.dnsConfig.searches ?? [])]),
      options: mergeOptions(c.options, pod.dnsConfig.options ?? []),
    };
  }
  if (c.nameservers.length > MAX_NAMESERVERS) {
    c.nameservers = c.nameservers.slice(0, MAX_NAMESERVERS);
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${c.nameservers.join(' ')}`,
    });
  }
  c.searches = fitSearches(c.searches, warnings);
  return { ...c, warnings };
}

/**
 * The file text, as the runtime writes it. Empty settings give undefined: the runtime
 * then copies the node's file as it is.
 */
export function renderResolvConf(c: ResolvConfig): string | undefined {
  let out = '';
  if (c.searches.length) out += `search ${c.searches.join(' ')}\n`;
  for (const n of c.nameservers) out += `nameserver ${n}\n`;
  if (c.options.length) out += `options ${c.options.join(' ')}\n`;
  return out || undefined;
}
