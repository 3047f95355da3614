// The API server's way through to nodes and pods: pods/exec, attach, portforward and log
// forwarded to the pod's kubelet after kube-apiserver's own checks, and the proxy
// subresources of pods, services and nodes (an upgrade-aware reverse proxy with kube's link
// rewriting).

import { badRequest, methodNotSupported } from '../../api/errors.js';
import type { AuthorizationAttributes, Credentials, UserInfo } from '../auth/types.js';
import type { SubresourceHandler } from '../handler.js';
import type { ResourceRequest } from '../handlers/context.js';
import type { UpgradeHandler } from '../http-server.js';
import type { KubeletClient } from '../kubelet/index.js';
import { forwardPlain } from './forward.js';
import { createLocator, type ObjectLookup } from './locations.js';
import { createLogHandler } from './logs.js';
import { createUpgradeHandler } from './upgrade.js';

export { isProxyUpgrade } from './upgrade.js';
export type { Backend, ObjectLookup } from './locations.js';

export interface ProxyServerOptions {
  lookup: ObjectLookup;
  /** Without it no node is reachable: pods behave as unscheduled ones, nodes/proxy fails. */
  kubelet?: KubeletClient | undefined;
  /** Authorization for upgrade requests (plain ones are authorized by the request chain). */
  authorize(attributes: AuthorizationAttributes): void | Promise<void>;
  /** Bearer tokens on upgrade requests (the API server's authenticator). */
  authenticate?(credentials: Credentials): UserInfo;
  /**
   * Let pods/proxy and nodes/proxy reach loopback addresses, which kube refuses ("address not
   * allowed"); for tests on one host. Default: SKIFF_PROXY_ALLOW_LOOPBACK=1.
   */
  allowLoopback?: boolean;
  random?: () => number;
}

export interface ProxyServer {
  /** For the TLS front's `onUpgrade`: the streams and proxy subresources over upgrades. */
  onUpgrade: UpgradeHandler;
  /** For the request chain: pods/log, the proxy subresources, and streams without upgrade. */
  subresources: Map<string, SubresourceHandler>;
}

/** The raw request path up to and including its `proxy` segment. */
function proxyPrefix(r: ResourceRequest): string {
  const raw = r.ctx.req.path ?? r.ctx.req.url.pathname;
  return raw
    .split('/')
    .slice(0, r.info.namespace ? 8 : 6)
    .join('/');
}

export function createProxyServer(o: ProxyServerOptions): ProxyServer {
  const locator = createLocator({
    lookup: o.lookup,
    kubelet: o.kubelet,
    allowLoopback: o.allowLoopback ?? process.env['SKIFF_PROXY_ALLOW_LOOPBACK'] === '1',
    ...(o.random ? { random: o.random } : {}),
  });

  const proxy: SubresourceHandler = async (r) => {
    const { info } = r;
    const backend =
      info.resource === 'services'
        ? await locator.serviceProxy(info.namespace, info.name, info.proxyPath)
        : info.resource === 'nodes'
          ? await locator.nodeProxy(info.name, info.proxyPath)
          : await locator.podProxy(info.namespace, info.name, info.proxyPath);
    const req = r.ctx.req;
    return forwardPlain(
      backend,
      {
        method: req.method,
        headers: req.headers,
        body: req.body,
        bodyStream: req.bodyStream,
        signal: req.signal,
        rawPath: req.path ?? req.url.pathname,
        rawQuery: req.url.search.slice(1),
        prefix: proxyPrefix(r),
        remoteAddress: req.remoteAddress,
      },
      o.kubelet,
    );
  };

  // exec, attach and portforward are upgrades; without one kube checks the pod, then refuses.
  const upgradeRequired =
    (kind: 'exec' | 'attach' | 'portforward'): SubresourceHandler =>
    async (r) => {
      if (r.info.verb !== 'get' && r.info.verb !== 'create')
        throw methodNotSupported({ group: '', resource: `pods/${kind}` }, r.info.verb);
      await locator.podStream(kind, r.info.namespace, r.info.name, r.query);
      throw badRequest('Upgrade request required');
    };

  return {
    onUpgrade: createUpgradeHandler({
      locator,
      kubelet: o.kubelet,
      authorize: o.authorize,
      ...(o.authenticate ? { authenticate: o.authenticate } : {}),
    }),
    subresources: new Map<string, SubresourceHandler>([
      ['pods/log', createLogHandler({ locator, kubelet: o.kubelet })],
      ['pods/exec', upgradeRequired('exec')],
      ['pods/attach', upgradeRequired('attach')],
      ['pods/portforward', upgradeRequired('portforward')],
      ['pods/proxy', proxy],
      ['services/proxy', proxy],
      ['nodes/proxy', proxy],
    ]),
  };
}
