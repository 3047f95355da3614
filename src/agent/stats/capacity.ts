// The Node's capacity and allocatable as a kubelet with default flags reports them: CPUs,
// MemTotal, 110 pods, the data directory's filesystem as ephemeral-storage, and each huge
// page size the kernel offers. Allocatable subtracts the default hard eviction thresholds
// (memory.available<100Mi, nodefs.available<10%) and the memory held as huge pages; no
// kube-reserved or system-reserved by default.

import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { formatQuantity } from '../../api/quantity.js';
import { parseMeminfo } from './proc.js';

export const DEFAULT_MAX_PODS = 110;
/** --eviction-hard's default memory.available threshold. */
const EVICTION_MEMORY_BYTES = 100n * 1024n * 1024n;
/** --eviction-hard's default nodefs.available threshold, a float32 percentage as the kubelet keeps it. */
const EVICTION_NODEFS_FRACTION = Math.fround(0.1);

export interface NodeResources {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

export interface HostResources {
  cpus: number;
  memoryBytes: bigint;
  /** Filesystem capacity of the data directory, bytes (absent when unreadable). */
  ephemeralStorageBytes?: bigint;
  /** Huge pages per page size in bytes: the bytes they hold. */
  hugePages: Map<bigint, bigint>;
}

const binary = (bytes: bigint): string => formatQuantity({ n: bytes, exp: 0, format: 'BinarySI' });

/** Capacity and allocatable for these host resources. */
export function nodeResources(h: HostResources): NodeResources {
  const capacity: Record<string, string> = {
    cpu: String(h.cpus),
    memory: binary(h.memoryBytes),
    pods: String(DEFAULT_MAX_PODS),
  };
  const allocatable: Record<string, string> = { ...capacity };
  let hugeTotal = 0n;
  for (const [size, bytes] of [...h.hugePages].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const name = `hugepages-${binary(size)}`;
    capacity[name] = binary(bytes);
    allocatable[name] = binary(bytes);
    hugeTotal += bytes;
  }
  const mem = h.memoryBytes - EVICTION_MEMORY_BYTES - hugeTotal;
  allocatable['memory'] = binary(mem > 0n ? mem : 0n);
  if (h.ephemeralStorageBytes !== undefined) {
    const cap = h.ephemeralStorageBytes;
    capacity['ephemeral-storage'] = binary(cap);
    // int64(float64(capacity) * float64(float32 percentage)), as the kubelet reserves it.
    const reserved = BigInt(Math.trunc(Number(cap) * EVICTION_NODEFS_FRACTION));
    allocatable['ephemeral-storage'] = binary(cap - reserved);
  }
  return { capacity: sortedKeys(capacity), allocatable: sortedKeys(allocatable) };
}

/** A ResourceList marshals as a Go map: keys in order. */
const sortedKeys = (r: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** This host's resources: /proc/meminfo, /sys/kernel/mm/hugepages and statfs of dataDir. */
export function hostResources(dataDir?: string): HostResources {
  const mem = parseMeminfo(read('/proc/meminfo'));
  const hugePages = new Map<bigint, bigint>();
  let dirs: string[] = [];
  try {
    dirs = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    /* no huge page support */
  }
  for (const d of dirs) {
    const kb = /^hugepages-(\d+)kB$/.exec(d)?.[1];
    if (!kb) continue;
    const count = read(join('/sys/kernel/mm/hugepages', d, 'nr_hugepages')).trim();
    const size = BigInt(kb) * 1024n;
    hugePages.set(size, size * BigInt(/^\d+$/.test(count) ? count : '0'));
  }
  let ephemeral: bigint | undefined;
  if (dataDir)
    try {
      const s = statfsSync(dataDir, { bigint: true });
      ephemeral = s.blocks * s.bsize;
    } catch {
      /* not created yet */
    }
  return {
    cpus: cpus().length,
    memoryBytes: BigInt(mem.get('MemTotal') ?? 0),
    hugePages,
    ...(ephemeral !== undefined ? { ephemeralStorageBytes: ephemeral } : {}),
  };
}
