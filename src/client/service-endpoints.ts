// A selector-less Service's endpoints kept by the parts that serve it, as kube-apiserver
// keeps the `kubernetes` Service's: each server adds its own address to the Endpoints and the
// EndpointSlice (both named as the Service) while it serves, puts it back if someone removes
// it, and takes it out when it stops. Used for kube-dns (cluster DNS) and the dashboard.

import type { KubeObject } from '../api/types.js';
import { isAlreadyExists, isConflict, isNotFound, type Client, type ResourceRef } from './rest.js';
import * as resources from './resources.js';

/** Read, change, write; again on a conflict. `create` makes the object when there is none. */
export async function upsert(
  client: Client,
  ref: ResourceRef,
  namespace: string,
  name: string,
  create: (() => KubeObject) | undefined,
  edit: (live: KubeObject) => KubeObject | undefined,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let live: KubeObject;
    try {
      live = await client.get(ref, namespace, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (!create) return;
      try {
        await client.create(ref, namespace, create());
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

export interface EndpointPort {
  name: string;
  port: number;
  protocol: string;
}

export interface ServiceEndpointsOptions {
  client: Client;
  namespace: string;
  /** The Service's name, which the Endpoints and the EndpointSlice share. */
  name: string;
  /** Labels both carry (besides the ones that tie them to the Service). */
  labels: Record<string, string>;
  ports: EndpointPort[];
  /** Who writes the EndpointSlice (so the EndpointSlice controller leaves it alone). */
  managedBy: string;
  /** This server's address and node. */
  address: string;
  nodeName?: string | undefined;
  /**
   * The pod serving there. The API server's service proxy only goes to an endpoint whose
   * pod has its address (kube's rule), so a proxied Service needs one.
   */
  targetRef?: { kind: 'Pod'; namespace: string; name: string; uid?: string } | undefined;
}

export interface ServiceEndpoints {
  /** Puts this server's address into the Endpoints and the EndpointSlice. */
  add(): Promise<void>;
  /** Takes it out of both. */
  withdraw(): Promise<void>;
}

interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef?: ServiceEndpointsOptions['targetRef'];
}
interface SliceEndpoint {
  addresses: string[];
  nodeName?: string;
  conditions?: Record<string, boolean>;
  targetRef?: ServiceEndpointsOptions['targetRef'];
}

export function createServiceEndpoints(o: ServiceEndpointsOptions): ServiceEndpoints {
  const { client, namespace, name, address, nodeName, ports, targetRef } = o;
  const endpointsMeta = {
    name,
    namespace,
    labels: { ...o.labels, 'endpointslice.kubernetes.io/skip-mirror': 'true' },
  };
  const sliceMeta = {
    name,
    namespace,
    labels: {
      ...o.labels,
      'kubernetes.io/service-name': name,
      'endpointslice.kubernetes.io/managed-by': o.managedBy,
    },
  };
  const endpointsWith = (addresses: EndpointAddress[]): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: endpointsMeta,
    subsets: addresses.length ? [{ addresses, ports }] : [],
  });
  const addressesOf = (ep: KubeObject): EndpointAddress[] =>
    ((ep['subsets'] as { addresses?: EndpointAddress[] }[] | undefined) ?? []).flatMap(
      (s) => s.addresses ?? [],
    );
  const sliceEndpoint = (): SliceEndpoint => ({
    addresses: [address],
    ...(nodeName ? { nodeName } : {}),
    ...(targetRef ? { targetRef } : {}),
    conditions: { ready: true, serving: true, terminating: false },
  });
  const sliceWith = (endpoints: SliceEndpoint[]): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: sliceMeta,
    addressType: 'IPv4',
    endpoints,
    ports,
  });
  const sliceEndpoints = (s: KubeObject): SliceEndpoint[] =>
    (s['endpoints'] as SliceEndpoint[] | undefined) ?? [];
  const mine: EndpointAddress = {
    ip: address,
    ...(nodeName ? { nodeName } : {}),
    ...(targetRef ? { targetRef } : {}),
  };
  // Ours when it names our address and (if we have one) our pod, so a new pod replaces it.
  const isMine = (ip: string, ref: EndpointAddress['targetRef']): boolean =>
    ip === address && (!targetRef || (ref?.name === targetRef.name && ref.uid === targetRef.uid));

  return {
    async add() {
      await upsert(
        client,
        resources.endpoints,
        namespace,
        name,
        () => endpointsWith([mine]),
        (live) => {
          const list = addressesOf(live);
          if (list.some((a) => isMine(a.ip, a.targetRef))) return undefined;
          const others = list.filter((a) => a.ip !== address);
          return { ...endpointsWith([...others, mine]), metadata: live.metadata };
        },
      );
      await upsert(
        client,
        resources.endpointSlices,
        namespace,
        name,
        () => sliceWith([sliceEndpoint()]),
        (live) => {
          const list = sliceEndpoints(live);
          if (list.some((e) => e.addresses.some((ip) => isMine(ip, e.targetRef)))) return undefined;
          const others = list.filter((e) => !e.addresses.includes(address));
          return { ...live, endpoints: [...others, sliceEndpoint()] };
        },
      );
    },
    async withdraw() {
      await upsert(client, resources.endpoints, namespace, name, undefined, (live) => {
        const list = addressesOf(live);
        if (!list.some((a) => a.ip === address)) return undefined;
        return {
          ...endpointsWith(list.filter((a) => a.ip !== address)),
          metadata: live.metadata,
        };
      });
      await upsert(client, resources.endpointSlices, namespace, name, undefined, (live) => {
        const list = sliceEndpoints(live);
        if (!list.some((e) => e.addresses.includes(address))) return undefined;
        return { ...live, endpoints: list.filter((e) => !e.addresses.includes(address)) };
      });
    },
  };
}
