// The node's ingress controller: Ingresses routed by nginx, configured from the API.
import { join } from 'node:path';
import type { Client } from '../../client/index.js';
import type { Logger } from '../../log/index.js';
import { startIngressController, type IngressController } from './controller.js';
import { nginxProblem, startNginx } from './nginx.js';
import { ensureIngressCa, localIssuer } from './tls.js';

export { INGRESS_CONTROLLER_NAME, isOurs, type IngressController } from './controller.js';
export { buildRoutes, type RouteSources } from './routes.js';
export { renderNginxConfig } from './nginx-config.js';
export { ensureIngressCa, INGRESS_CA_CERT, INGRESS_CA_NAME } from './tls.js';
export { nginxProblem } from './nginx.js';
export type { RoutingTable, VirtualHost, Route, Target } from './types.js';

/** Set (to anything) in the node's environment: no Lua module, every change reloads nginx. */
export const NO_LUA_ENV = 'SKIFF_INGRESS_NO_LUA';

export const DEFAULT_INGRESS_HTTP_PORT = 80;
export const DEFAULT_INGRESS_HTTPS_PORT = 443;

export interface NodeIngressOptions {
  client: Client;
  signal: AbortSignal;
  logger: Logger;
  nodeName: string;
  nodeIP: string;
  /** The node's data dir: the controller keeps `ingress/` and the CA in `pki/` there. */
  dataDir: string;
  httpPort?: number;
  httpsPort?: number;
}

/** Starts nginx and the controller; resolves once the first configuration is live. */
export async function startNodeIngress(o: NodeIngressOptions): Promise<IngressController> {
  const problem = nginxProblem();
  if (problem) throw new Error(problem);
  const issuer = localIssuer(ensureIngressCa(join(o.dataDir, 'pki')));
  // The reload-only data plane on purpose (to compare, or to rule Lua out): an environment
  // variable rather than a flag, as it is not meant for everyday use.
  const noLua = !!process.env[NO_LUA_ENV];
  if (noLua) o.logger.child('ingress').info(`${NO_LUA_ENV} is set: every change reloads nginx`);
  const dataPlane = await startNginx({
    dir: join(o.dataDir, 'ingress'),
    httpPort: o.httpPort ?? DEFAULT_INGRESS_HTTP_PORT,
    httpsPort: o.httpsPort ?? DEFAULT_INGRESS_HTTPS_PORT,
    logger: o.logger.child('ingress'),
    ...(noLua ? { lua: false } : {}),
  });
  const controller = startIngressController({ ...o, dataPlane, issuer });
  try {
    await controller.ready();
  } catch (e) {
    await controller.close();
    throw e;
  }
  return controller;
}
