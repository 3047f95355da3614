// The three files every pod gets, from the Pod itself and the node's own files.

import {
  podHostnameAndDomain,
  renderHostNetworkHostsFile,
  renderHostnameFile,
  renderHostsFile,
  type HostAlias,
} from './hosts.js';
import { podResolvConf, renderResolvConf, type DNSSettings, type PodDNSConfig } from './resolv.js';

/** The fields of a Pod the files depend on. */
export interface PodForFiles {
  metadata: { name: string; namespace: string };
  spec: {
    hostname?: string;
    subdomain?: string;
    hostNetwork?: boolean;
    hostAliases?: HostAlias[];
    dnsPolicy?: string;
    dnsConfig?: PodDNSConfig;
  };
}

export interface NodeFiles {
  /** The node's hostname (`hostNetwork: true` pods get it). */
  hostname: string;
  /** The node's /etc/hosts text. */
  hosts: string;
}

export interface PodFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
  /** What the kubelet would record as Warning events on the pod (reason, message). */
  warnings: { reason: string; message: string }[];
}

export function renderPodFiles(
  pod: PodForFiles,
  podIPs: string[],
  node: NodeFiles,
  dns: DNSSettings = {},
): PodFiles {
  const { spec } = pod;
  const dnsOut = podResolvConf(
    {
      namespace: pod.metadata.namespace,
      dnsPolicy: spec.dnsPolicy,
      hostNetwork: spec.hostNetwork,
      dnsConfig: spec.dnsConfig,
    },
    dns,
  );
  const resolvConf = renderResolvConf(dnsOut) ?? dns.nodeResolvConf ?? '';
  if (spec.hostNetwork)
    return {
      hosts: renderHostNetworkHostsFile(node.hosts, spec.hostAliases),
      hostname: renderHostnameFile(node.hostname),
      resolvConf,
      warnings: dnsOut.warnings,
    };
  const { hostname, domain } = podHostnameAndDomain(
    {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      hostname: spec.hostname,
      subdomain: spec.subdomain,
    },
    dns.clusterDomain,
  );
  return {
    hosts: renderHostsFile({ podIPs, hostname, domain, hostAliases: spec.hostAliases }),
    hostname: renderHostnameFile(hostname),
    resolvConf,
    warnings: dnsOut.warnings,
  };
}
