// From API objects to the proxy's view: a Service and its EndpointSlices become one
// ProxyServicePort per service port, as kube-proxy's ServiceChangeTracker and
// EndpointsChangeTracker build theirs. Pure functions; the informers feed them.

import type { KubeObject } from '../../api/types.js';
import type { ProxyEndpoint, ProxyProtocol, ProxyServicePort } from './types.js';
import { servicePortKey } from './types.js';

/** kube-proxy's default for sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_S = 10800;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: unknown): s is string {
  const m = typeof s === 'string' ? IPV4.exec(s) : null;
  return !!m && m.slice(1).every((p) => Number(p) <= 255 && String(Number(p)) === p);
}

interface ServicePortSpec {
  name?: string;
  protocol?: string;
  port?: number;
  nodePort?: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePortSpec[];
  externalIPs?: string[];
  loadBalancerSourceRanges?: string[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  healthCheckNodePort?: number;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
  nodeName?: string;
}

interface SlicePort {
  name?: string | null;
  protocol?: string;
  port?: number | null;
}

const protocolOf = (p: string | undefined): ProxyProtocol | undefined =>
  p === undefined || p === 'TCP' ? 'TCP' : p === 'UDP' || p === 'SCTP' ? p : undefined;

const validPort = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536;

/** The service name an EndpointSlice belongs to ("namespace/name"), or undefined. */
export function sliceServiceKey(slice: KubeObject): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${slice.metadata.namespace ?? ''}/${name}` : undefined;
}

/**
 * The endpoints of one service port across a service's slices: the slice port with the
 * same name and protocol gives each endpoint its port (so a named targetPort resolves per
 * pod). The first address of an endpoint is used; duplicates across slices count once.
 */
function endpointsFor(
  slices: readonly KubeObject[],
  portName: string,
  protocol: ProxyProtocol,
  nodeName: string,
): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    if (slice['addressType'] !== 'IPv4') continue;
    const ports = (slice['ports'] as SlicePort[] | undefined) ?? [];
    const port = ports.find(
      (p) => (p.name ?? '') === portName && protocolOf(p.protocol) === protocol,
    );
    if (!port || !validPort(port.port)) continue;
    for (const ep of (slice['endpoints'] as SliceEndpoint[] | undefined) ?? []) {
      const ip = ep.addresses?.[0];
      if (!isIPv4(ip)) continue; // a nonsense address is skipped, the rest still served
      const c = ep.conditions ?? {};
      const ready = c.ready ?? true;
      const key = `${ip}:${port.port}`;
      const prior = seen.get(key);
      // A ready copy wins over a not-ready one (a pod moving between slices).
      if (prior?.ready) continue;
      seen.set(key, {
        ip,
        port: port.port,
        ready,
        serving: c.serving ?? ready,
        terminating: c.terminating ?? false,
        local: ep.nodeName === nodeName,
      });
    }
  }
  return [...seen.values()].sort((a, b) =>
    a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1,
  );
}

/**
 * The service ports of one Service with their endpoints; none for ExternalName and
 * headless services (kube-proxy skips them too) or a service without a usable cluster IP.
 */
export function servicePorts(
  svc: KubeObject,
  slices: readonly KubeObject[],
  nodeName: string,
): ProxyServicePort[] {
  const spec = (svc['spec'] ?? {}) as ServiceSpec;
  if (spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter(isIPv4);
  if (clusterIPs.length === 0) return [];
  const type = spec.type ?? 'ClusterIP';
  const external = type === 'NodePort' || type === 'LoadBalancer';
  const status = (svc['status'] ?? {}) as { loadBalancer?: { ingress?: { ip?: string }[] } };
  const lbIPs =
    type === 'LoadBalancer'
      ? (status.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isIPv4)
      : [];
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const localExternal =
    (spec.externalTrafficPolicy === 'Local' || spec.externalTrafficPolicy === 'OnlyLocal') &&
    (external || externalIPs.length > 0);
  const affinity =
    spec.sessionAffinity === 'ClientIP'
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_S)
      : undefined;
  const out: ProxyServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = protocolOf(p.protocol);
    if (!protocol || !validPort(p.port)) continue;
    const portName = p.name ?? '';
    out.push({
      namespace: svc.metadata.namespace ?? '',
      name: svc.metadata.name ?? '',
      portName,
      protocol,
      clusterIPs,
      port: p.port,
      ...(external && validPort(p.nodePort) ? { nodePort: p.nodePort } : {}),
      externalIPs,
      loadBalancerIPs: lbIPs,
      loadBalancerSourceRanges:
        type === 'LoadBalancer' ? (spec.loadBalancerSourceRanges ?? []) : [],
      ...(affinity !== undefined ? { affinityTimeoutSeconds: affinity } : {}),
      externalTrafficPolicy: localExternal ? 'Local' : 'Cluster',
      internalTrafficPolicy: spec.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
      ...(localExternal && type === 'LoadBalancer' && validPort(spec.healthCheckNodePort)
        ? { healthCheckNodePort: spec.healthCheckNodePort }
        : {}),
      endpoints: endpointsFor(slices, portName, protocol, nodeName),
    });
  }
  return out;
}

/** Replaces one service's entries in `state`; returns the keys that changed. */
export function updateService(
  state: Map<string, ProxyServicePort>,
  serviceKey: string,
  ports: readonly ProxyServicePort[],
): string[] {
  const changed: string[] = [];
  const prefix = `${serviceKey}:`;
  const next = new Map(ports.map((p) => [servicePortKey(p), p]));
  for (const k of [...state.keys()])
    if (k.startsWith(prefix) && !next.has(k)) {
      state.delete(k);
      changed.push(k);
    }
  for (const [k, p] of next) {
    const old = state.get(k);
    if (!old || JSON.stringify(old) !== JSON.stringify(p)) {
      state.set(k, p);
      changed.push(k);
    }
  }
  return changed;
}
