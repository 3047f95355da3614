// skiff url svc/NAME [-n NS]: the URLs a person on this machine can open for a service.

import { existsSync } from 'node:fs';
import {
  clientOptionsFromKubeconfig,
  createClient,
  createHttpsTransport,
  isNotFound,
  loadKubeconfig,
  resources,
} from '../client/index.js';
import { parseArgs, stringFlag, UsageError } from './args.js';
import type { Io } from './commands.js';
import { dataPaths } from './paths.js';
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
  const paths = dataPaths(dataDir);
  if (!existsSync(paths.kubeconfig)) {
    io.err(`error: no cluster in ${paths.dir}; start one with: skiff up --data-dir ${paths.dir}`);
    return 1;
  }
  const options = clientOptionsFromKubeconfig(loadKubeconfig(paths.kubeconfig));
  const ns = namespace ?? options.namespace ?? 'default';
  const transport = createHttpsTransport({
    server: options.server,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
    ...(options.token ? { token: options.token } : {}),
    userAgent: 'skiff-url',
  });
  const client = createClient(transport);
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
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') {
      io.err(
        `error: the cluster of ${paths.dir} is not running (${options.server} refused); start it with: skiff up --data-dir ${paths.dir}`,
      );
      return 1;
    }
    io.err(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    transport.close();
  }
}
