// How to reach a Service or an Ingress, in words and links: internal endpoints (cluster IP and
// port, the DNS name pods use) and external ones (node ports, load balancer addresses,
// external IPs, an ExternalName, ingress hosts).

import type { KObject } from '../api/reducer.js';

export interface Endpoint {
  text: string;
  /** A link when the endpoint is a URL a browser can open. */
  href?: string;
}

const portSuffix = (p: any): string => (p.protocol && p.protocol !== 'TCP' ? ` ${p.protocol}` : '');

/** `10.96.0.12:80`, `web.shop.svc.cluster.local:80` — one of each per port. */
export function internalEndpoints(svc: KObject, clusterDomain = 'cluster.local'): Endpoint[] {
  const spec = svc.spec ?? {};
  const dns = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${clusterDomain}`;
  if (spec.type === 'ExternalName') return [{ text: dns }];
  const ports: any[] = spec.ports ?? [];
  const ip: string | undefined =
    spec.clusterIP && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
  if (!ports.length) return [{ text: ip ? `${ip} (headless: ${dns})` : dns }];
  const out: Endpoint[] = [];
  for (const p of ports) {
    if (ip) out.push({ text: `${ip.includes(':') ? `[${ip}]` : ip}:${p.port}${portSuffix(p)}` });
    out.push({ text: `${dns}:${p.port}${portSuffix(p)}` });
  }
  return out;
}

/** Node ports, load balancer ingress addresses, external IPs, or the ExternalName. */
export function externalEndpoints(svc: KObject): Endpoint[] {
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName') return spec.externalName ? [{ text: spec.externalName }] : [];
  const ports: any[] = spec.ports ?? [];
  const out: Endpoint[] = [];
  const addresses: string[] = [
    ...((svc.status?.loadBalancer?.ingress ?? []) as any[])
      .map((i) => i.ip ?? i.hostname)
      .filter(Boolean),
    ...((spec.externalIPs ?? []) as string[]),
  ];
  for (const a of addresses)
    for (const p of ports) {
      const host = a.includes(':') ? `[${a}]` : a;
      const scheme = p.port === 443 ? 'https' : p.port === 80 ? 'http' : undefined;
      out.push({
        text: `${host}:${p.port}${portSuffix(p)}`,
        ...(scheme && (p.protocol ?? 'TCP') === 'TCP'
          ? { href: `${scheme}://${host}:${p.port}` }
          : {}),
      });
    }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer')
    for (const p of ports)
      if (p.nodePort) out.push({ text: `<node address>:${p.nodePort}${portSuffix(p)} (NodePort)` });
  return out;
}

/** The ports column of `kubectl get svc`: `80/TCP`, `80:30080/TCP`. */
export function servicePorts(svc: KObject): string {
  return ((svc.spec?.ports ?? []) as any[])
    .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
    .join(', ');
}

/** Each rule's host and path as a link: https when a TLS entry names the host. */
export function ingressLinks(ing: KObject): Endpoint[] {
  const tlsHosts = new Set<string>(
    ((ing.spec?.tls ?? []) as any[]).flatMap((t) => (t.hosts ?? []) as string[]),
  );
  const address = ingressAddresses(ing)[0];
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const rule of (ing.spec?.rules ?? []) as any[]) {
    const paths: any[] = rule.http?.paths ?? [{ path: '/' }];
    for (const p of paths) {
      const path = p.path ?? '/';
      const host: string | undefined = rule.host;
      let text: string;
      let href: string | undefined;
      if (host && !host.startsWith('*')) {
        const scheme = tlsHosts.has(host) ? 'https' : 'http';
        text = href = `${scheme}://${host}${path}`;
      } else if (host) {
        text = `${host}${path}`;
      } else {
        text = address ? `http://${address}${path}` : `*${path}`;
        if (address) href = text;
      }
      if (seen.has(text)) continue;
      seen.add(text);
      out.push(href ? { text, href } : { text });
    }
  }
  if (!out.length && ing.spec?.defaultBackend)
    out.push(address ? { text: `http://${address}/`, href: `http://${address}/` } : { text: '*/' });
  return out;
}

export function ingressAddresses(ing: KObject): string[] {
  return ((ing.status?.loadBalancer?.ingress ?? []) as any[])
    .map((i) => i.ip ?? i.hostname)
    .filter(Boolean);
}

/** Where an ingress path goes: `web:80`. */
export function ingressBackends(ing: KObject): string[] {
  const out = new Set<string>();
  const add = (b: any): void => {
    if (b?.service)
      out.add(`${b.service.name}:${b.service.port?.number ?? b.service.port?.name ?? ''}`);
    else if (b?.resource) out.add(`${b.resource.kind}/${b.resource.name}`);
  };
  add(ing.spec?.defaultBackend);
  for (const rule of (ing.spec?.rules ?? []) as any[])
    for (const p of (rule.http?.paths ?? []) as any[]) add(p.backend);
  return [...out];
}
