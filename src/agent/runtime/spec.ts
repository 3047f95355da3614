// ContainerConfig → OCI runtime spec (config.json), with the defaults containerd gives
// Kubernetes containers: capabilities, mounts, masked and read-only paths, a device
// cgroup that denies all but the standard nodes. Pure: host facts come in as data.

import type { ContainerConfig } from './types.js';
import type { HostFacts } from './host.js';

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: {
      bounding: string[];
      effective: string[];
      permitted: string[];
    };
    rlimits?: { type: string; soft: number; hard: number }[];
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: { type: string; path?: string }[];
    cgroupsPath: string;
    resources: Record<string, unknown>;
    devices?: {
      path: string;
      type: string;
      major: number;
      minor: number;
      fileMode?: number;
      uid?: number;
      gid?: number;
    }[];
    sysctl?: Record<string, string>;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    rootfsPropagation?: string;
  };
}

export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const DEFAULT_READONLY_PATHS = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const MIN_QUOTA = 1000;
const DEFAULT_PERIOD = 100000;

/** Kubernetes' milliCPUToShares. */
export function milliCpuToShares(milli: number): number {
  if (milli <= 0) return MIN_SHARES;
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000)));
}

/** Kubernetes' milliCPUToQuota: the CFS quota for a limit over a period. */
export function milliCpuToQuota(milli: number, period: number): number {
  if (milli <= 0) return 0;
  return Math.max(MIN_QUOTA, Math.floor((milli * period) / 1000));
}

function capName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** containerd's add/drop rules: "ALL" first (add ALL, then drop ALL), then the named ones. */
export function capabilitySet(config: ContainerConfig, host: HostFacts): string[] {
  if (config.privileged) return [...host.capabilities];
  const add = (config.capabilities?.add ?? []).map(capName);
  const drop = (config.capabilities?.drop ?? []).map(capName);
  let caps = [...DEFAULT_CAPABILITIES];
  if (add.includes('CAP_ALL')) caps = [...host.capabilities];
  if (drop.includes('CAP_ALL')) caps = [];
  for (const c of add) if (c !== 'CAP_ALL' && !caps.includes(c)) caps.push(c);
  caps = caps.filter((c) => !drop.includes(c));
  // A process cannot hand out capabilities it does not hold itself.
  return caps.filter((c) => host.capabilities.includes(c));
}

export function cgroupsPathFor(config: ContainerConfig, defaultParent: string): string {
  const parent = (config.cgroupParent ?? defaultParent).replace(/\/+$/, '');
  return `${parent.startsWith('/') ? '' : '/'}${parent}/${config.id}`;
}

function namespace(type: string, path: string | undefined): { type: string; path?: string }[] {
  if (path === 'host') return [];
  return [path ? { type, path } : { type }];
}

function bind(
  destination: string,
  source: string,
  readOnly: boolean,
  propagation = 'rprivate',
): OciMount {
  return {
    destination,
    type: 'bind',
    source,
    options: ['rbind', propagation, readOnly ? 'ro' : 'rw'],
  };
}

function defaultMounts(config: ContainerConfig): OciMount[] {
  const privileged = !!config.privileged;
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    config.shmPath
      ? bind('/dev/shm', config.shmPath, false)
      : {
          destination: '/dev/shm',
          type: 'tmpfs',
          source: 'shm',
          options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
        },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
    },
  ];
  return mounts;
}

export interface SpecInputs {
  config: ContainerConfig;
  host: HostFacts;
  /** Where the runtime layer mounted the root filesystem. */
  rootfs: string;
  defaultCgroupParent: string;
  /** Host devices for privileged containers. */
  hostDevices?: OciSpec['linux']['devices'];
}

export function generateSpec({
  config,
  host,
  rootfs,
  defaultCgroupParent,
  hostDevices,
}: SpecInputs): OciSpec {
  const p = config.process;
  if (!p.args.length) throw new Error(`container "${config.id}" has no command to run`);
  const caps = capabilitySet(config, host);
  const env = [...(p.env ?? [])];
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH_ENV);
  if (config.hostname && !env.some((e) => e.startsWith('HOSTNAME=')))
    env.push(`HOSTNAME=${config.hostname}`);

  const mounts = defaultMounts(config);
  const files: [string, string | undefined][] = [
    ['/etc/hosts', config.etcHosts],
    ['/etc/hostname', config.etcHostname],
    ['/etc/resolv.conf', config.resolvConf],
  ];
  for (const [dest, src] of files) if (src) mounts.push(bind(dest, src, false));
  for (const m of config.mounts ?? [])
    mounts.push(bind(m.containerPath, m.hostPath, !!m.readOnly, m.propagation ?? 'rprivate'));
  const propagations = (config.mounts ?? []).map((m) => m.propagation);
  const rootfsPropagation = propagations.includes('rshared')
    ? 'rshared'
    : propagations.includes('rslave')
      ? 'rslave'
      : undefined;

  const ns = config.namespaces ?? {};
  const namespaces = [
    ...namespace('pid', ns.pid),
    ...namespace('ipc', ns.ipc),
    ...namespace('uts', ns.uts),
    { type: 'mount' },
    ...namespace('network', ns.network),
    ...(host.cgroups === 'v2' ? [{ type: 'cgroup' }] : []),
  ];

  const r = config.resources ?? {};
  const resources: Record<string, unknown> = {
    devices: [{ allow: !!config.privileged, access: 'rwm' }],
  };
  const cpu: Record<string, number> = {};
  if (r.cpuRequestMillis !== undefined) cpu['shares'] = milliCpuToShares(r.cpuRequestMillis);
  if (r.cpuLimitMillis !== undefined && r.cpuLimitMillis > 0) {
    const period = r.cpuPeriodMicros ?? DEFAULT_PERIOD;
    cpu['quota'] = milliCpuToQuota(r.cpuLimitMillis, period);
    cpu['period'] = period;
  }
  if (Object.keys(cpu).length) resources['cpu'] = cpu;
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0) {
    resources['memory'] = {
      limit: r.memoryLimitBytes,
      ...(host.swapAccounting ? { swap: r.memoryLimitBytes } : {}),
    };
  }
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) resources['pids'] = { limit: r.pidsLimit };

  let oomScoreAdj = config.oomScoreAdj;
  // Without CAP_SYS_RESOURCE the kernel refuses a score below our own.
  if (oomScoreAdj !== undefined && !host.sysResource)
    oomScoreAdj = Math.max(oomScoreAdj, host.oomScoreAdj);

  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: !!p.terminal,
      user: {
        uid: p.uid ?? 0,
        gid: p.gid ?? 0,
        ...(p.additionalGids?.length ? { additionalGids: [...p.additionalGids] } : {}),
      },
      args: [...p.args],
      env,
      cwd: p.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: !!p.noNewPrivileges,
      ...(config.rlimits?.length ? { rlimits: config.rlimits.map((l) => ({ ...l })) } : {}),
      ...(oomScoreAdj !== undefined ? { oomScoreAdj } : {}),
    },
    root: { path: rootfs, readonly: !!config.readOnlyRootfs },
    ...(config.hostname && ns.uts !== 'host' ? { hostname: config.hostname } : {}),
    mounts,
    annotations: { ...(config.annotations ?? {}) },
    linux: {
      namespaces,
      cgroupsPath: cgroupsPathFor(config, defaultCgroupParent),
      resources,
      ...(config.sysctls && Object.keys(config.sysctls).length
        ? { sysctl: { ...config.sysctls } }
        : {}),
      ...(config.privileged
        ? { devices: hostDevices ?? [] }
        : { maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS] }),
      ...(rootfsPropagation ? { rootfsPropagation } : {}),
    },
  };
  return spec;
}
