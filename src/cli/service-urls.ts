// The URLs a person on the host can open for a service (as `minikube service --url`), or
// why there is none: a pure function of the Service and its EndpointSlices.

import type { KubeObject } from '../api/types.js';

interface Port {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface UrlService extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    ports?: Port[];
    selector?: Record<string, string>;
    externalName?: string;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface UrlSlice extends KubeObject {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
}

export type ServiceUrls = { urls: string[] } | { why: string };

/** https for a port named https (or https-…), with appProtocol https, or numbered 443. */
export function schemeOf(p: Port): 'http' | 'https' {
  const named = (p.name ?? '').toLowerCase();
  return named === 'https' ||
    named.startsWith('https-') ||
    p.appProtocol === 'https' ||
    p.port === 443 ||
    p.targetPort === 443
    ? 'https'
    : 'http';
}

const host = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

export function serviceUrls(svc: UrlService, slices: UrlSlice[]): ServiceUrls {
  const ref = `${svc.metadata.namespace}/${svc.metadata.name}`;
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName')
    return {
      why: `service ${ref} is of type ExternalName: it has no address of its own; it names ${spec.externalName ?? '(nothing)'}`,
    };
  if (!spec.clusterIP) return { why: `service ${ref} has no cluster IP` };
  if (spec.clusterIP === 'None')
    return {
      why: `service ${ref} is headless (clusterIP: None): it has no address of its own; its pods are reached directly`,
    };
  const ports = (spec.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  if (ports.length === 0) return { why: `service ${ref} has no TCP port to open` };
  const ready = slices.some((s) =>
    (s.endpoints ?? []).some((e) => e.conditions?.ready !== false && (e.addresses ?? []).length),
  );
  if (!ready) {
    const selector = Object.entries(spec.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const ns = svc.metadata.namespace ?? 'default';
    return {
      why: selector
        ? `service ${ref} has no running pod ready to answer: no ready pod matches its selector ${selector} (see: kubectl get pods -n ${ns} -l ${selector})`
        : `service ${ref} has no running pod ready to answer: it has no selector and its Endpoints list no ready address (see: kubectl get endpoints -n ${ns} ${svc.metadata.name})`,
    };
  }
  const urls: string[] = [];
  for (const p of ports) urls.push(`${schemeOf(p)}://${host(spec.clusterIP)}:${p.port}`);
  for (const p of ports) if (p.nodePort) urls.push(`${schemeOf(p)}://127.0.0.1:${p.nodePort}`);
  const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
  for (const addr of lb.filter(Boolean))
    for (const p of ports) urls.push(`${schemeOf(p)}://${host(addr)}:${p.port}`);
  return { urls: [...new Set(urls)] };
}
