// Where each proxied request goes, worked out as kube-apiserver's ResourceLocation /
// ExecLocation / AttachLocation / PortForwardLocation do (pkg/registry/core/{pod,service,node}),
// with their errors in their words.

import { posix } from 'node:path';
import { badRequest, notFound, serviceUnavailable } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { KubeletClient } from '../kubelet/index.js';
import { boolParam } from '../query-params.js';
import { ADDRESS_NOT_ALLOWED, isProxyableIp, splitSchemeNamePort } from './names.js';
import { chooseContainer, podView, type PodView } from './pod.js';

/** A backend request's target. */
export interface Backend {
  scheme: 'http' | 'https';
  hostname: string;
  port: number;
  /** The path as sent to the backend (escaped); '' for the bare `/proxy`. */
  path: string;
  /** The query without `?`. */
  query: string;
  /** https through the kubelet client (certificate and CA), or unverified (pods, services). */
  tls: 'kubelet' | 'insecure';
  /** Responses pass link rewriting (the proxy subresources). */
  rewrite: boolean;
}

/** The objects a location is worked out from (the API server's registry). */
export interface ObjectLookup {
  pod(namespace: string, name: string): Promise<KubeObject | undefined>;
  service(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The service's Endpoints object (kube-apiserver proxies by it, not by EndpointSlices). */
  endpoints(namespace: string, name: string): Promise<KubeObject | undefined>;
}

export interface LocatorOptions {
  lookup: ObjectLookup;
  /** Without it no node can be reached: pods behave as if unscheduled. */
  kubelet?: KubeletClient | undefined;
  /** Lets pods/proxy and nodes/proxy reach loopback addresses (single-host tests). */
  allowLoopback?: boolean;
  /** For endpoint choice; default Math.random. */
  random?: () => number;
}

const PODS = { group: '', resource: 'pods' };
const SERVICES = { group: '', resource: 'services' };
const ENDPOINTS = { group: '', resource: 'endpoints' };

const defaultPort = (scheme: string): number => (scheme === 'https' ? 443 : 80);

/** A port from the path as a number, or the 503 Go's dialer would end the request with. */
function dialPort(port: string): number {
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n <= 65535) return n;
    throw serviceUnavailable(
      `error trying to reach service: dial tcp: address ${port}: invalid port`,
    );
  }
  throw serviceUnavailable(
    `error trying to reach service: dial tcp: address tcp/${port}: unknown port`,
  );
}

/** Escapes a decoded path as Go's URL.EscapedPath does (keeping `/` and sub-delimiters). */
export function escapePath(p: string): string {
  return p
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%(24|26|2B|2C|3A|3B|3D|40)/gi, decodeURIComponent))
    .join('/');
}

/**
 * The backend path for a proxy path (`/a/b/`, '' for none), as kube's
 * JoinPreservingTrailingSlash makes it: cleaned of dot segments and empty ones, never above
 * the root, the trailing slash kept.
 */
export function backendPath(proxyPath: string): string {
  if (proxyPath === '') return '';
  let p = posix.normalize('/' + proxyPath);
  if (proxyPath.endsWith('/') && !p.endsWith('/')) p += '/';
  return escapePath(p.replace(/\/{2,}/g, '/'));
}

export function createLocator(o: LocatorOptions) {
  const random = o.random ?? Math.random;
  const pick = (n: number): number => Math.floor(random() * n) % n;

  async function getPod(namespace: string, name: string): Promise<PodView> {
    const obj = await o.lookup.pod(namespace, name);
    if (!obj) throw notFound(PODS, name);
    return podView(obj);
  }

  /** The kubelet of a scheduled pod, or kube's 400 for a pod with no node. */
  async function podNode(pod: PodView) {
    if (!pod.nodeName || !o.kubelet)
      throw badRequest(`pod ${pod.name} does not have a host assigned`);
    return o.kubelet.endpoint(pod.nodeName);
  }

  return {
    getPod,

    /** pods/proxy: `[scheme:]name[:port]` to the pod's IP. */
    async podProxy(namespace: string, id: string, proxyPath: string): Promise<Backend> {
      const snp = splitSchemeNamePort(id);
      if (!snp) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
      const pod = await getPod(namespace, snp.name);
      const port = snp.port || (pod.firstContainerPort ? String(pod.firstContainerPort) : '');
      if (!isProxyableIp(pod.ip, o.allowLoopback)) throw badRequest(ADDRESS_NOT_ALLOWED);
      const scheme = snp.scheme === 'https' ? 'https' : 'http';
      return {
        scheme,
        hostname: pod.ip,
        port: port ? dialPort(port) : defaultPort(scheme),
        path: backendPath(proxyPath),
        query: '',
        tls: 'insecure',
        rewrite: true,
      };
    },

    /**
     * services/proxy: the port by service port number (→ its name) or name, then a random
     * ready address of the Endpoints object serving that port name whose pod really has it.
     */
    async serviceProxy(namespace: string, id: string, proxyPath: string): Promise<Backend> {
      const snp = splitSchemeNamePort(id);
      if (!snp) throw badRequest(`invalid service request ${JSON.stringify(id)}`);
      const { name } = snp;
      let portName = snp.port;
      // A port number is a service port: the Service gives its name.
      if (/^[+-]?\d+$/.test(portName)) {
        const svc = await o.lookup.service(namespace, name);
        if (!svc) throw notFound(SERVICES, name);
        const wanted = Number(portName);
        const ports = ((svc.spec as { ports?: unknown } | undefined)?.ports ?? []) as {
          name?: string;
          port?: number;
        }[];
        const hit = ports.find((p) => p.port === wanted);
        if (!hit) throw serviceUnavailable(`no service port ${wanted} found for service "${name}"`);
        portName = hit.name ?? '';
      }
      // Only the Endpoints object counts from here: a Service is not looked at by port name,
      // and an EndpointSlice without an Endpoints (a selector-less service's own) is not read.
      const eps = await o.lookup.endpoints(namespace, name);
      if (!eps) throw notFound(ENDPOINTS, name);
      const subsets = endpointSubsets(eps);
      if (!subsets.length)
        throw serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`);
      const start = pick(subsets.length);
      for (let si = 0; si < subsets.length; si++) {
        const ss = subsets[(start + si) % subsets.length];
        if (!ss?.addresses.length) continue;
        for (const port of ss.ports) {
          if (port.name !== portName) continue;
          const first = pick(ss.addresses.length);
          for (let t = 0; t < ss.addresses.length; t++) {
            const addr = ss.addresses[(first + t) % ss.addresses.length];
            if (!addr || !(await isValidAddress(namespace, addr))) continue;
            return {
              scheme: snp.scheme === 'https' ? 'https' : 'http',
              hostname: addr.ip,
              port: port.port,
              path: backendPath(proxyPath),
              query: '',
              tls: 'insecure',
              rewrite: true,
            };
          }
        }
      }
      throw serviceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
    },

    /** nodes/proxy: the kubelet (its port, or none given), else another port on the node. */
    async nodeProxy(id: string, proxyPath: string): Promise<Backend> {
      const snp = splitSchemeNamePort(id);
      if (!snp) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
      if (!o.kubelet)
        throw serviceUnavailable('error trying to reach service: no kubelet client configured');
      const { host, port } = await o.kubelet.endpoint(snp.name);
      if (!isProxyableIp(host, o.allowLoopback)) throw badRequest(ADDRESS_NOT_ALLOWED);
      const toKubelet = snp.port === '' || snp.port === String(port);
      const scheme = toKubelet || snp.scheme === 'https' ? 'https' : 'http';
      return {
        scheme,
        hostname: host,
        port: toKubelet ? port : dialPort(snp.port),
        path: backendPath(proxyPath),
        query: '',
        tls: toKubelet ? 'kubelet' : 'insecure',
        rewrite: true,
      };
    },

    /**
     * pods/exec, pods/attach and pods/portforward on the pod's kubelet, with the query kube
     * builds (keys sorted, as url.Values.Encode writes them).
     */
    async podStream(
      kind: 'exec' | 'attach' | 'portforward',
      namespace: string,
      name: string,
      q: URLSearchParams,
    ): Promise<Backend> {
      const pod = await getPod(namespace, name);
      const params = new URLSearchParams();
      let path: string;
      if (kind === 'portforward') {
        const ports = q
          .getAll('ports')
          .flatMap((p) => p.split(','))
          .filter(Boolean);
        if (ports.length) params.append('port', ports.join(','));
        const node = await podNode(pod);
        path = `/portForward/${escapePath(pod.namespace)}/${escapePath(pod.name)}`;
        return kubeletBackend(node, path, params);
      }
      const container = chooseContainer(pod, q.get('container') ?? '');
      const node = await podNode(pod);
      if (boolParam(q, 'stdin')) params.append('input', '1');
      if (boolParam(q, 'stdout')) params.append('output', '1');
      if (boolParam(q, 'stderr')) params.append('error', '1');
      if (boolParam(q, 'tty')) params.append('tty', '1');
      if (kind === 'exec') for (const c of q.getAll('command')) params.append('command', c);
      path = `/${kind}/${escapePath(pod.namespace)}/${escapePath(pod.name)}/${escapePath(container)}`;
      return kubeletBackend(node, path, params);
    },

    podNode,
  };

  /**
   * kube's isValidAddress: the address has a target reference in this namespace, and the pod
   * of that name has the address among its IPs (an address with no reference never does).
   */
  async function isValidAddress(namespace: string, addr: EndpointAddress): Promise<boolean> {
    const ref = addr.targetRef;
    if (!ref || (ref.namespace ?? '') !== namespace) return false;
    const obj = await o.lookup.pod(namespace, ref.name ?? '');
    return obj !== undefined && podView(obj).ips.includes(addr.ip);
  }
}

export type Locator = ReturnType<typeof createLocator>;

function kubeletBackend(
  node: { host: string; port: number },
  path: string,
  params: URLSearchParams,
): Backend {
  params.sort();
  return {
    scheme: 'https',
    hostname: node.host,
    port: node.port,
    path,
    query: params.toString(),
    tls: 'kubelet',
    rewrite: false,
  };
}

interface EndpointAddress {
  ip: string;
  targetRef?: { name?: string; namespace?: string };
}

/** An Endpoints object's subsets: their ready addresses and their ports. */
function endpointSubsets(eps: KubeObject): {
  addresses: EndpointAddress[];
  ports: { name: string; port: number }[];
}[] {
  const subsets = ((eps as { subsets?: unknown }).subsets ?? []) as {
    addresses?: { ip?: string; targetRef?: { name?: string; namespace?: string } | null }[] | null;
    ports?: { name?: string | null; port?: number | null }[] | null;
  }[];
  return subsets.map((ss) => ({
    addresses: (ss.addresses ?? []).map((a) => ({
      ip: a.ip ?? '',
      ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    })),
    ports: (ss.ports ?? [])
      .filter((p) => typeof p.port === 'number')
      .map((p) => ({ name: p.name ?? '', port: p.port as number })),
  }));
}
