// The service proxy (kube-proxy's part of a node): Services and EndpointSlices in, a data
// path out, in one of the modes below.

import { hostCommands, HostCommandError, type HostCommands } from './host.js';
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
export { createSyncRunner, type SyncRunner } from './sync-runner.js';

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

/** The scratch table of the probe below (never the rules' own). */
export const NFT_PROBE_TABLE = 'skiff-proxy-probe';

/**
 * A transaction with what the rules need (base chains on the filter and nat hooks, `fib`,
 * `numgen`, `reject`, verdict maps of concatenations, a dynamic set with a timeout,
 * `dnat`, `masquerade fully-random`), matching only a documentation address. `nft list
 * tables` works on kernels and builds that lack some of these; this does not.
 */
export function nftProbeScript(): string {
  const t = `ip ${NFT_PROBE_TABLE}`;
  const vip = '192.0.2.1';
  return [
    // A table left by a probe that was killed goes first.
    `add table ${t}`,
    `delete table ${t}`,
    `add table ${t}`,
    `add set ${t} affinity { type ipv4_addr; flags dynamic,timeout; timeout 10800s; }`,
    `add chain ${t} filter-input { type filter hook input priority -110; policy accept; }`,
    `add chain ${t} nat-prerouting { type nat hook prerouting priority -100; policy accept; }`,
    `add chain ${t} nat-postrouting { type nat hook postrouting priority 100; policy accept; }`,
    `add chain ${t} reject-chain`,
    `add chain ${t} endpoint`,
    `add map ${t} services { type ipv4_addr . inet_proto . inet_service : verdict; }`,
    `add rule ${t} reject-chain reject`,
    `add rule ${t} filter-input ip daddr ${vip} ct state new fib daddr type local meta l4proto . th dport vmap { tcp . 9 : goto reject-chain }`,
    `add rule ${t} nat-prerouting ip daddr . meta l4proto . th dport vmap @services`,
    `add rule ${t} nat-prerouting ip daddr ${vip} ip saddr @affinity goto endpoint`,
    `add rule ${t} nat-prerouting ip daddr ${vip} meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 192.0.2.2 . 80, 1 : 192.0.2.3 . 80 }`,
    `add rule ${t} endpoint update @affinity { ip saddr }`,
    `add rule ${t} endpoint meta l4proto tcp dnat to 192.0.2.2:80`,
    `add rule ${t} nat-postrouting ip daddr ${vip} masquerade fully-random`,
    `add element ${t} services { ${vip} . tcp . 9 : goto endpoint }`,
    '',
  ].join('\n');
}

/**
 * Whether nftables can hold the service rules, by applying nftProbeScript() in one
 * transaction and deleting it again: undefined when it can, else nft's own words.
 */
export async function probeNftables(host: HostCommands): Promise<string | undefined> {
  try {
    await host.run(['nft', '-f', '-'], nftProbeScript());
  } catch (err) {
    const text =
      err instanceof HostCommandError ? err.stderr.trim() || err.message : (err as Error).message;
    const first = text.split('\n').find((l) => /error/i.test(l)) ?? text.split('\n')[0];
    return `nftables cannot hold the service rules here: nft says "${first?.trim()}"`;
  }
  try {
    await host.run(['nft', 'delete', 'table', 'ip', NFT_PROBE_TABLE]);
  } catch {
    // The next probe deletes it; it holds nothing that matches real traffic.
  }
  return undefined;
}

/** Why the nftables mode cannot run here (not root, an `nft` that cannot apply the rules). */
export async function nftablesProblem(
  runner?: HostCommandRunner,
  netns?: string,
): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not running as root';
  return probeNftables(hostCommands(runner, netns));
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
