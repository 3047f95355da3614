// One pod's link to the node: a veth pair with `eth0` inside the pod's namespace and the
// other end on the bridge (hairpin on, so traffic a service sends back to the pod that
// made it can leave by the port it came in), then addresses and routes inside the pod.

import { createHash } from 'node:crypto';
import type { CommandRunner } from '../runner/index.js';
import { run, runIgnoring } from './exec.js';

export const POD_INTERFACE = 'eth0';
const NOT_FOUND = /does not exist|cannot find device/i;

/** The node-side veth name for a pod: stable, so a restarted agent finds it. */
export function hostVethName(uid: string): string {
  return `veth${createHash('sha256').update(uid).digest('hex').slice(0, 10)}`;
}

export interface PodLinkConfig {
  runner: CommandRunner;
  nodeNetns: string | undefined;
  podNetns: string;
  bridge: string;
  hostVeth: string;
  /** Address with prefix length, e.g. "10.244.0.5/24". */
  addressCidr: string;
  gateway: string;
  mtu: number;
}

async function podHasInterface(runner: CommandRunner, podNetns: string): Promise<boolean> {
  try {
    await run(runner, ['ip', 'link', 'show', 'dev', POD_INTERFACE], { netns: podNetns });
    return true;
  } catch (err) {
    if (err instanceof Error && NOT_FOUND.test(err.message)) return false;
    throw err;
  }
}

/**
 * Creates or repairs the pod's link. `freshNetns` says the namespace was just made, so
 * there is nothing inside it to look for.
 */
export async function setupPodLink(c: PodLinkConfig, freshNetns: boolean): Promise<void> {
  const node: string[] = [];
  if (freshNetns || !(await podHasInterface(c.runner, c.podNetns))) {
    // A node end without its pod end is left from a namespace that is gone.
    await deleteHostVeth(c.runner, c.nodeNetns, c.hostVeth);
    node.push(
      `link add name ${c.hostVeth} mtu ${c.mtu} type veth` +
        ` peer name ${POD_INTERFACE} mtu ${c.mtu} netns ${c.podNetns}`,
    );
  }
  node.push(`link set dev ${c.hostVeth} master ${c.bridge} up`);
  node.push(`link set dev ${c.hostVeth} type bridge_slave hairpin on`);
  await run(c.runner, ['ip', '-batch', '-'], { netns: c.nodeNetns, input: node.join('\n') + '\n' });
  // `replace` keeps a running pod's address and routes in place on a re-run.
  const pod = [
    'link set dev lo up',
    `addr replace ${c.addressCidr} dev ${POD_INTERFACE}`,
    `link set dev ${POD_INTERFACE} mtu ${c.mtu} up`,
    `route replace default via ${c.gateway} dev ${POD_INTERFACE}`,
  ];
  await run(c.runner, ['ip', '-batch', '-'], { netns: c.podNetns, input: pod.join('\n') + '\n' });
}

/** Deleting one end of a veth pair deletes both. */
export async function deleteHostVeth(
  runner: CommandRunner,
  nodeNetns: string | undefined,
  name: string,
): Promise<void> {
  await runIgnoring(runner, ['ip', 'link', 'del', 'dev', name], NOT_FOUND, { netns: nodeNetns });
}

/** The pod veths on the bridge (named as hostVethName names them). */
export async function listHostVeths(
  runner: CommandRunner,
  nodeNetns: string | undefined,
  bridge: string,
) {
  let out: string;
  try {
    out = await run(runner, ['ip', '-j', 'link', 'show', 'master', bridge, 'type', 'veth'], {
      netns: nodeNetns,
    });
  } catch (err) {
    if (err instanceof Error && NOT_FOUND.test(err.message)) return [];
    throw err;
  }
  return (JSON.parse(out || '[]') as { ifname: string }[])
    .map((l) => l.ifname)
    .filter((n) => /^veth[0-9a-f]{10}$/.test(n));
}
