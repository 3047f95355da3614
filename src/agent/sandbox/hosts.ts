// A pod's /etc/hosts and /etc/hostname, written as the kubelet (hosts) and the container
// runtime (hostname) write them. Pure functions: the caller reads the node's files.

export interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

/** The parts of a Pod these files depend on (field names as in the API). */
export interface PodNameInfo {
  name: string;
  namespace: string;
  hostname?: string | undefined;
  subdomain?: string | undefined;
}

const HOSTNAME_MAX = 63;

/**
 * The pod's hostname and domain: spec.hostname or the pod name, cut to 63 characters
 * without a trailing '-' or '.'; the domain `<subdomain>.<namespace>.svc.<clusterDomain>`
 * when spec.subdomain is set, else "".
 */
export function podHostnameAndDomain(
  pod: PodNameInfo,
  clusterDomain = 'cluster.local',
): { hostname: string; domain: string } {
  let hostname = pod.hostname || pod.name;
  if (hostname.length > HOSTNAME_MAX)
    hostname = hostname.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
  if (!hostname) throw new Error(`hostname for pod "${pod.name}" is invalid`);
  const domain = pod.subdomain ? `${pod.subdomain}.${pod.namespace}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

function aliasLines(aliases: HostAlias[] | undefined): string {
  if (!aliases?.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

export interface HostsFileInput {
  podIPs: string[];
  hostname: string;
  /** From podHostnameAndDomain; "" when the pod has no subdomain. */
  domain: string;
  hostAliases?: HostAlias[] | undefined;
}

/** /etc/hosts for a pod on the pod network. */
export function renderHostsFile(i: HostsFileInput): string {
  let out =
    '# Kubernetes-managed hosts file.\n' +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  for (const ip of i.podIPs)
    out += i.domain
      ? `${ip}\t${i.hostname}.${i.domain}\t${i.hostname}\n`
      : `${ip}\t${i.hostname}\n`;
  return out + aliasLines(i.hostAliases);
}

/** /etc/hosts for a `hostNetwork: true` pod: the node's own file plus the aliases. */
export function renderHostNetworkHostsFile(nodeHosts: string, hostAliases?: HostAlias[]): string {
  return '# Kubernetes-managed hosts file (host network).\n' + nodeHosts + aliasLines(hostAliases);
}

/** /etc/hostname: the pod's hostname (the node's for `hostNetwork: true` pods). */
export function renderHostnameFile(hostname: string): string {
  return `${hostname}\n`;
}
