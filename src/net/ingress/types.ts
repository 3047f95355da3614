// The ingress controller's view of the API objects: what the data plane serves.

/** One pod endpoint a request can go to. */
export interface Upstream {
  ip: string;
  port: number;
}

/** Where a matched request goes: ready endpoints, or a fixed answer. */
export type Target =
  | { kind: 'service'; name: string; endpoints: Upstream[] }
  /** A backend that cannot be served (missing service or port): nginx answers this. */
  | { kind: 'status'; code: number };

export type PathType = 'Exact' | 'Prefix';

export interface Route {
  path: string;
  type: PathType;
  target: Target;
  /** The Ingress the rule is from ("namespace/name"). */
  owner: string;
}

export interface TlsCertificate {
  /** Stable file name for the PEM (certificate chain followed by the key). */
  id: string;
  pem: string;
  /** Served, but worth a Warning (e.g. it does not name the host). */
  warning?: string;
}

export interface VirtualHost {
  /** The rule's host ("" for rules without one: the catch-all server). */
  host: string;
  routes: Route[];
  /** Requests no route matches (the Ingress's defaultBackend, else 404). */
  fallback: Target;
  tls?: TlsCertificate;
  /** Plain HTTP answers with a redirect to HTTPS (TLS configured, not turned off). */
  redirectToHttps: boolean;
  /** The Ingresses with rules, TLS or the default backend for this host, oldest first. */
  owners: string[];
}

/** A problem with an Ingress, reported as a Warning event on it. */
export interface IngressProblem {
  namespace: string;
  name: string;
  reason: string;
  message: string;
}

export interface RoutingTable {
  hosts: VirtualHost[];
  /** The certificate for names no `spec.tls` entry covers. */
  defaultCertificate: TlsCertificate;
  problems: IngressProblem[];
}
