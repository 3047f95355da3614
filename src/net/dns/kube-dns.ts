// The `kube-dns` Service in kube-system and its endpoints, kept by each node that serves
// DNS, as kube-apiserver keeps the `kubernetes` Service's: the Service has no selector; each
// node adds its own address to the Endpoints and the EndpointSlice (both named kube-dns)
// while it serves, puts it back if someone removes it, and takes it out when it stops.

import type { KubeObject } from '../../api/types.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  resources,
  type Client,
} from '../../client/index.js';
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

type Edit = (live: KubeObject) => KubeObject | undefined;

/** Read, change, write; again on a conflict. `create` makes the object when there is none. */
async function upsert(
  client: Client,
  ref: typeof resources.endpoints,
  name: string,
  create: (() => KubeObject) | undefined,
  edit: Edit,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let live: KubeObject;
    try {
      live = await client.get(ref, KUBE_DNS_NAMESPACE, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (!create) return;
      try {
        await client.create(ref, KUBE_DNS_NAMESPACE, create());
        return;
      } catch (e2) {
        if (isAlreadyExists(e2)) continue;
        throw e2;
      }
    }
    const next = edit(live);
    if (!next) return;
    try {
      await client.update(ref, next);
      return;
    } catch (e) {
      if (isConflict(e)) continue;
      throw e;
    }
  }
}

interface EndpointAddress {
  ip: string;
  nodeName?: string;
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

  const endpointsMeta = {
    name: KUBE_DNS_NAME,
    namespace: KUBE_DNS_NAMESPACE,
    labels: { ...KUBE_DNS_LABELS, 'endpointslice.kubernetes.io/skip-mirror': 'true' },
  };
  const sliceMeta = {
    name: KUBE_DNS_NAME,
    namespace: KUBE_DNS_NAMESPACE,
    labels: {
      ...KUBE_DNS_LABELS,
      'kubernetes.io/service-name': KUBE_DNS_NAME,
      'endpointslice.kubernetes.io/managed-by': MANAGED_BY,
    },
  };

  function endpointsWith(addresses: EndpointAddress[]): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: endpointsMeta,
      subsets: addresses.length ? [{ addresses, ports: PORTS }] : [],
    };
  }
  const addressesOf = (ep: KubeObject): EndpointAddress[] =>
    ((ep['subsets'] as { addresses?: EndpointAddress[] }[] | undefined) ?? []).flatMap(
      (s) => s.addresses ?? [],
    );

  interface SliceEndpoint {
    addresses: string[];
    nodeName?: string;
    conditions?: Record<string, boolean>;
  }
  const sliceEndpoint = (): SliceEndpoint => ({
    addresses: [address],
    nodeName,
    conditions: { ready: true, serving: true, terminating: false },
  });
  function sliceWith(endpoints: SliceEndpoint[]): KubeObject {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: sliceMeta,
      addressType: 'IPv4',
      endpoints,
      ports: PORTS,
    };
  }
  const sliceEndpoints = (s: KubeObject): SliceEndpoint[] =>
    (s['endpoints'] as SliceEndpoint[] | undefined) ?? [];

  return {
    async sync() {
      await ensureService();
      const mine: EndpointAddress = { ip: address, nodeName };
      await upsert(
        client,
        resources.endpoints,
        KUBE_DNS_NAME,
        () => endpointsWith([mine]),
        (live) => {
          const list = addressesOf(live);
          if (list.some((a) => a.ip === address)) return undefined;
          return { ...endpointsWith([...list, mine]), metadata: live.metadata };
        },
      );
      await upsert(
        client,
        resources.endpointSlices,
        KUBE_DNS_NAME,
        () => sliceWith([sliceEndpoint()]),
        (live) => {
          const list = sliceEndpoints(live);
          if (list.some((e) => e.addresses.includes(address))) return undefined;
          return { ...live, endpoints: [...list, sliceEndpoint()] };
        },
      );
    },
    async withdraw() {
      await upsert(client, resources.endpoints, KUBE_DNS_NAME, undefined, (live) => {
        const list = addressesOf(live);
        if (!list.some((a) => a.ip === address)) return undefined;
        return {
          ...endpointsWith(list.filter((a) => a.ip !== address)),
          metadata: live.metadata,
        };
      });
      await upsert(client, resources.endpointSlices, KUBE_DNS_NAME, undefined, (live) => {
        const list = sliceEndpoints(live);
        if (!list.some((e) => e.addresses.includes(address))) return undefined;
        return { ...live, endpoints: list.filter((e) => !e.addresses.includes(address)) };
      });
    },
  };
}
