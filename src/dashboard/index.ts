// The dashboard's server: the built web app over HTTPS, and `/k8s/…` passed to the API
// server on the user's own token (server/api-proxy.ts). Optionally it keeps this node's
// address in the `kubernetes-dashboard` Service's endpoints (server/service.ts).

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, ServiceEndpoints } from '../client/index.js';
import type { Logger } from '../log/index.js';
import { API_PREFIX, createApiProxy } from './server/api-proxy.js';
import { dashboardEndpoints } from './server/service.js';
import { ensureMirrorPod } from './server/mirror-pod.js';
import { loadAssets, serveAsset, setSecurityHeaders } from './server/static.js';

export {
  DASHBOARD_NAMESPACE,
  DASHBOARD_ROLE,
  DASHBOARD_SERVICE,
  LOCAL_ADMIN,
  ensureDashboardService,
  ensureLocalAdmin,
} from './server/service.js';
export { issueDashboardCertificate } from './server/certificate.js';

/** The dashboard's port unless told otherwise (the dashboard project's container port). */
export const DEFAULT_DASHBOARD_PORT = 8443;
/** How often the node puts its address back into the Service's endpoints. */
const ENDPOINTS_RESYNC_MS = 10_000;

export interface DashboardOptions {
  port: number;
  /** The addresses to listen on (default every address). */
  hosts?: string[];
  tls: { certPem: string; keyPem: string };
  /** The API server (https URL) and the CA that signed its certificate. */
  apiServer: { url: string; caPem: string };
  logger: Logger;
  /** The built web app (default dist/dashboard of this checkout). */
  webRoot?: string;
}

export interface Dashboard {
  port: number;
  /**
   * Keeps `address` (and the port served) in the Service's endpoints, on the dashboard's own
   * client, until close; the namespace must exist (ensureDashboardService).
   */
  publish(o: {
    client: Client;
    address: string;
    nodeName?: string | undefined;
    nodeUid?: string | undefined;
  }): Promise<void>;
  close(): Promise<void>;
}

/** dist/dashboard, from src/dashboard (tests run sources) or dist/src/dashboard (built). */
export function defaultWebRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, '..', '..', 'dashboard');
  return existsSync(join(built, 'index.html'))
    ? built
    : join(here, '..', '..', 'dist', 'dashboard');
}

/** The path of a page or asset, or undefined for one that tries to leave the root. */
function assetPath(rawPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  if (decoded.split('/').some((seg) => seg === '..' || seg === '.')) return undefined;
  return decoded;
}

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const log = o.logger;
  const root = o.webRoot ?? defaultWebRoot();
  const assets = existsSync(join(root, 'index.html')) ? loadAssets(root) : new Map();
  if (!assets.size) log.warn('the dashboard web app is not built (npm run setup)', { root });
  const api = createApiProxy({ url: new URL(o.apiServer.url), caPem: o.apiServer.caPem }, log);

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (
      url === API_PREFIX ||
      url.startsWith(`${API_PREFIX}/`) ||
      url.startsWith(`${API_PREFIX}?`)
    ) {
      api.handle(req, res, url.slice(API_PREFIX.length) || '/');
      return;
    }
    const q = url.indexOf('?');
    const path = assetPath(q < 0 ? url : url.slice(0, q));
    if (!path?.startsWith('/')) {
      setSecurityHeaders(res);
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    serveAsset(assets, path, req, res);
  };

  // Upgraded connections leave the servers' books: closed by hand.
  const tunnels = new Set<Duplex>();
  const newServer = (): Server => {
    const server = createServer({ cert: o.tls.certPem, key: o.tls.keyPem }, onRequest);
    // Watches stay open as long as the page does.
    server.requestTimeout = 0;
    server.headersTimeout = 30_000;
    server.keepAliveTimeout = 30_000;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      tunnels.add(socket);
      socket.on('close', () => tunnels.delete(socket));
      const url = req.url ?? '/';
      if (url.startsWith(`${API_PREFIX}/`)) {
        api.upgrade(req, socket, head, url.slice(API_PREFIX.length));
        return;
      }
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      // Headers past Node's limit (16 KiB) are 431, as Go's server answers them.
      socket.end(
        err.code === 'HPE_HEADER_OVERFLOW'
          ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n'
          : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n',
      );
    });
    return server;
  };
  const listen = (server: Server, port: number, host: string): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  // One server an address, all on the port the first one got.
  const servers: Server[] = [];
  const close = async (): Promise<void> => {
    for (const socket of tunnels) socket.destroy();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  };
  let port = o.port;
  try {
    for (const host of [...new Set(o.hosts ?? ['::'])]) {
      const server = newServer();
      servers.push(server);
      port = await listen(server, port, host);
    }
  } catch (e) {
    await close();
    api.close();
    throw e;
  }
  log.debug('dashboard serving', { port, hosts: o.hosts });

  let resync: NodeJS.Timeout | undefined;
  let registration: ServiceEndpoints | undefined;

  return {
    port,
    async publish(p) {
      const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const sync = async (): Promise<void> => {
        // On a node, a mirror pod carries the address (the service proxy wants a pod).
        const pod = p.nodeName
          ? await ensureMirrorPod(
              p.client,
              { nodeName: p.nodeName, nodeUid: p.nodeUid, address: p.address, port },
              startedAt,
            )
          : undefined;
        registration = dashboardEndpoints(p.client, p.address, port, p.nodeName, pod);
        await registration.add();
      };
      const syncLogged = (): Promise<void> =>
        sync().catch((e: unknown) =>
          log.warn('dashboard endpoints not updated', { error: String(e) }),
        );
      await syncLogged();
      // Put back if someone removes them, as kube-apiserver does for `kubernetes`.
      resync = setInterval(() => void syncLogged(), ENDPOINTS_RESYNC_MS);
      resync.unref();
    },
    async close() {
      if (resync) clearInterval(resync);
      await registration?.withdraw().catch(() => undefined);
      api.close();
      await close();
    },
  };
}
