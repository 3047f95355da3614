// What the spec generator needs to know about the host: the cgroup layout, the
// capabilities this process holds (a container can never get more), and whether it may
// lower OOM scores or raise rlimits (CAP_SYS_RESOURCE, absent on some sandboxed machines).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HostFacts {
  cgroups: 'v1' | 'v2';
  /** Mount point of the v1 memory controller, or of the cgroup2 tree (for OOM counters). */
  memoryCgroupRoot?: string;
  /** The host accounts swap (memsw on v1, memory.swap.max on v2). */
  swapAccounting: boolean;
  /** Capabilities in this process's bounding set, as CAP_* names. */
  capabilities: string[];
  /** CAP_SYS_RESOURCE is effective: OOM scores may go below our own. */
  sysResource: boolean;
  /** This process's oom_score_adj (the floor for containers without CAP_SYS_RESOURCE). */
  oomScoreAdj: number;
}

/** Capability names by bit number, as in linux/capability.h. */
export const CAPABILITY_NAMES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
].map((n) => `CAP_${n}`);

function capsFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  return CAPABILITY_NAMES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

interface CgroupMount {
  mountPoint: string;
  fsType: string;
  superOptions: string;
}

function cgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const [fsType, , superOptions = ''] = right.split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountPoint = left.split(' ')[4];
    if (mountPoint) out.push({ mountPoint, fsType, superOptions });
  }
  return out;
}

export function detectHost(): HostFacts {
  const mounts = cgroupMounts(read('/proc/self/mountinfo'));
  const unified = mounts.find((m) => m.fsType === 'cgroup2' && m.mountPoint === '/sys/fs/cgroup');
  const memoryV1 = mounts.find(
    (m) => m.fsType === 'cgroup' && m.superOptions.split(',').includes('memory'),
  );
  const cgroups: 'v1' | 'v2' = unified || !memoryV1 ? 'v2' : 'v1';
  const memoryCgroupRoot = cgroups === 'v1' ? memoryV1?.mountPoint : unified?.mountPoint;
  const swapAccounting =
    cgroups === 'v1'
      ? !!memoryCgroupRoot && existsSync(join(memoryCgroupRoot, 'memory.memsw.limit_in_bytes'))
      : read('/proc/swaps').trim().split('\n').length > 1;
  const status = read('/proc/self/status');
  const bnd = /^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0';
  const eff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0';
  return {
    cgroups,
    ...(memoryCgroupRoot ? { memoryCgroupRoot } : {}),
    swapAccounting,
    capabilities: capsFromMask(bnd),
    sysResource: capsFromMask(eff).includes('CAP_SYS_RESOURCE'),
    oomScoreAdj: Number(read('/proc/self/oom_score_adj').trim() || '0'),
  };
}

/**
 * Whether a container's cgroup recorded an OOM kill (memory.oom_control's oom_kill on v1,
 * memory.events' oom_kill on v2). The cgroup lives until the container is deleted.
 */
export function cgroupOomKilled(host: HostFacts, cgroupsPath: string): boolean {
  if (!host.memoryCgroupRoot) return false;
  const dir = join(host.memoryCgroupRoot, cgroupsPath);
  const text =
    host.cgroups === 'v1'
      ? read(join(dir, 'memory.oom_control'))
      : read(join(dir, 'memory.events'));
  const n = /^oom_kill (\d+)/m.exec(text)?.[1];
  return !!n && Number(n) > 0;
}
