// The node's own object and heartbeat: registers the Node with its capacity, addresses,
// conditions and system info, renews its Lease in kube-node-lease every 10 s, and
// refreshes the Node status (as the kubelet's node status manager does).

import { gatewayOf, intToIp, parseCidr } from './sandbox/cidr.js';
import { hostname, release, networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../api/types.js';
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  resources,
  type Client,
} from '../client/index.js';
import type { Logger } from '../log/index.js';
import { formatMicroTime, formatTime } from '../api/time.js';
import { hostResources, nodeResources } from './stats/index.js';
import { formatHostPorts, NODE_HOST_PORTS_ANNOTATION, type HostPorts } from '../api/host-ports.js';

export const LEASE_DURATION_SECONDS = 40;
const RENEW_INTERVAL_MS = 10_000;
const STATUS_INTERVAL_MS = 10_000;

export interface NodeIdentity {
  name: string;
  podCIDR: string;
  internalIP: string;
  kubeletVersion: string;
  containerRuntimeVersion: string;
  /** Extra labels, e.g. node roles. */
  labels?: Record<string, string>;
  /** The port the node's HTTPS API listens on (default 10250). */
  kubeletPort?: number;
  /** The agent's data directory: its filesystem is the node's ephemeral-storage. */
  dataDir?: string;
  /** Ports the node's own processes hold on its address (see api/host-ports.ts). */
  hostPorts?: HostPorts;
}

export interface NodeConditionState {
  ready: boolean;
  reason: string;
  message: string;
}

function readFirst(paths: string[]): string {
  for (const p of paths) {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      /* next */
    }
  }
  return '';
}

function osImage(): string {
  const text = readFirst(['/etc/os-release']);
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
}

export function primaryIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/**
 * The address a node registers as its InternalIP: the machine's first non-loopback IPv4
 * address, else (a machine or namespace with nothing but loopback) the node's own address on
 * the pod network, which the host and every pod can reach. Never 127.0.0.1: the API server
 * refuses to proxy to loopback, as kube-apiserver does.
 */
export function defaultNodeIP(podCIDR: string): string {
  return primaryIPv4() ?? intToIp(gatewayOf(parseCidr(podCIDR)));
}

export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

export function nodeObject(id: NodeIdentity, now: Date, state: NodeConditionState): KubeObject {
  const { capacity, allocatable } = nodeResources(hostResources(id.dataDir ?? '/'));
  const t = formatTime(now);
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: t,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        'kubernetes.io/hostname': id.name,
        'kubernetes.io/os': 'linux',
        ...id.labels,
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        ...(id.hostPorts ? { [NODE_HOST_PORTS_ANNOTATION]: formatHostPorts(id.hostPorts) } : {}),
      },
    },
    spec: { podCIDR: id.podCIDR, podCIDRs: [id.podCIDR] },
    status: {
      capacity,
      allocatable,
      conditions: [
        cond(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        cond('Ready', state.ready ? 'True' : 'False', state.reason, state.message),
      ],
      addresses: [
        { type: 'InternalIP', address: id.internalIP },
        { type: 'Hostname', address: id.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort ?? 10250 } },
      nodeInfo: {
        machineID: readFirst(['/etc/machine-id']),
        systemUUID: readFirst(['/sys/class/dmi/id/product_uuid']) || readFirst(['/etc/machine-id']),
        bootID: readFirst(['/proc/sys/kernel/random/boot_id']),
        kernelVersion: release(),
        osImage: osImage(),
        containerRuntimeVersion: id.containerRuntimeVersion,
        kubeletVersion: id.kubeletVersion,
        kubeProxyVersion: id.kubeletVersion,
        operatingSystem: 'linux',
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      },
    },
  };
}

export interface NodeStatusManager {
  /** Registers the node (or takes over an existing one) and starts heartbeats. */
  start(): Promise<void>;
  setState(s: NodeConditionState): void;
}

export function createNodeStatusManager(o: {
  client: Client;
  identity: NodeIdentity;
  clock: { now(): Date };
  logger: Logger;
  signal: AbortSignal;
  state: NodeConditionState;
  images?: () => { names: string[]; sizeBytes: number }[];
}): NodeStatusManager {
  let state = o.state;
  let lastReady: boolean | undefined;
  let transition = o.clock.now();
  const id = o.identity;

  async function writeStatus(): Promise<void> {
    const now = o.clock.now();
    if (lastReady !== state.ready) {
      lastReady = state.ready;
      transition = now;
    }
    const desired = nodeObject(id, now, state);
    const status = desired['status'] as {
      conditions: { type: string; lastTransitionTime: string }[];
      images?: unknown;
    };
    for (const c of status.conditions)
      if (c.type === 'Ready') c.lastTransitionTime = formatTime(transition);
    if (o.images) status.images = o.images();
    try {
      await o.client.patch(
        resources.nodes,
        '',
        id.name,
        'strategic',
        { status },
        { subresource: 'status' },
      );
    } catch (e) {
      if (isNotFound(e)) await register();
      else throw e;
    }
  }

  async function register(): Promise<void> {
    try {
      await o.client.create(resources.nodes, '', nodeObject(id, o.clock.now(), state));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // A node taken over: its host ports are this process's (flags may have changed).
      if (id.hostPorts)
        await o.client.patch(resources.nodes, '', id.name, 'merge', {
          metadata: {
            annotations: { [NODE_HOST_PORTS_ANNOTATION]: formatHostPorts(id.hostPorts) },
          },
        });
    }
    // Create drops status; write it through the status subresource.
    await o.client.patch(
      resources.nodes,
      '',
      id.name,
      'strategic',
      { status: nodeObject(id, o.clock.now(), state)['status'] },
      { subresource: 'status' },
    );
  }

  async function renewLease(): Promise<void> {
    const now = formatMicroTime(o.clock.now());
    try {
      await o.client.patch(resources.leases, 'kube-node-lease', id.name, 'merge', {
        spec: {
          holderIdentity: id.name,
          renewTime: now,
          leaseDurationSeconds: LEASE_DURATION_SECONDS,
        },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const node = await o.client.get(resources.nodes, '', id.name);
      try {
        await o.client.create(resources.leases, 'kube-node-lease', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: id.name,
            namespace: 'kube-node-lease',
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Node', name: id.name, uid: node.metadata.uid ?? '' },
            ],
          },
          spec: {
            holderIdentity: id.name,
            leaseDurationSeconds: LEASE_DURATION_SECONDS,
            renewTime: now,
          },
        });
      } catch (e2) {
        if (!isAlreadyExists(e2) && !isConflict(e2)) throw e2;
      }
    }
  }

  const every = (ms: number, fn: () => Promise<void>, what: string): void => {
    const t = setInterval(
      () => void fn().catch((err) => o.logger.warn(`${what} failed`, { err })),
      ms,
    );
    t.unref();
    o.signal.addEventListener('abort', () => clearInterval(t), { once: true });
  };

  return {
    async start() {
      await register();
      await renewLease();
      every(RENEW_INTERVAL_MS, renewLease, 'lease renewal');
      every(STATUS_INTERVAL_MS, writeStatus, 'node status update');
    },
    setState(s) {
      const changed = s.ready !== state.ready || s.message !== state.message;
      state = s;
      if (changed)
        void writeStatus().catch((err) => o.logger.warn('node status update failed', { err }));
    },
  };
}
