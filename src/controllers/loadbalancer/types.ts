// The slim views of Services, Nodes and EndpointSlices the load-balancer controller reads.

import type { KubeObject } from '../../api/types.js';

/** The class this controller serves; services without a class are served too. */
export const LOAD_BALANCER_CLASS = 'skiff.dev/service-lb';

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    ports?: ServicePort[];
    loadBalancerClass?: string;
    loadBalancerIP?: string;
    ipFamilies?: string[];
    externalTrafficPolicy?: string;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface Node extends KubeObject {
  status?: {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
    conditions?: { type: string; status: string }[];
  };
}

export interface EndpointSlice extends KubeObject {
  endpoints?: {
    nodeName?: string;
    conditions?: { ready?: boolean };
    targetRef?: { kind?: string };
  }[];
}

/** A port of a load balancer as it clashes with others: `80/TCP`. */
export const portKey = (p: ServicePort): string => `${p.port}/${p.protocol ?? 'TCP'}`;

/** Whether this controller gives the service its addresses. */
export const servedHere = (svc: Service): boolean =>
  svc.spec?.type === 'LoadBalancer' &&
  (!svc.spec.loadBalancerClass || svc.spec.loadBalancerClass === LOAD_BALANCER_CLASS);

/** The ingress IPs a service shows now, sorted. */
export const ingressIPs = (svc: Service): string[] =>
  (svc.status?.loadBalancer?.ingress ?? [])
    .map((i) => i.ip ?? '')
    .filter(Boolean)
    .sort();
