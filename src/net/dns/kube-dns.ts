// The `kube-dns` Service in kube-system and its endpoints, kept by each node that serves
// DNS (src/client/service-endpoints.ts): the Service has no selector; each node adds its own
// address to the Endpoints and the EndpointSlice (both named kube-dns) while it serves, puts
// it back if someone removes it, and takes it out when it stops.

import type { KubeObject } from '../../api/types.js';
import { createServiceEndpoints, resources, upsert, type Client } from '../../client/index.js';
import type { Logger } from '../../log/index.js';

export const KUBE_DNS_NAME = 'kube-dns';
export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_IP = '10.96.0.10';
/** Who writes the EndpointSlice (so the EndpointSlice controller leaves it alone). */
export const MANAGED_BY = 'dns.skiff.dev';

export const KUBE_DNS_LABELS: Record<string, string> = {
  'k8s-app': 'kube-dns',
  'kubernetes.io/cluster-service': 'true',
  'kubernetes.io/name': 'CoreDNS',
};

const PORTS = [
  { name: 'dns', port: 53, protocol: 'UDP' },
  { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  { name: 'metrics', port: 9153, protocol: 'TCP' },
];

export function kubeDnsService(clusterIP: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: KUBE_DNS_NAME,
      namespace: KUBE_DNS_NAMESPACE,
      labels: { ...KUBE_DNS_LABELS },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      ports: PORTS.map((p) => ({ ...p, targetPort: p.port })),
      sessionAffinity: 'None',
    },
  };
}

export interface KubeDnsRegistration {
  /** Makes sure the Service exists and this node's address is in its endpoints. */
  sync(): Promise<void>;
  /** Takes this node's address out of the endpoints. */
  withdraw(): Promise<void>;
}

export interface KubeDnsOptions {
  client: Client;
  nodeName: string;
  address: string;
  clusterIP?: string;
  logger?: Logger;
}

export function createKubeDnsRegistration(o: KubeDnsOptions): KubeDnsRegistration {
  const { client, address, nodeName } = o;
  const clusterIP = o.clusterIP ?? KUBE_DNS_IP;

  async function ensureService(): Promise<void> {
    // Read first: creating it again would not say AlreadyExists but that 10.96.0.10 is
    // taken (the allocator runs before the name is checked), as kube-apiserver does.
    await upsert(
      client,
      resources.services,
      KUBE_DNS_NAMESPACE,
      KUBE_DNS_NAME,
      () => kubeDnsService(clusterIP),
      // One that exists keeps its spec; it gets the labels that list it.
      (live) => {
        const labels = live.metadata.labels ?? {};
        if (Object.entries(KUBE_DNS_LABELS).every(([k, v]) => labels[k] === v)) return undefined;
        return {
          ...live,
          metadata: { ...live.metadata, labels: { ...labels, ...KUBE_DNS_LABELS } },
        };
      },
    );
  }

  const endpoints = createServiceEndpoints({
    client,
    namespace: KUBE_DNS_NAMESPACE,
    name: KUBE_DNS_NAME,
    labels: KUBE_DNS_LABELS,
    ports: PORTS,
    managedBy: MANAGED_BY,
    address,
    nodeName,
  });

  return {
    async sync() {
      await ensureService();
      await endpoints.add();
    },
    withdraw: () => endpoints.withdraw(),
  };
}
