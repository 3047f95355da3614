// The `skiff` command.

import { parseArgs, UsageError, type ParsedArgs } from './args.js';
import { down, kubeconfig, status, up, USAGE, version, type Io } from './commands.js';

const BOOLEANS = new Set([
  'detach',
  'merge-kubeconfig',
  'detached-child',
  'disable-agent',
  'help',
  // The built-in load balancer.
  'disable-load-balancer',
  // Cluster DNS.
  'disable-dns',
  // The ingress controller.
  'disable-ingress',
  // The dashboard.
  'disable-dashboard',
  'open',
  // Service-account token secrets for every account (pre-1.24 behaviour).
  'legacy-service-account-token-secrets',
]);

/** The flags each command accepts; anything else is a usage error, never silently ignored. */
const FLAGS: Record<string, readonly string[]> = {
  up: [
    'data-dir',
    'detach',
    'api-port',
    'bind-address',
    'merge-kubeconfig',
    'token-auth-file',
    'detached-child',
    'node-name',
    'pod-cidr',
    'disable-agent',
    'kubelet-port',
    // The built-in load balancer.
    'disable-load-balancer',
    'lb-pool',
    'proxy-mode',
    // Cluster DNS.
    'cluster-domain',
    'disable-dns',
    'resolv-conf',
    // The ingress controller.
    'disable-ingress',
    'ingress-http-port',
    'ingress-https-port',
    // The dashboard.
    'disable-dashboard',
    'dashboard-port',
    'legacy-service-account-token-secrets',
    'horizontal-pod-autoscaler-sync-period',
  ],
  agent: [
    'kubeconfig',
    'proxy-kubeconfig',
    'dns-kubeconfig',
    'ingress-kubeconfig',
    'netpol-kubeconfig',
    'node-name',
    'pod-cidr',
    'data-dir',
    'kubelet-port',
    'address',
    'tls-cert-file',
    'tls-private-key-file',
    'client-ca-file',
    'node-ip',
    'proxy-mode',
    // Cluster DNS.
    'cluster-domain',
    'disable-dns',
    'resolv-conf',
    // The ingress controller.
    'disable-ingress',
    'ingress-http-port',
    'ingress-https-port',
  ],
  'node-credentials': ['node-name', 'address', 'data-dir', 'out', 'server'],
  down: ['data-dir'],
  status: ['data-dir'],
  kubeconfig: ['data-dir'],
  dashboard: ['data-dir', 'open'],
  version: [],
  // The local ingress CA in the machine's trust store.
  trust: ['data-dir'],
  untrust: ['data-dir'],
};

function checkUsage(args: ParsedArgs): void {
  const allowed = FLAGS[args.command];
  if (!allowed) return;
  for (const name of args.flags.keys())
    if (!allowed.includes(name)) throw new UsageError(`unknown flag: --${name}`);
  if (args.positionals.length)
    throw new UsageError(
      `unexpected argument "${args.positionals[0]}" for "skiff ${args.command}"`,
    );
}

export async function main(
  argv: string[],
  io: Io = {
    out: (s) => process.stdout.write(s + '\n'),
    err: (s) => process.stderr.write(s + '\n'),
  },
): Promise<number> {
  if (argv[0] === 'url') {
    const { urlCommand } = await import('./url.js');
    return urlCommand(argv.slice(1), io);
  }
  if (argv[0] === 'images') {
    const { imagesCommand } = await import('./images.js');
    return imagesCommand(argv.slice(1), io);
  }
  try {
    const args = parseArgs(argv, BOOLEANS);
    if (args.flags.has('help') || args.command === 'help') {
      io.out(USAGE);
      return 0;
    }
    checkUsage(args);
    switch (args.command) {
      case 'up':
        return await up(args, io);
      case 'down':
        return await down(args, io);
      case 'status':
        return await status(args, io);
      case 'kubeconfig':
        return await kubeconfig(args, io);
      case 'version':
        return await version(args, io);
      case 'dashboard': {
        const { dashboardCommand } = await import('./dashboard-command.js');
        return await dashboardCommand(args, io);
      }
      case 'agent': {
        const { agentCommand } = await import('./agent.js');
        return await agentCommand(args, io);
      }
      case 'trust':
      case 'untrust': {
        const { trust, untrust } = await import('./trust.js');
        return args.command === 'trust' ? trust(args, io) : untrust(args, io);
      }
      case 'node-credentials': {
        const { nodeCredentials } = await import('./node-credentials.js');
        return await nodeCredentials(args, io);
      }
      default:
        throw new UsageError(
          args.command ? `unknown command "${args.command}"` : 'no command given',
        );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
