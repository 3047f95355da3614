// The pod network as the node agent sees it: set the node up once, then give each pod a
// namespace, an address and a link, and take them away again. Built by createPodNetwork;
// state lives in the kernel and in the data dir, never only in memory, so a new instance
// (after a restart or a crash) carries on where the last one stopped.

import { join } from 'node:path';
import type { CommandRunner } from '../runner/index.js';
import { formatCidr, parseCidr } from './cidr.js';
import { createIpam, type Ipam } from './ipam.js';
import { ensureNetns, listNetns, removeNetns } from './netns.js';
import {
  setupNodeNetwork,
  teardownNodeNetwork,
  type NodeNetworkConfig,
  type NodeNetworkReport,
} from './node-network.js';
import { deleteHostVeth, hostVethName, listHostVeths, setupPodLink } from './pod-link.js';

export interface PodNetworkOptions {
  /** Runs the host tools (ip, nft, unshare, umount). */
  commandRunner: CommandRunner;
  /** The agent's data dir: namespaces go under netns/, allocations under ipam/. */
  dataDir: string;
  /** This node's pod CIDR, e.g. "10.244.0.0/24". */
  podCIDR: string;
  /** The whole cluster's pod network, not masqueraded (default 10.244.0.0/16). */
  clusterCIDR?: string;
  /** Bridge name (default skiff0). */
  bridge?: string;
  /** MTU of the bridge and the pods' interfaces (default 1500). */
  mtu?: number;
  /** nftables table (family ip) holding the masquerade chain (default skiff). */
  nftTable?: string;
  /**
   * Path of the network namespace that plays the node (a test host, say); the agent's own
   * namespace when absent.
   */
  nodeNetns?: string;
}

export type { NodeNetworkReport };

export interface PodNetworkStatus {
  /** The pod's network namespace, for the OCI runtime spec. */
  netnsPath: string;
  ip: string;
  gateway: string;
  prefixLength: number;
  interface: string;
}

export interface PodNetwork {
  readonly podCIDR: string;
  readonly gateway: string;
  readonly ipam: Ipam;
  /** Bridge, gateway address, forwarding, masquerading. Safe to repeat. */
  setupNode(): Promise<NodeNetworkReport>;
  /** Removes every pod's network and then the node's: bridge, nftables chain, sysctls. */
  teardownNode(): Promise<void>;
  /** Namespace, veth and address for a pod; the same answer when repeated. */
  setupPod(uid: string): Promise<PodNetworkStatus>;
  /** Removes what exists of the pod's network; fine when half-made or already gone. */
  teardownPod(uid: string): Promise<void>;
  /** Tears down every pod network whose uid is not in `live`; returns the uids removed. */
  gc(live: Iterable<string>): Promise<string[]>;
  /** Where a pod's namespace is (or would be) mounted. */
  netnsPath(uid: string): string;
  /** The node's namespace, for `hostNetwork: true` pods. */
  nodeNetnsPath(): string;
}

const UID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

function checkUid(uid: string): void {
  // The uid names files and so must not walk out of the data dir.
  if (!UID_RE.test(uid)) throw new Error(`invalid pod uid "${uid}"`);
}

export function createPodNetwork(o: PodNetworkOptions): PodNetwork {
  const subnet = parseCidr(o.podCIDR);
  const clusterCIDR = formatCidr(parseCidr(o.clusterCIDR ?? '10.244.0.0/16'));
  const bridge = o.bridge ?? 'skiff0';
  const mtu = o.mtu ?? 1500;
  const netnsDir = join(o.dataDir, 'netns');
  const ipam = createIpam({ dir: join(o.dataDir, 'ipam', bridge), subnet: formatCidr(subnet) });
  const gateway = ipam.gateway;
  const runner = o.commandRunner;
  const node: NodeNetworkConfig = {
    runner,
    netns: o.nodeNetns,
    bridge,
    gatewayCidr: `${gateway}/${subnet.prefixLength}`,
    podCIDR: formatCidr(subnet),
    clusterCIDR,
    mtu,
    nftTable: o.nftTable ?? 'skiff',
    stateDir: join(o.dataDir, 'network'),
  };
  const netnsPath = (uid: string) => {
    checkUid(uid);
    return join(netnsDir, uid);
  };

  // Work on one pod is never run twice at once.
  const busy = new Map<string, Promise<unknown>>();
  const perPod = <T>(uid: string, fn: () => Promise<T>): Promise<T> => {
    const prev = busy.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    busy.set(uid, settled);
    void settled.then(() => {
      if (busy.get(uid) === settled) busy.delete(uid);
    });
    return next;
  };

  async function teardown(uid: string): Promise<void> {
    await deleteHostVeth(runner, o.nodeNetns, hostVethName(uid));
    await removeNetns(runner, netnsPath(uid));
    await ipam.release(uid);
  }

  async function setup(uid: string): Promise<PodNetworkStatus> {
    const path = netnsPath(uid);
    const ip = await ipam.allocate(uid);
    let fresh = false;
    try {
      fresh = await ensureNetns(runner, path);
      await setupPodLink(
        {
          runner,
          nodeNetns: o.nodeNetns,
          podNetns: path,
          bridge,
          hostVeth: hostVethName(uid),
          addressCidr: `${ip}/${subnet.prefixLength}`,
          gateway,
          mtu,
        },
        fresh,
      );
    } catch (err) {
      // Undo only what this call made; a running pod's network stays as it was.
      if (fresh) await teardown(uid).catch(() => undefined);
      throw err;
    }
    return { netnsPath: path, ip, gateway, prefixLength: subnet.prefixLength, interface: 'eth0' };
  }

  async function gc(live: Iterable<string>): Promise<string[]> {
    const keep = new Set(live);
    const dead = new Set<string>();
    for (const uid of await listNetns(netnsDir)) if (!keep.has(uid)) dead.add(uid);
    for (const a of await ipam.list()) if (!keep.has(a.uid)) dead.add(a.uid);
    for (const uid of dead) {
      if (UID_RE.test(uid)) await perPod(uid, () => teardown(uid));
    }
    await ipam.gc(keep); // allocations with unreadable owners, leftovers of a crash
    // Bridge ports whose pod is unknown: their namespace is gone or was never recorded.
    const liveVeths = new Set([...keep].map(hostVethName));
    for (const v of await listHostVeths(runner, o.nodeNetns, bridge))
      if (!liveVeths.has(v)) await deleteHostVeth(runner, o.nodeNetns, v);
    return [...dead].filter((u) => UID_RE.test(u));
  }

  return {
    podCIDR: formatCidr(subnet),
    gateway,
    ipam,
    setupNode: () => setupNodeNetwork(node),
    teardownNode: async () => {
      await gc([]);
      await teardownNodeNetwork(node);
    },
    setupPod: (uid) => {
      checkUid(uid);
      return perPod(uid, () => setup(uid));
    },
    teardownPod: (uid) => {
      checkUid(uid);
      return perPod(uid, () => teardown(uid));
    },
    gc,
    netnsPath,
    nodeNetnsPath: () => o.nodeNetns ?? `/proc/${process.pid}/ns/net`,
  };
}
