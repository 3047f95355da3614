// Upgrade requests (SPDY, WebSocket) for pods/exec, attach, portforward and the proxy
// subresources, through the API server's request chain (../chain.ts): request info →
// authentication → impersonation → authorization → the target, located as kube does → the
// tunnel to the kubelet or the pod. Anything refused before that is an ordinary HTTP answer.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { methodNotSupported, notFoundGeneric } from '../../api/errors.js';
import { createAuthenticator } from '../auth/authn.js';
import { impersonate } from '../auth/impersonation.js';
import type { AuthorizationAttributes, Credentials, UserInfo } from '../auth/types.js';
import { credentialsOf, nothing, runChain, type Chain } from '../chain.js';
import { certificateError, type UpgradeHandler } from '../http-server.js';
import type { KubeletClient } from '../kubelet/index.js';
import { rawPathOf, requestInfo, type RequestInfo } from '../request-info.js';
import { writeHttpError } from './http.js';
import type { Backend, Locator } from './locations.js';
import { tunnel } from './tunnel.js';

const POD_UPGRADES = new Set(['exec', 'attach', 'portforward', 'proxy']);

/** The request info of an upgrade this layer answers, or undefined. */
export function upgradeInfo(method: string, url: string): RequestInfo | undefined {
  const info = requestInfo(method, new URL(url, 'https://localhost'), rawPathOf(url));
  if (!info.isResourceRequest || info.apiPrefix !== 'api' || info.version !== 'v1' || !info.name)
    return undefined;
  if (info.resource === 'pods' && info.namespace && POD_UPGRADES.has(info.subresource)) return info;
  if (info.resource === 'services' && info.namespace && info.subresource === 'proxy') return info;
  if (info.resource === 'nodes' && !info.namespace && info.subresource === 'proxy') return info;
  return undefined;
}

/** Whether this upgrade request is one the proxy layer answers. */
export function isProxyUpgrade(req: IncomingMessage): boolean {
  return upgradeInfo(req.method ?? 'GET', req.url ?? '/') !== undefined;
}

export interface UpgradeOptions {
  locator: Locator;
  kubelet: KubeletClient | undefined;
  authorize(attributes: AuthorizationAttributes): void | Promise<void>;
  authenticate?(credentials: Credentials): UserInfo;
}

class UpgradeRequest {
  info!: RequestInfo;
  requester!: UserInfo;
  user!: UserInfo;
  backend!: Backend;
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  /** The identity in the connection's verified client certificate. */
  readonly certUser: UserInfo | undefined;
  constructor(req: IncomingMessage, socket: Duplex, head: Buffer, certUser: UserInfo | undefined) {
    this.req = req;
    this.socket = socket;
    this.head = head;
    this.certUser = certUser;
  }
}

/** Where an upgrade goes: the pod's kubelet for the streams, else the proxy target. */
export function locateUpgrade(locator: Locator, info: RequestInfo, q: URLSearchParams) {
  const { namespace, name, subresource, resource } = info;
  if (resource === 'services') return locator.serviceProxy(namespace, name, info.proxyPath);
  if (resource === 'nodes') return locator.nodeProxy(name, info.proxyPath);
  if (subresource === 'proxy') return locator.podProxy(namespace, name, info.proxyPath);
  return locator.podStream(subresource as 'exec' | 'attach' | 'portforward', namespace, name, q);
}

export function createUpgradeHandler(o: UpgradeOptions): UpgradeHandler {
  const authenticate = o.authenticate ?? createAuthenticator([]).authenticate;
  const chain: Chain<UpgradeRequest> = {
    requestInfo(s) {
      const method = s.req.method ?? 'GET';
      const info = upgradeInfo(method, s.req.url ?? '/');
      if (!info) throw notFoundGeneric();
      if (info.subresource !== 'proxy' && method !== 'GET' && method !== 'POST')
        throw methodNotSupported({ group: '', resource: `pods/${info.subresource}` }, info.verb);
      s.info = info;
    },
    authentication(s) {
      const certError = s.certUser ? undefined : certificateError(s.socket as TLSSocket);
      s.requester = authenticate(credentialsOf(s.req.headers.authorization, s.certUser, certError));
    },
    async impersonation(s) {
      const checks: AuthorizationAttributes[] = [];
      s.user = impersonate(s.req.headers, s.requester, (a) => void checks.push(a));
      for (const a of checks) await o.authorize(a);
    },
    async authorization({ info, user }) {
      await o.authorize({
        user,
        verb: info.verb,
        isResourceRequest: true,
        path: info.path,
        namespace: info.namespace,
        group: '',
        resource: info.resource,
        subresource: info.subresource,
        name: info.name,
      });
    },
    async resolution(s) {
      const q = new URL(s.req.url ?? '/', 'https://localhost').searchParams;
      s.backend = await locateUpgrade(o.locator, s.info, q);
    },
    admission: nothing,
    handler({ req, socket, head, backend }) {
      const url = req.url ?? '/';
      const at = url.indexOf('?');
      tunnel(backend, req, socket, head, o.kubelet, at < 0 ? '' : url.slice(at + 1));
    },
  };
  return (req, socket, head, certUser) => {
    socket.on('error', () => {});
    const s = socket as Partial<TLSSocket>;
    s.setNoDelay?.(true);
    s.setTimeout?.(0);
    runChain(chain, new UpgradeRequest(req, socket, head, certUser)).catch((e: unknown) =>
      writeHttpError(socket, e),
    );
  };
}
