// The node's own usage from /proc: CPU time from /proc/stat, memory from /proc/meminfo and
// page faults from /proc/vmstat. The working set is computed as the kubelet's (cAdvisor's)
// root container does: usage (total minus free) minus inactive file pages.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** USER_HZ: /proc/stat counts clock ticks of 1/100 s on every Linux architecture Skiff runs on. */
const USER_HZ = 100;
const NANOS_PER_TICK = 1e9 / USER_HZ;

/**
 * Cumulative CPU time the node spent busy, in nanoseconds, from the aggregate `cpu` line:
 * user + nice + system + irq + softirq + steal (guest time is already inside user/nice).
 */
export function parseProcStatCpu(text: string): number {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('/proc/stat has no cpu line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * NANOS_PER_TICK;
}

/** The boot time (`btime`) from /proc/stat, as a Date. */
export function parseBootTime(text: string): Date | undefined {
  const m = /^btime\s+(\d+)/m.exec(text);
  return m ? new Date(Number(m[1]) * 1000) : undefined;
}

/** /proc/meminfo as bytes by key (`MemTotal`, `Inactive(file)`…); counts without unit stay counts. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** `key value` lines (/proc/vmstat, cgroup memory.stat, cpu.stat) as a map. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

export interface NodeSample {
  /** Cumulative busy CPU time, nanoseconds. */
  cpuNanos: number;
  memTotal: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
  bootTime?: Date;
}

export function nodeSampleFrom(stat: string, meminfo: string, vmstat: string): NodeSample {
  const mem = parseMeminfo(meminfo);
  const vm = parseFlatKeyed(vmstat);
  const total = mem.get('MemTotal') ?? 0;
  const usage = Math.max(0, total - (mem.get('MemFree') ?? 0));
  const inactiveFile = mem.get('Inactive(file)') ?? 0;
  const boot = parseBootTime(stat);
  return {
    cpuNanos: parseProcStatCpu(stat),
    memTotal: total,
    usageBytes: usage,
    workingSetBytes: Math.max(0, usage - inactiveFile),
    rssBytes: mem.get('AnonPages') ?? 0,
    pageFaults: vm.get('pgfault') ?? 0,
    majorPageFaults: vm.get('pgmajfault') ?? 0,
    ...(boot ? { bootTime: boot } : {}),
  };
}

export async function readNodeSample(procRoot = '/proc'): Promise<NodeSample> {
  const [stat, meminfo, vmstat] = await Promise.all([
    readFile(join(procRoot, 'stat'), 'utf8'),
    readFile(join(procRoot, 'meminfo'), 'utf8'),
    readFile(join(procRoot, 'vmstat'), 'utf8').catch(() => ''),
  ]);
  return nodeSampleFrom(stat, meminfo, vmstat);
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

/** Interfaces cAdvisor leaves out of network stats: loopback and the host ends of links. */
const IGNORED_INTERFACE = /^(lo$|veth|docker|nerdctl)/;

/** /proc/<pid>/net/dev (the network namespace of that process), minus ignored interfaces. */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || IGNORED_INTERFACE.test(m[1]!)) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out.push({
      name: m[1]!,
      rxBytes: f[0] ?? 0,
      rxErrors: f[2] ?? 0,
      txBytes: f[8] ?? 0,
      txErrors: f[10] ?? 0,
    });
  }
  return out;
}
