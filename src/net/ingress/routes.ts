// From Ingresses, Services, EndpointSlices and Secrets to the routing table the data plane
// serves, as the Ingress spec says: hosts exact or `*.` wildcard (one label), paths Exact,
// Prefix (element-wise) and ImplementationSpecific (as Prefix), the longest path first and
// Exact before Prefix on a tie; rules of several Ingresses merged per host, the oldest
// Ingress winning a conflict; defaultBackend for unmatched requests, else 404. Pure.

import type { KubeObject } from '../../api/types.js';
import type {
  IngressProblem,
  PathType,
  Route,
  RoutingTable,
  Target,
  TlsCertificate,
  Upstream,
  VirtualHost,
} from './types.js';

interface BackendSpec {
  service?: { name?: string; port?: { name?: string; number?: number } };
  resource?: { kind?: string; name?: string };
}
interface PathSpec {
  path?: string;
  pathType?: string;
  backend?: BackendSpec;
}
interface RuleSpec {
  host?: string;
  http?: { paths?: PathSpec[] };
}
interface TlsSpec {
  hosts?: string[];
  secretName?: string;
}
interface IngressSpec {
  defaultBackend?: BackendSpec;
  rules?: RuleSpec[];
  tls?: TlsSpec[];
}

/** What the routing needs from the caches, by namespace and name. */
export interface RouteSources {
  service(namespace: string, name: string): KubeObject | undefined;
  slices(namespace: string, service: string): readonly KubeObject[];
  /** A `spec.tls` entry's certificate, or a problem with its secret. */
  certificate(
    namespace: string,
    secretName: string | undefined,
    host: string,
  ): TlsCertificate | { problem: string };
  defaultCertificate: TlsCertificate;
}

/** Annotation that turns the HTTP→HTTPS redirect off ("false"), as ingress-nginx's. */
export const SSL_REDIRECT_ANNOTATIONS = [
  'skiff.dev/ssl-redirect',
  'nginx.ingress.kubernetes.io/ssl-redirect',
];

const NOT_FOUND: Target = { kind: 'status', code: 404 };
const UNAVAILABLE: Target = { kind: 'status', code: 503 };

const nameOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** Oldest first, then by namespace/name, as ingress-nginx orders Ingresses. */
export function byAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0;
}

/** "/foo/" and "/foo" are the same Prefix; "" is "/". */
function normalisePrefix(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

interface SlicePort {
  name?: string | null;
  port?: number | null;
  protocol?: string;
}
interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null };
}

/** The ready endpoints of one service port, straight to pod IPs. */
function endpointsOf(
  slices: readonly KubeObject[],
  portName: string,
  fallbackPort: number | undefined,
): Upstream[] {
  const seen = new Map<string, Upstream>();
  for (const slice of slices) {
    if (slice['addressType'] !== 'IPv4') continue;
    const ports = (slice['ports'] as SlicePort[] | undefined) ?? [];
    const port =
      ports.find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP')?.port ??
      (ports.length === 0 ? fallbackPort : undefined);
    if (!port) continue;
    for (const ep of (slice['endpoints'] as SliceEndpoint[] | undefined) ?? []) {
      // ready unset means ready (EndpointSlice API).
      if (ep.conditions?.ready === false) continue;
      const ip = ep.addresses?.[0];
      if (ip) seen.set(`${ip}:${port}`, { ip, port });
    }
  }
  return [...seen.values()].sort((a, b) =>
    a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1,
  );
}

interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
}

/** A backend to a target, or the problem with it (then answered 503, as ingress-nginx). */
function resolveBackend(
  ns: string,
  backend: BackendSpec | undefined,
  src: RouteSources,
): { target: Target; problem?: { reason: string; message: string } } {
  if (backend?.resource)
    return {
      target: UNAVAILABLE,
      problem: {
        reason: 'UnsupportedBackend',
        message: `resource backend ${backend.resource.kind ?? ''} "${backend.resource.name ?? ''}" is not supported by the skiff ingress controller; only service backends are`,
      },
    };
  const name = backend?.service?.name ?? '';
  const wanted = backend?.service?.port;
  const svc = src.service(ns, name);
  if (!svc)
    return {
      target: UNAVAILABLE,
      problem: { reason: 'ServiceNotFound', message: `service "${ns}/${name}" not found` },
    };
  const ports = ((svc['spec'] as { ports?: ServicePort[] } | undefined)?.ports ?? []).filter(
    (p) => (p.protocol ?? 'TCP') === 'TCP',
  );
  const port = ports.find((p) =>
    wanted?.name
      ? p.name === wanted.name
      : wanted?.number !== undefined && p.port === wanted.number,
  );
  if (!port) {
    const which = wanted?.name ? `"${wanted.name}"` : String(wanted?.number ?? '');
    return {
      target: UNAVAILABLE,
      problem: {
        reason: 'PortNotFound',
        message: `service "${ns}/${name}" has no port ${which}`,
      },
    };
  }
  const targetPort = typeof port.targetPort === 'number' ? port.targetPort : port.port;
  return {
    target: {
      kind: 'service',
      name: `${ns}/${name}:${port.port ?? 0}`,
      endpoints: endpointsOf(src.slices(ns, name), port.name ?? '', targetPort),
    },
  };
}

function redirectWanted(ing: KubeObject): boolean {
  const a = ing.metadata.annotations ?? {};
  return !SSL_REDIRECT_ANNOTATIONS.some((k) => a[k]?.trim().toLowerCase() === 'false');
}

interface HostBuild {
  host: string;
  routes: Map<string, Route>;
  owners: Set<string>;
  fallback?: Target;
  tls?: TlsCertificate;
  redirect: boolean;
}

/** The routing table for our Ingresses (already filtered to our class). */
export function buildRoutes(ingresses: readonly KubeObject[], src: RouteSources): RoutingTable {
  const problems: IngressProblem[] = [];
  const hosts = new Map<string, HostBuild>();
  const hostOf = (host: string): HostBuild => {
    let h = hosts.get(host);
    if (!h) hosts.set(host, (h = { host, routes: new Map(), owners: new Set(), redirect: false }));
    return h;
  };
  let globalDefault: Target | undefined;
  let globalDefaultOwner = '';
  for (const ing of [...ingresses].sort(byAge)) {
    const ns = ing.metadata.namespace ?? 'default';
    const name = ing.metadata.name ?? '';
    const report = (reason: string, message: string): void => {
      problems.push({ namespace: ns, name, reason, message });
    };
    const spec = (ing['spec'] as IngressSpec | undefined) ?? {};
    let ownDefault: Target | undefined;
    if (spec.defaultBackend) {
      const r = resolveBackend(ns, spec.defaultBackend, src);
      if (r.problem) report(r.problem.reason, `defaultBackend: ${r.problem.message}`);
      ownDefault = r.target;
      if (globalDefault) {
        if (ingresses.length > 1)
          report(
            'Conflict',
            'defaultBackend ignored: an older Ingress already sets the default backend',
          );
      } else {
        globalDefault = r.target;
        globalDefaultOwner = nameOf(ing);
      }
    }
    for (const rule of spec.rules ?? []) {
      const host = (rule.host ?? '').toLowerCase();
      const h = hostOf(host);
      h.owners.add(nameOf(ing));
      if (ownDefault && !h.fallback) h.fallback = ownDefault;
      for (const p of rule.http?.paths ?? []) {
        const type: PathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path = type === 'Exact' ? (p.path ?? '/') : normalisePrefix(p.path ?? '/');
        const key = `${type} ${path}`;
        const prior = h.routes.get(key);
        if (prior) {
          if (prior.owner !== nameOf(ing))
            report(
              'Conflict',
              `path ${path} (${type}) of host "${host || '*'}" is already routed by Ingress ${prior.owner}; this rule is ignored`,
            );
          continue;
        }
        const r = resolveBackend(ns, p.backend, src);
        if (r.problem) report(r.problem.reason, `path ${path}: ${r.problem.message}`);
        h.routes.set(key, { path, type, target: r.target, owner: nameOf(ing) });
      }
    }
    for (const tls of spec.tls ?? []) {
      for (const raw of tls.hosts ?? []) {
        const host = raw.toLowerCase();
        const h = hostOf(host);
        h.owners.add(nameOf(ing));
        if (h.tls) continue; // the oldest Ingress's certificate for a host wins
        const cert = src.certificate(ns, tls.secretName, host);
        if ('problem' in cert) {
          report(
            'InvalidCertificate',
            `TLS for host "${host}": ${cert.problem}; the default certificate is served instead`,
          );
          h.tls = src.defaultCertificate;
        } else {
          if (cert.warning)
            report('CertificateMismatch', `TLS for host "${host}": ${cert.warning}`);
          const { warning: _unused, ...served } = cert;
          h.tls = served;
        }
        if (redirectWanted(ing)) h.redirect = true;
      }
    }
  }
  const out: VirtualHost[] = [...hosts.values()]
    .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
    .map((h) => ({
      host: h.host,
      routes: [...h.routes.values()]
        // Longest first, Exact before Prefix on a tie (the data plane relies on the order
        // only for readability: nginx matches exact and longest prefixes itself).
        .sort((a, b) =>
          b.path.length !== a.path.length
            ? b.path.length - a.path.length
            : a.type === b.type
              ? 0
              : a.type === 'Exact'
                ? -1
                : 1,
        ),
      fallback:
        h.fallback ?? (h.host === '' ? globalDefault : undefined) ?? globalDefault ?? NOT_FOUND,
      ...(h.tls ? { tls: h.tls } : {}),
      redirectToHttps: !!h.tls && h.redirect,
      owners: [...h.owners],
    }));
  if (!hosts.has('') && globalDefault)
    out.unshift({
      host: '',
      routes: [],
      fallback: globalDefault,
      redirectToHttps: false,
      owners: [globalDefaultOwner],
    });
  return { hosts: out, defaultCertificate: src.defaultCertificate, problems };
}

/** True for a host the spec allows a rule to name: a DNS name, or `*.` and one. */
export function isWildcard(host: string): boolean {
  return host.startsWith('*.');
}

/** Whether a request path matches a route, as the spec says (Prefix element-wise). */
export function routeMatches(r: Pick<Route, 'path' | 'type'>, path: string): boolean {
  if (r.type === 'Exact') return r.path === path;
  return r.path === '/' || path === r.path || path.startsWith(`${r.path}/`);
}

/** The route a path takes on a host: the longest match, Exact before Prefix on a tie. */
export function routeFor(h: VirtualHost, path: string): Route | undefined {
  let best: Route | undefined;
  for (const r of h.routes) {
    if (!routeMatches(r, path)) continue;
    if (
      !best ||
      r.path.length > best.path.length ||
      (r.path.length === best.path.length && r.type === 'Exact' && best.type !== 'Exact')
    )
      best = r;
  }
  return best;
}

/** The virtual host that serves a Host header: exact, then a `*.` wildcard, then the catch-all. */
export function virtualHostFor(t: RoutingTable, hostHeader: string): VirtualHost | undefined {
  const name = hostHeader.toLowerCase().replace(/:\d+$/, '');
  return (
    t.hosts.find((h) => h.host === name) ??
    t.hosts.find((h) => {
      if (!isWildcard(h.host)) return false;
      const suffix = h.host.slice(1); // ".example.com"
      const label = name.slice(0, -suffix.length);
      return name.endsWith(suffix) && label !== '' && !label.includes('.');
    }) ??
    t.hosts.find((h) => h.host === '')
  );
}

/** The Ingress ("namespace/name") a request was routed by, for events about it. */
export function ownerOf(t: RoutingTable, hostHeader: string, uri: string): string | undefined {
  const h = virtualHostFor(t, hostHeader);
  if (!h) return undefined;
  const path = uri.split('?')[0] ?? '/';
  return routeFor(h, path)?.owner ?? h.owners[0];
}
