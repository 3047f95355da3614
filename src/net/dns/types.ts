// The cluster DNS's view of the API: slim projections of Services and EndpointSlices, made
// once at the informer boundary (as CoreDNS's object/ package does), and what a lookup in
// the record index answers. Nothing here knows about sockets or the wire format.

/** A service port as DNS sees it: name and protocol lower-cased; port -1 stands for "no ports". */
export interface DnsPort {
  name: string;
  protocol: string;
  port: number;
}

export type DnsServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface DnsService {
  namespace: string;
  name: string;
  kind: DnsServiceKind;
  /** spec.clusterIPs (or clusterIP); empty for headless and ExternalName services. */
  clusterIPs: string[];
  /** spec.externalName without a trailing dot, lower-cased. */
  externalName: string;
  ports: DnsPort[];
}

/** One address of a ready endpoint (CoreDNS counts `ready` absent as ready). */
export interface DnsEndpointAddress {
  ip: string;
  /** The endpoint's `hostname` field, "" when it has none. */
  hostname: string;
}

export interface DnsEndpointSlice {
  namespace: string;
  /** The slice's own name (its key in the index). */
  name: string;
  /** The `kubernetes.io/service-name` label. */
  service: string;
  ports: DnsPort[];
  addresses: DnsEndpointAddress[];
}

/** A resource record as the index produces it; owner and target names are absolute, no dot. */
export type DnsRecord =
  | { type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; name: string; ttl: number; data: string }
  | { type: 'TXT'; name: string; ttl: number; data: string }
  | {
      type: 'SRV';
      name: string;
      ttl: number;
      data: { priority: number; weight: number; port: number; target: string };
    }
  | {
      type: 'SOA';
      name: string;
      ttl: number;
      data: {
        mname: string;
        rname: string;
        serial: number;
        refresh: number;
        retry: number;
        expire: number;
        minimum: number;
      };
    };

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

/** What the index answers for one question. */
export type Resolution =
  /** Not a name of the cluster's zones (or a reverse name the cluster does not know): forward it. */
  | { kind: 'forward' }
  | {
      kind: 'answer';
      rcode: number;
      answers: DnsRecord[];
      authorities: DnsRecord[];
      additionals: DnsRecord[];
      /**
       * An ExternalName whose target lies outside the cluster: the answer is complete once
       * the target's records of `type`, looked up upstream, follow the CNAME.
       */
      external?: {
        target: string;
        type: 'A' | 'AAAA' | 'TXT';
        /** The answer when the target does not resolve: without that CNAME (NODATA if empty). */
        unresolved: { answers: DnsRecord[]; authorities: DnsRecord[] };
      };
    };
