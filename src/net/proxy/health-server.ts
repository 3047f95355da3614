// The health check node ports of `externalTrafficPolicy: Local` LoadBalancer services, as
// kube-proxy serves them: an HTTP server per healthCheckNodePort on every address, answering
// any path with 200 while this node has a ready endpoint of the service and the proxy is
// healthy (its changes applied in time), 503 otherwise, with kube-proxy's JSON body, so an
// external load balancer only sends to nodes that serve.

import { createServer, type Server } from 'node:http';
import type { Logger } from '../../log/index.js';
import type { ProxyServicePort } from './types.js';

interface HealthCheck {
  namespace: string;
  name: string;
  localEndpoints: number;
  server: Server;
}

export interface HealthServer {
  /** Opens, updates and closes the servers to match the service ports given. */
  sync(ports: Iterable<ProxyServicePort>): void;
  close(): Promise<void>;
}

/** kube-proxy's body, tab-indented as its dedented template leaves it. */
export function healthBody(
  namespace: string,
  name: string,
  localEndpoints: number,
  proxyHealthy = true,
): string {
  return [
    '{',
    '\t"service": {',
    `\t\t"namespace": ${JSON.stringify(namespace)},`,
    `\t\t"name": ${JSON.stringify(name)}`,
    '\t},',
    `\t"localEndpoints": ${localEndpoints},`,
    `\t"serviceProxyHealthy": ${proxyHealthy}`,
    '}',
  ].join('\n');
}

/**
 * `proxyHealthy` is the proxy's own health (kube-proxy's healthz): while it is false every
 * health check answers 503, so load balancers stop sending to a node whose rules are stale.
 */
export function createHealthServer(
  logger: Logger,
  host = '0.0.0.0',
  proxyHealthy: () => boolean = () => true,
): HealthServer {
  const byPort = new Map<number, HealthCheck>();

  const open = (port: number, hc: Omit<HealthCheck, 'server'>): HealthCheck => {
    const entry: HealthCheck = {
      ...hc,
      server: createServer((req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        const ok = proxyHealthy();
        res.statusCode = entry.localEndpoints > 0 && ok ? 200 : 503;
        res.end(healthBody(entry.namespace, entry.name, entry.localEndpoints, ok));
        req.resume();
      }),
    };
    entry.server.on('error', (err) =>
      logger.error('health check node port not served', {
        port,
        service: `${hc.namespace}/${hc.name}`,
        err,
      }),
    );
    entry.server.listen(port, host);
    return entry;
  };

  return {
    sync(ports) {
      const want = new Map<number, Omit<HealthCheck, 'server'>>();
      for (const sp of ports) {
        if (sp.healthCheckNodePort === undefined) continue;
        const prior = want.get(sp.healthCheckNodePort);
        const local = sp.endpoints.filter((e) => e.local && e.ready).length;
        want.set(sp.healthCheckNodePort, {
          namespace: sp.namespace,
          name: sp.name,
          // A service's ports share one health check: count its local endpoints once.
          localEndpoints: Math.max(prior?.localEndpoints ?? 0, local),
        });
      }
      for (const [port, hc] of byPort)
        if (
          !want.has(port) ||
          want.get(port)?.name !== hc.name ||
          want.get(port)?.namespace !== hc.namespace
        ) {
          hc.server.close();
          byPort.delete(port);
        }
      for (const [port, hc] of want) {
        const cur = byPort.get(port);
        if (cur) cur.localEndpoints = hc.localEndpoints;
        else byPort.set(port, open(port, hc));
      }
    },
    async close() {
      await Promise.all(
        [...byPort.values()].map((hc) => new Promise<void>((res) => hc.server.close(() => res()))),
      );
      byPort.clear();
    },
  };
}
