// The service proxy (kube-proxy's part of a node): Services and EndpointSlices in, a data
// path out, in one of the modes below.

import { hostCommands } from './host.js';
import { createNftablesMode } from './nftables/index.js';
import { createUserspaceMode } from './userspace/index.js';
import { withAnnouncedAddresses } from './lb-addresses.js';
import {
  startServiceProxy as start,
  type ModeFactory,
  type ProxyModeName,
  type ServiceProxy,
  type ServiceProxyOptions,
} from './proxy.js';
import type { HostCommandRunner } from './types.js';

export type { ServiceProxy, ProxyModeName, ModeFactory } from './proxy.js';
export type {
  ModeOptions,
  NodeInfo,
  ProxyMode,
  ProxyServicePort,
  HostCommandRunner,
} from './types.js';
export { NFT_TABLE } from './nftables/index.js';

/** The modes of this build. */
export const proxyModes: Partial<Record<ProxyModeName, ModeFactory>> = {
  nftables: (o) =>
    withAnnouncedAddresses(createNftablesMode(o), {
      nodeAddresses: o.node.addresses,
      logger: o.logger,
      run: (argv, input) => hostCommands(o.runner, o.netns).run(argv, input),
    }),
  userspace: (o) =>
    createUserspaceMode({
      node: o.node,
      logger: o.logger,
      ...(o.netns ? { netns: o.netns } : {}),
      // `ip` through the node's shared command runner, in the node's namespace.
      runCommand: (argv, input) => hostCommands(o.runner, o.netns).run(argv, input),
    }),
};

export const PROXY_MODES: readonly ProxyModeName[] = ['nftables', 'userspace'];

/** Why the nftables mode cannot run here (not root, no working `nft`), or undefined. */
export async function nftablesProblem(
  runner?: HostCommandRunner,
  netns?: string,
): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root';
  try {
    await hostCommands(runner, netns).run(['nft', 'list', 'tables']);
    return undefined;
  } catch (err) {
    return `nft does not work here (${(err as Error).message.split('\n')[0]})`;
  }
}

export type StartServiceProxyOptions = Omit<ServiceProxyOptions, 'modes' | 'nftablesProblem'> &
  Partial<Pick<ServiceProxyOptions, 'modes' | 'nftablesProblem'>>;

export function startServiceProxy(o: StartServiceProxyOptions): Promise<ServiceProxy> {
  return start({
    ...o,
    modes: o.modes ?? proxyModes,
    nftablesProblem: o.nftablesProblem ?? (() => nftablesProblem(o.runner, o.netns)),
  });
}
