// A cgroup's CPU and memory usage, on cgroup v2 and on v1 (cpuacct and memory controllers
// mounted apart). runc places a container at its OCI `linux.cgroupsPath` (cgroupfs form,
// e.g. /skiff/<id>) below each hierarchy's mount point; on a host whose cgroup mounts are
// rooted elsewhere (a cgroup namespace) the path is taken relative to the mount's root.

import { readFile } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { parseFlatKeyed } from './proc.js';

interface Hierarchy {
  /** Where the hierarchy is mounted. */
  mount: string;
  /** The cgroup the mount shows as its top (`/` unless in a cgroup namespace). */
  root: string;
}

export type CgroupLayout =
  | { version: 'v2'; unified: Hierarchy }
  | { version: 'v1'; cpuacct?: Hierarchy; memory?: Hierarchy };

interface Mount extends Hierarchy {
  fsType: string;
  superOptions: string[];
}

function mounts(mountinfo: string): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    const fsType = r[0] ?? '';
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    out.push({
      root: unescape(l[3] ?? '/'),
      mount: unescape(l[4] ?? ''),
      fsType,
      superOptions: (r[2] ?? '').split(','),
    });
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The hierarchies to read, chosen as the runtime chooses where runc puts containers: the
 * unified tree when it is mounted at /sys/fs/cgroup or no v1 memory controller exists,
 * the v1 controllers otherwise (hybrid hosts run containers on v1).
 */
export function cgroupLayout(mountinfo: string): CgroupLayout {
  const all = mounts(mountinfo);
  const unified = all.filter((m) => m.fsType === 'cgroup2');
  const v1 = (c: string) => all.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(c));
  const memory = v1('memory');
  const atRoot = unified.find((m) => m.mount === '/sys/fs/cgroup');
  if (atRoot || !memory) {
    const u = atRoot ?? unified[0];
    if (!u) throw new Error('no cgroup hierarchy is mounted');
    return { version: 'v2', unified: { mount: u.mount, root: u.root } };
  }
  const cpuacct = v1('cpuacct');
  return {
    version: 'v1',
    memory: { mount: memory.mount, root: memory.root },
    ...(cpuacct ? { cpuacct: { mount: cpuacct.mount, root: cpuacct.root } } : {}),
  };
}

export async function readCgroupLayout(): Promise<CgroupLayout> {
  return cgroupLayout(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** The directory of cgroup `path` in a hierarchy. */
export function cgroupDir(h: Hierarchy, path: string): string {
  const rel = relative(h.root, path);
  return join(h.mount, rel.startsWith('..') || isAbsolute(rel) ? path : rel);
}

/**
 * A process's cgroup per controller from /proc/PID/cgroup: on v1 keyed by controller
 * (`cpuacct`, `memory`), the unified entry under ``.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of m[1]!.split(',')) out.set(c, m[2]!);
  }
  return out;
}

export interface CgroupMemory {
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
  /** The memory limit, absent when unlimited. */
  limitBytes?: number;
}

export interface CgroupSample {
  /** Cumulative CPU time, nanoseconds. */
  cpuNanos?: number;
  memory?: CgroupMemory;
}

/** A limit at or above 2^62 is the kernel's "no limit" on v1 (page-rounded LLONG_MAX). */
const UNLIMITED_V1 = 2 ** 62;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function readNumber(path: string): Promise<number | undefined> {
  const t = (await readText(path))?.trim();
  return t && /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Paths per controller, for a process whose v1 controllers sit in different cgroups. */
export interface CgroupPaths {
  cpu: string;
  memory: string;
}

/**
 * Reads one cgroup (or, on v1, one cgroup per controller). Absent files leave the field out:
 * a container that exited between listing and reading simply has no sample.
 */
export async function readCgroup(
  layout: CgroupLayout,
  path: string | CgroupPaths,
): Promise<CgroupSample> {
  const cpuPath = typeof path === 'string' ? path : path.cpu;
  const memPath = typeof path === 'string' ? path : path.memory;
  return layout.version === 'v2'
    ? readV2(layout.unified, cpuPath, memPath)
    : readV1(layout, cpuPath, memPath);
}

async function readV1(
  layout: Extract<CgroupLayout, { version: 'v1' }>,
  cpuPath: string,
  memPath: string,
): Promise<CgroupSample> {
  const out: CgroupSample = {};
  if (layout.cpuacct) {
    const n = await readNumber(join(cgroupDir(layout.cpuacct, cpuPath), 'cpuacct.usage'));
    if (n !== undefined) out.cpuNanos = n;
  }
  if (layout.memory) {
    const dir = cgroupDir(layout.memory, memPath);
    const [usage, statText, limit] = await Promise.all([
      readNumber(join(dir, 'memory.usage_in_bytes')),
      readText(join(dir, 'memory.stat')),
      readNumber(join(dir, 'memory.limit_in_bytes')),
    ]);
    if (usage !== undefined && statText !== undefined) {
      const stat = parseFlatKeyed(statText);
      out.memory = {
        usageBytes: usage,
        workingSetBytes: Math.max(0, usage - (stat.get('total_inactive_file') ?? 0)),
        rssBytes: stat.get('total_rss') ?? 0,
        pageFaults: stat.get('total_pgfault') ?? 0,
        majorPageFaults: stat.get('total_pgmajfault') ?? 0,
        ...(limit !== undefined && limit < UNLIMITED_V1 ? { limitBytes: limit } : {}),
      };
    }
  }
  return out;
}

async function readV2(h: Hierarchy, cpuPath: string, memPath: string): Promise<CgroupSample> {
  const out: CgroupSample = {};
  const cpuStat = await readText(join(cgroupDir(h, cpuPath), 'cpu.stat'));
  const usec = cpuStat === undefined ? undefined : parseFlatKeyed(cpuStat).get('usage_usec');
  if (usec !== undefined) out.cpuNanos = usec * 1000;
  const dir = cgroupDir(h, memPath);
  const [usage, statText, max] = await Promise.all([
    readNumber(join(dir, 'memory.current')),
    readText(join(dir, 'memory.stat')),
    readNumber(join(dir, 'memory.max')),
  ]);
  if (usage !== undefined && statText !== undefined) {
    const stat = parseFlatKeyed(statText);
    out.memory = {
      usageBytes: usage,
      workingSetBytes: Math.max(0, usage - (stat.get('inactive_file') ?? 0)),
      rssBytes: stat.get('anon') ?? 0,
      pageFaults: stat.get('pgfault') ?? 0,
      majorPageFaults: stat.get('pgmajfault') ?? 0,
      ...(max !== undefined ? { limitBytes: max } : {}),
    };
  }
  return out;
}
