// Services and EndpointSlices from the API, cut down to what DNS answers with (the
// projections of CoreDNS's object/service.go and object/endpoint.go).

import type { KubeObject } from '../../api/types.js';
import type { DnsEndpointSlice, DnsPort, DnsService } from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Ports as DNS matches them; a service or slice without ports gets CoreDNS's -1 sentinel. */
function projectPorts(ports: unknown): DnsPort[] {
  const list = Array.isArray(ports) ? (ports as Record<string, unknown>[]) : [];
  if (list.length === 0) return [{ name: '', protocol: '', port: -1 }];
  return list.map((p) => ({
    name: typeof p['name'] === 'string' ? p['name'].toLowerCase() : '',
    protocol: typeof p['protocol'] === 'string' ? p['protocol'].toLowerCase() : 'tcp',
    port: typeof p['port'] === 'number' ? p['port'] : -1,
  }));
}

export function projectService(svc: KubeObject): DnsService {
  const spec = (svc['spec'] ?? {}) as Record<string, unknown>;
  const clusterIP = typeof spec['clusterIP'] === 'string' ? spec['clusterIP'] : '';
  const clusterIPs = Array.isArray(spec['clusterIPs'])
    ? (spec['clusterIPs'] as unknown[]).filter((x): x is string => typeof x === 'string')
    : clusterIP
      ? [clusterIP]
      : [];
  const external = spec['type'] === 'ExternalName';
  const headless = !external && (clusterIPs[0] ?? clusterIP) === 'None';
  return {
    namespace: (svc.metadata.namespace ?? '').toLowerCase(),
    name: (svc.metadata.name ?? '').toLowerCase(),
    kind: external ? 'ExternalName' : headless ? 'Headless' : 'ClusterIP',
    clusterIPs: external || headless ? [] : clusterIPs.filter((ip) => ip && ip !== 'None'),
    externalName:
      external && typeof spec['externalName'] === 'string'
        ? spec['externalName'].replace(/\.$/, '').toLowerCase()
        : '',
    ports: projectPorts(spec['ports']),
  };
}

/** Only ready endpoints are kept: `ready` absent counts as ready, as the API documents. */
export function projectEndpointSlice(slice: KubeObject): DnsEndpointSlice {
  const endpoints = Array.isArray(slice['endpoints'])
    ? (slice['endpoints'] as Record<string, unknown>[])
    : [];
  const addresses: DnsEndpointSlice['addresses'] = [];
  for (const e of endpoints) {
    const ready = (e['conditions'] as { ready?: unknown } | undefined)?.ready;
    if (ready === false) continue;
    const hostname = typeof e['hostname'] === 'string' ? e['hostname'].toLowerCase() : '';
    for (const ip of Array.isArray(e['addresses']) ? (e['addresses'] as unknown[]) : [])
      if (typeof ip === 'string') addresses.push({ ip, hostname });
  }
  return {
    namespace: (slice.metadata.namespace ?? '').toLowerCase(),
    name: slice.metadata.name ?? '',
    service: (slice.metadata.labels?.[SERVICE_NAME_LABEL] ?? '').toLowerCase(),
    ports: projectPorts(slice['ports']),
    addresses,
  };
}
