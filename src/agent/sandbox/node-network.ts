// The node's side of the pod network, all in the node's network namespace: the bridge
// holding the gateway address, IP forwarding, and the nftables chain that masquerades
// traffic from this node's pods leaving the cluster network. Every step converges, so a
// set-up after a crash or a restart is just another set-up.

import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CommandRunner } from '../runner/index.js';
import { run, runIgnoring } from './exec.js';

export interface NodeNetworkConfig {
  runner: CommandRunner;
  /** Namespace to work in (a path); the agent's own when absent. */
  netns: string | undefined;
  bridge: string;
  /** Gateway address with the pod CIDR's prefix length, e.g. "10.244.0.1/24". */
  gatewayCidr: string;
  podCIDR: string;
  clusterCIDR: string;
  mtu: number;
  nftTable: string;
  /** Where the sysctl values found before set-up are kept, to restore on teardown. */
  stateDir: string;
}

export const MASQUERADE_CHAIN = 'pod-masquerade';
const NOT_FOUND = /does not exist|cannot find device|no such file or directory/i;

// Sysctls set for the pod network, with the value we need. bridge-nf-call-iptables makes
// bridged pod-to-pod traffic pass conntrack, so replies from a service's endpoint on the
// same bridge are un-NATed (the kernel only has it when br_netfilter is loaded).
const SYSCTLS: Record<string, string> = {
  'net/ipv4/ip_forward': '1',
  'net/bridge/bridge-nf-call-iptables': '1',
};

interface LinkJson {
  ifname: string;
  address?: string;
  mtu?: number;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

async function showLink(
  runner: CommandRunner,
  netns: string | undefined,
  name: string,
): Promise<LinkJson | undefined> {
  try {
    const out = JSON.parse(
      await run(runner, ['ip', '-j', 'addr', 'show', 'dev', name], { netns }),
    ) as LinkJson[] | undefined;
    return out?.[0];
  } catch (err) {
    if (err instanceof Error && NOT_FOUND.test(err.message)) return undefined;
    throw err;
  }
}

/** A random unicast, locally administered MAC address. */
function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

async function ensureBridge(c: NodeNetworkConfig): Promise<void> {
  const link = await showLink(c.runner, c.netns, c.bridge);
  const lines: string[] = [];
  // The bridge's MAC address is set, not left to the kernel: a bridge whose address was never
  // set takes the lowest of its ports' addresses, so a new pod's veth could change the
  // gateway's MAC under the other pods, whose ARP caches still name the old one: their
  // frames to it are then dropped as meant for another host until those entries expire.
  // Setting it again to its own value pins an existing bridge (a restart) the same way.
  if (!link)
    lines.push(`link add name ${c.bridge} mtu ${c.mtu} address ${randomMac()} type bridge`);
  else if (link.address) lines.push(`link set dev ${c.bridge} address ${link.address}`);
  // A changed pod CIDR leaves an old gateway address behind: drop it.
  for (const a of link?.addr_info ?? [])
    if (a.family === 'inet' && `${a.local}/${a.prefixlen}` !== c.gatewayCidr)
      lines.push(`addr del ${a.local}/${a.prefixlen} dev ${c.bridge}`);
  lines.push(`addr replace ${c.gatewayCidr} dev ${c.bridge}`);
  lines.push(`link set dev ${c.bridge} up`);
  await run(c.runner, ['ip', '-batch', '-'], { netns: c.netns, input: lines.join('\n') + '\n' });
}

// One shell in the namespace reads and writes the sysctls: /proc/sys/net shows the
// namespace of the process that opens it. Prints "key=old" for each key that exists.
async function setSysctls(
  runner: CommandRunner,
  netns: string | undefined,
  want: Record<string, string>,
) {
  const script = Object.entries(want)
    .map(
      ([k, v]) =>
        `if [ -e /proc/sys/${k} ]; then echo "${k}=$(cat /proc/sys/${k})"; echo ${v} > /proc/sys/${k}; fi`,
    )
    .join('\n');
  const out = await run(runner, ['sh', '-c', script], { netns });
  const before: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) before[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return before;
}

async function ensureMasquerade(c: NodeNetworkConfig): Promise<void> {
  // Only our chain is flushed: other chains in the table are left alone.
  const t = `ip ${c.nftTable}`;
  const script = [
    `add table ${t}`,
    `add chain ${t} ${MASQUERADE_CHAIN} { type nat hook postrouting priority 100; policy accept; }`,
    `flush chain ${t} ${MASQUERADE_CHAIN}`,
    `add rule ${t} ${MASQUERADE_CHAIN} ip saddr ${c.podCIDR} ip daddr != ${c.clusterCIDR}` +
      ` ip daddr != 224.0.0.0/4 masquerade comment "pods leaving the cluster network"`,
  ];
  await run(c.runner, ['nft', '-f', '-'], { netns: c.netns, input: script.join('\n') + '\n' });
}

const stateFile = (c: NodeNetworkConfig) => join(c.stateDir, 'node-sysctl.json');

export interface NodeNetworkReport {
  /**
   * br_netfilter is loaded, so bridged traffic passes conntrack. Without it a service's
   * replies between two pods on this node are not un-NATed (`modprobe br_netfilter`).
   */
  bridgeNetfilter: boolean;
}

export async function setupNodeNetwork(c: NodeNetworkConfig): Promise<NodeNetworkReport> {
  await ensureBridge(c);
  const before = await setSysctls(c.runner, c.netns, SYSCTLS);
  // Keep the values found by the first set-up only: later ones would find our own.
  await mkdir(c.stateDir, { recursive: true });
  const saved = await readFile(stateFile(c), 'utf8').catch(() => undefined);
  if (saved === undefined) {
    await writeFile(stateFile(c) + '.tmp', JSON.stringify(before));
    await rename(stateFile(c) + '.tmp', stateFile(c));
  }
  await ensureMasquerade(c);
  return { bridgeNetfilter: 'net/bridge/bridge-nf-call-iptables' in before };
}

export async function teardownNodeNetwork(c: NodeNetworkConfig): Promise<void> {
  await runIgnoring(c.runner, ['ip', 'link', 'del', 'dev', c.bridge], NOT_FOUND, {
    netns: c.netns,
  });
  await runIgnoring(
    c.runner,
    ['nft', 'delete', 'chain', 'ip', c.nftTable, MASQUERADE_CHAIN],
    /no such file or directory/i,
    { netns: c.netns },
  );
  // The table goes when nothing else lives in it.
  try {
    const listed = JSON.parse(
      await run(c.runner, ['nft', '-j', 'list', 'table', 'ip', c.nftTable], { netns: c.netns }),
    ) as { nftables?: Record<string, unknown>[] };
    if (!(listed.nftables ?? []).some((e) => 'chain' in e || 'set' in e || 'map' in e))
      await run(c.runner, ['nft', 'delete', 'table', 'ip', c.nftTable], { netns: c.netns });
  } catch (err) {
    if (!(err instanceof Error && /no such file or directory/i.test(err.message))) throw err;
  }
  const saved = await readFile(stateFile(c), 'utf8').catch(() => undefined);
  if (saved !== undefined) {
    const before = JSON.parse(saved) as Record<string, string>;
    const restore = Object.fromEntries(
      Object.entries(before).filter(([k, v]) => SYSCTLS[k] !== undefined && SYSCTLS[k] !== v),
    );
    if (Object.keys(restore).length) await setSysctls(c.runner, c.netns, restore);
    await unlink(stateFile(c));
  }
}
