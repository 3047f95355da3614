// skiff dashboard [--open]: the dashboard's direct URL, signed in as the local admin with a
// token of one hour (TokenRequest for the kube-system account `skiff up` binds to
// cluster-admin), handed to the page in its #token= fragment, which browsers never send.

import { spawnSync } from 'node:child_process';
import { isNotFound, resources } from '../client/index.js';
import type { KubeObject } from '../api/types.js';
import { stringFlag, type ParsedArgs } from './args.js';
import type { Io } from './commands.js';
import { openLocalCluster, saidNotRunning } from './local-cluster.js';

const NAMESPACE = 'kubernetes-dashboard';
const SERVICE = 'kubernetes-dashboard';
const LOCAL_ADMIN = { namespace: 'kube-system', name: 'skiff-dashboard-admin' };
export const TOKEN_SECONDS = 3600;

interface Slice {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
  ports?: { port?: number }[];
}

/**
 * Where this machine reaches the dashboard: a ready endpoint of its Service (the node's
 * address and the dashboard's port), else loopback and the Service's target port (a cluster
 * without a node), else undefined.
 */
export function dashboardBase(
  slices: Slice[],
  service: KubeObject | undefined,
): string | undefined {
  for (const s of slices) {
    const port = s.ports?.[0]?.port;
    const ep = (s.endpoints ?? []).find((e) => e.conditions?.ready !== false && e.addresses?.[0]);
    if (port && ep?.addresses?.[0]) return `https://${ep.addresses[0]}:${port}/`;
  }
  const target = (service?.['spec'] as { ports?: { targetPort?: unknown }[] } | undefined)
    ?.ports?.[0]?.targetPort;
  return typeof target === 'number' ? `https://127.0.0.1:${target}/` : undefined;
}

/** The URL with the token in the fragment (`#token=…`, as the page's session reads it). */
export const signedInUrl = (base: string, token: string): string =>
  `${base}#token=${encodeURIComponent(token)}`;

export async function dashboardCommand(args: ParsedArgs, io: Io): Promise<number> {
  const cluster = openLocalCluster(stringFlag(args, 'data-dir'), 'skiff-dashboard', io);
  if (!cluster) return 1;
  const { client, paths } = cluster;
  try {
    let service: KubeObject | undefined;
    try {
      service = await client.get(resources.services, NAMESPACE, SERVICE);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      io.err(
        `error: the cluster of ${paths.dir} runs no dashboard (started with --disable-dashboard?)`,
      );
      return 1;
    }
    const slices = await client.list<KubeObject & Slice>(resources.endpointSlices, NAMESPACE, {
      labelSelector: `kubernetes.io/service-name=${SERVICE}`,
    });
    const base = dashboardBase(slices.items, service);
    if (!base) {
      io.err('error: the dashboard has no address yet');
      return 1;
    }
    const review = await client.createSubresource(
      resources.serviceAccounts,
      LOCAL_ADMIN.namespace,
      LOCAL_ADMIN.name,
      'token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: {},
        spec: { expirationSeconds: TOKEN_SECONDS },
      } as KubeObject,
    );
    const token = (review['status'] as { token?: string } | undefined)?.token;
    if (!token) {
      io.err('error: the API server issued no token');
      return 1;
    }
    const url = signedInUrl(base, token);
    io.out(url);
    if (args.flags.has('open')) {
      if (spawnSync('sh', ['-c', 'command -v xdg-open'], { timeout: 5_000 }).status !== 0) {
        io.err('xdg-open is not installed: open the URL above in a browser');
        return 0;
      }
      const r = spawnSync('xdg-open', [url], { stdio: 'ignore', timeout: 30_000 });
      if (r.status !== 0) io.err('xdg-open could not open a browser: open the URL above');
    }
    return 0;
  } catch (e) {
    if (saidNotRunning(cluster, e, io)) return 1;
    io.err(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    cluster.close();
  }
}
