// skiff url svc/NAME [-n NS]: the URLs a person on this machine can open for a service.

import { isNotFound, resources } from '../client/index.js';
import { parseArgs, stringFlag, UsageError } from './args.js';
import type { Io } from './commands.js';
import { openLocalCluster, saidNotRunning } from './local-cluster.js';
import { serviceUrls, type UrlService, type UrlSlice } from './service-urls.js';

export const URL_USAGE = `Print the URLs of a service that can be opened from this machine.

Usage:
  skiff url svc/NAME [-n NAMESPACE] [--data-dir DIR]

One URL a line: the cluster IP and each TCP port, each NodePort on 127.0.0.1, each
load-balancer address; https:// for a port named https or numbered 443, else http://.
Exits 1, saying why, when there is none (no ready pod behind the service, ExternalName,
headless, not found).`;

const FLAGS = new Set(['namespace', 'data-dir', 'help']);

/** `svc/NAME`, `service/NAME`, `services/NAME` or `NAME`. */
function serviceName(arg: string): string {
  const m = /^(?:(svc|service|services)\/)?([^/]+)$/.exec(arg);
  if (!m?.[2]) throw new UsageError(`"${arg}" is not a service (svc/NAME)`);
  return m[2];
}

export async function urlCommand(argv: string[], io: Io): Promise<number> {
  // kubectl's short -n, as the rest of the parser knows only long flags.
  const normalized = argv.flatMap((a) =>
    a === '-n'
      ? ['--namespace']
      : a.startsWith('-n') && a.length > 2
        ? ['--namespace', a.slice(2)]
        : [a],
  );
  let name: string;
  let namespace: string | undefined;
  let dataDir: string | undefined;
  try {
    const args = parseArgs(['url', ...normalized], new Set(['help']));
    if (args.flags.has('help')) {
      io.out(URL_USAGE);
      return 0;
    }
    for (const f of args.flags.keys())
      if (!FLAGS.has(f)) throw new UsageError(`unknown flag: --${f}`);
    if (args.positionals.length !== 1)
      throw new UsageError(
        args.positionals.length
          ? `expected one service, got ${args.positionals.length}`
          : 'no service given (svc/NAME)',
      );
    name = serviceName(args.positionals[0] ?? '');
    namespace = stringFlag(args, 'namespace');
    dataDir = stringFlag(args, 'data-dir');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`error: ${e.message}\n\n${URL_USAGE}`);
    return 2;
  }
  const cluster = openLocalCluster(dataDir, 'skiff-url', io);
  if (!cluster) return 1;
  const { client } = cluster;
  const ns = namespace ?? cluster.namespace ?? 'default';
  try {
    const svc = await client.get<UrlService>(resources.services, ns, name);
    const slices = await client.list<UrlSlice>(resources.endpointSlices, ns, {
      labelSelector: `kubernetes.io/service-name=${name}`,
    });
    const r = serviceUrls(svc, slices.items);
    if ('why' in r) {
      io.err(`error: ${r.why}`);
      return 1;
    }
    for (const u of r.urls) io.out(u);
    return 0;
  } catch (e) {
    if (isNotFound(e)) {
      io.err(`error: service "${name}" not found in namespace "${ns}"`);
      return 1;
    }
    if (saidNotRunning(cluster, e, io)) return 1;
    io.err(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    cluster.close();
  }
}
