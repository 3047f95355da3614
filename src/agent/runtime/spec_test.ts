import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostFacts } from './host.js';
import {
  DEFAULT_CAPABILITIES,
  generateSpec,
  milliCpuToQuota,
  milliCpuToShares,
  type OciSpec,
} from './spec.js';
import type { ContainerConfig } from './types.js';
import { CAPABILITY_NAMES } from './host.js';

const host: HostFacts = {
  cgroups: 'v1',
  memoryCgroupRoot: '/sys/fs/cgroup/memory',
  swapAccounting: true,
  capabilities: [...CAPABILITY_NAMES],
  sysResource: true,
  oomScoreAdj: 0,
};

function spec(over: Partial<ContainerConfig> = {}, h: HostFacts = host): OciSpec {
  return generateSpec({
    config: {
      id: 'abc',
      layers: ['/layers/base'],
      process: { args: ['sh', '-c', 'echo hi'] },
      log: { dir: '/logs/abc', attempt: 0 },
      ...over,
    },
    host: h,
    rootfs: '/data/containers/abc/rootfs',
    defaultCgroupParent: '/skiff',
  });
}

const mount = (s: OciSpec, dest: string) => s.mounts.find((m) => m.destination === dest);

describe('OCI spec generation', () => {
  it('runs the process as given, root by default, with a PATH', () => {
    const s = spec({
      process: { args: ['/bin/app', '--flag'], env: ['A=1'], cwd: '/work' },
    });
    assert.deepEqual(s.process.args, ['/bin/app', '--flag']);
    assert.deepEqual(s.process.user, { uid: 0, gid: 0 });
    assert.equal(s.process.cwd, '/work');
    assert.equal(s.process.terminal, false);
    assert.ok(s.process.env.includes('A=1'));
    assert.ok(s.process.env.some((e) => e.startsWith('PATH=')));
    assert.equal(s.root.path, '/data/containers/abc/rootfs');
    assert.equal(s.root.readonly, false);
  });

  it('keeps an image PATH and sets user, groups, terminal, read-only root', () => {
    const s = spec({
      process: {
        args: ['x'],
        env: ['PATH=/opt/bin'],
        uid: 1000,
        gid: 3000,
        additionalGids: [4000, 5000],
        terminal: true,
        noNewPrivileges: true,
      },
      readOnlyRootfs: true,
    });
    assert.deepEqual(
      s.process.env.filter((e) => e.startsWith('PATH=')),
      ['PATH=/opt/bin'],
    );
    assert.deepEqual(s.process.user, { uid: 1000, gid: 3000, additionalGids: [4000, 5000] });
    assert.equal(s.process.terminal, true);
    assert.equal(s.process.noNewPrivileges, true);
    assert.equal(s.root.readonly, true);
  });

  it('refuses an empty command', () => {
    assert.throws(() => spec({ process: { args: [] } }), /no command/);
  });

  it("gives containerd's default capabilities", () => {
    const s = spec();
    assert.deepEqual([...s.process.capabilities.bounding].sort(), [...DEFAULT_CAPABILITIES].sort());
    assert.equal(DEFAULT_CAPABILITIES.length, 14);
    assert.deepEqual(s.process.capabilities.effective, s.process.capabilities.bounding);
    assert.deepEqual(s.process.capabilities.permitted, s.process.capabilities.bounding);
  });

  it('adds and drops capabilities, with or without the CAP_ prefix, and ALL', () => {
    const s = spec({
      capabilities: { add: ['NET_ADMIN', 'CAP_SYS_TIME'], drop: ['chown', 'KILL'] },
    });
    const caps = s.process.capabilities.bounding;
    assert.ok(caps.includes('CAP_NET_ADMIN'));
    assert.ok(caps.includes('CAP_SYS_TIME'));
    assert.ok(!caps.includes('CAP_CHOWN'));
    assert.ok(!caps.includes('CAP_KILL'));

    const none = spec({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } });
    assert.deepEqual(none.process.capabilities.bounding, ['CAP_NET_BIND_SERVICE']);

    const all = spec({ capabilities: { add: ['ALL'], drop: ['SYS_ADMIN'] } });
    assert.equal(all.process.capabilities.bounding.length, CAPABILITY_NAMES.length - 1);
    assert.ok(!all.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  });

  it('never grants capabilities the host process lacks', () => {
    const limited = {
      ...host,
      capabilities: host.capabilities.filter((c) => c !== 'CAP_SYS_ADMIN'),
    };
    const s = spec({ capabilities: { add: ['SYS_ADMIN'] } }, limited);
    assert.ok(!s.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
    const p = spec({ privileged: true }, limited);
    assert.deepEqual(p.process.capabilities.bounding, limited.capabilities);
  });

  it('privileged: all capabilities, writable sysfs and cgroups, no masked paths, all devices', () => {
    const s = generateSpec({
      config: {
        id: 'p',
        layers: ['/l'],
        process: { args: ['x'] },
        privileged: true,
        log: { dir: '/l', attempt: 0 },
      },
      host,
      rootfs: '/r',
      defaultCgroupParent: '/skiff',
      hostDevices: [{ path: '/dev/loop0', type: 'b', major: 7, minor: 0 }],
    });
    assert.equal(s.process.capabilities.bounding.length, CAPABILITY_NAMES.length);
    assert.ok(mount(s, '/sys')?.options?.includes('rw'));
    assert.ok(mount(s, '/sys/fs/cgroup')?.options?.includes('rw'));
    assert.equal(s.linux.maskedPaths, undefined);
    assert.equal(s.linux.readonlyPaths, undefined);
    assert.deepEqual(s.linux.devices, [{ path: '/dev/loop0', type: 'b', major: 7, minor: 0 }]);
    assert.deepEqual((s.linux.resources['devices'] as unknown[])[0], {
      allow: true,
      access: 'rwm',
    });
  });

  it('masks and write-protects the default paths, denies devices', () => {
    const s = spec();
    assert.ok(s.linux.maskedPaths?.includes('/proc/kcore'));
    assert.ok(s.linux.maskedPaths?.includes('/sys/firmware'));
    assert.ok(s.linux.readonlyPaths?.includes('/proc/sys'));
    assert.ok(s.linux.readonlyPaths?.includes('/proc/sysrq-trigger'));
    assert.ok(mount(s, '/sys')?.options?.includes('ro'));
    assert.deepEqual((s.linux.resources['devices'] as unknown[])[0], {
      allow: false,
      access: 'rwm',
    });
  });

  it('uses new pid/ipc/uts/mount namespaces and joins the pod network and IPC by path', () => {
    const s = spec({
      namespaces: { network: '/run/netns/pod1', ipc: '/proc/123/ns/ipc' },
      hostname: 'web-0',
    });
    assert.deepEqual(s.linux.namespaces, [
      { type: 'pid' },
      { type: 'ipc', path: '/proc/123/ns/ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'network', path: '/run/netns/pod1' },
    ]);
    assert.equal(s.hostname, 'web-0');
    assert.ok(s.process.env.includes('HOSTNAME=web-0'));
  });

  it('shares host namespaces when asked, and adds a cgroup namespace on cgroup v2', () => {
    const s = spec({
      namespaces: { network: 'host', pid: 'host', ipc: 'host', uts: 'host' },
      hostname: 'node',
    });
    assert.deepEqual(s.linux.namespaces, [{ type: 'mount' }]);
    assert.equal(s.hostname, undefined);
    const v2 = spec({}, { ...host, cgroups: 'v2' });
    assert.ok(v2.linux.namespaces.some((n) => n.type === 'cgroup'));
    assert.ok(!spec().linux.namespaces.some((n) => n.type === 'cgroup'));
  });

  it('mounts /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and a read-only /sys', () => {
    const s = spec();
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys'])
      assert.ok(mount(s, d), `${d} mounted`);
    assert.equal(mount(s, '/dev/shm')?.type, 'tmpfs');
    assert.equal(mount(s, '/dev/pts')?.type, 'devpts');
    assert.ok(mount(s, '/dev/pts')?.options?.includes('newinstance'));
  });

  it('binds the pod /dev/shm, /etc files and volumes with their modes and propagation', () => {
    const s = spec({
      shmPath: '/pods/1/shm',
      etcHosts: '/pods/1/hosts',
      etcHostname: '/pods/1/hostname',
      resolvConf: '/pods/1/resolv.conf',
      mounts: [
        { containerPath: '/data', hostPath: '/pods/1/volumes/data' },
        { containerPath: '/config', hostPath: '/pods/1/volumes/cfg', readOnly: true },
        { containerPath: '/host', hostPath: '/mnt', propagation: 'rslave' },
      ],
    });
    assert.deepEqual(mount(s, '/dev/shm'), {
      destination: '/dev/shm',
      type: 'bind',
      source: '/pods/1/shm',
      options: ['rbind', 'rprivate', 'rw'],
    });
    assert.equal(mount(s, '/etc/hosts')?.source, '/pods/1/hosts');
    assert.equal(mount(s, '/etc/hostname')?.source, '/pods/1/hostname');
    assert.equal(mount(s, '/etc/resolv.conf')?.source, '/pods/1/resolv.conf');
    assert.deepEqual(mount(s, '/data')?.options, ['rbind', 'rprivate', 'rw']);
    assert.deepEqual(mount(s, '/config')?.options, ['rbind', 'rprivate', 'ro']);
    assert.deepEqual(mount(s, '/host')?.options, ['rbind', 'rslave', 'rw']);
    assert.equal(s.linux.rootfsPropagation, 'rslave');
    // Volumes come after the default mounts, so /dev/shm or /sys cannot hide them.
    const idx = (d: string) => s.mounts.findIndex((m) => m.destination === d);
    assert.ok(idx('/data') > idx('/sys'));
    const shared = spec({
      mounts: [{ containerPath: '/x', hostPath: '/x', propagation: 'rshared' }],
    });
    assert.equal(shared.linux.rootfsPropagation, 'rshared');
    assert.equal(spec().linux.rootfsPropagation, undefined);
  });

  it('turns millicores into shares and quota, and sets memory (and swap) limits', () => {
    assert.equal(milliCpuToShares(0), 2);
    assert.equal(milliCpuToShares(1), 2);
    assert.equal(milliCpuToShares(250), 256);
    assert.equal(milliCpuToShares(1000), 1024);
    assert.equal(milliCpuToQuota(500, 100000), 50000);
    assert.equal(milliCpuToQuota(1, 100000), 1000);
    const s = spec({
      resources: {
        cpuRequestMillis: 250,
        cpuLimitMillis: 500,
        memoryLimitBytes: 64 << 20,
        pidsLimit: 100,
      },
      cgroupParent: '/skiff/podX',
    });
    assert.deepEqual(s.linux.resources['cpu'], { shares: 256, quota: 50000, period: 100000 });
    assert.deepEqual(s.linux.resources['memory'], { limit: 64 << 20, swap: 64 << 20 });
    assert.deepEqual(s.linux.resources['pids'], { limit: 100 });
    assert.equal(s.linux.cgroupsPath, '/skiff/podX/abc');
    const noSwap = spec(
      { resources: { memoryLimitBytes: 1 << 20 } },
      { ...host, swapAccounting: false },
    );
    assert.deepEqual(noSwap.linux.resources['memory'], { limit: 1 << 20 });
    assert.equal(spec().linux.cgroupsPath, '/skiff/abc');
    assert.equal(spec().linux.resources['cpu'], undefined);
  });

  it('keeps the OOM score at or above our own without CAP_SYS_RESOURCE', () => {
    assert.equal(spec({ oomScoreAdj: -997 }).process.oomScoreAdj, -997);
    const h = { ...host, sysResource: false, oomScoreAdj: 0 };
    assert.equal(spec({ oomScoreAdj: -997 }, h).process.oomScoreAdj, 0);
    assert.equal(spec({ oomScoreAdj: 1000 }, h).process.oomScoreAdj, 1000);
    assert.equal(spec().process.oomScoreAdj, undefined);
  });

  it('carries rlimits, sysctls and annotations', () => {
    const s = spec({
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }],
      sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
      annotations: { 'io.kubernetes.pod.name': 'web' },
    });
    assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }]);
    assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ip_unprivileged_port_start': '0' });
    assert.deepEqual(s.annotations, { 'io.kubernetes.pod.name': 'web' });
  });
});
