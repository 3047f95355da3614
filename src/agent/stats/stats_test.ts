// Usage read from this machine: /proc for the node, this process's cgroup, and a child
// cgroup made for the test (removed after) holding a process that burns CPU and memory.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cgroupDir,
  cgroupLayout,
  parseProcCgroup,
  readCgroup,
  type CgroupLayout,
} from './cgroup.js';
import { nodeResources } from './capacity.js';
import {
  nodeSampleFrom,
  parseMeminfo,
  parseNetDev,
  parseProcStatCpu,
  readNodeSample,
} from './proc.js';
import { formatResourceMetrics, goFloat, type ResourceSample } from './prometheus.js';
import { createStatsProvider } from './provider.js';
import { statsPodsFrom } from './runtime-pods.js';

const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
const layout: CgroupLayout = cgroupLayout(mountinfo);
/** On a hybrid host, the unified tree beside the v1 controllers (its CPU accounting is v2's). */
const unifiedLines = mountinfo.split('\n').filter((l) => / - cgroup2 /.test(l));
const hybridV2: CgroupLayout | undefined =
  layout.version === 'v1' && unifiedLines.length
    ? cgroupLayout(unifiedLines.join('\n'))
    : undefined;

describe('the node from /proc', () => {
  it('reads busy CPU time, MemTotal and a working set below usage', async () => {
    const s = await readNodeSample();
    assert.equal(s.memTotal, totalmem());
    assert.ok(s.cpuNanos > 0);
    assert.ok(s.usageBytes > 0 && s.usageBytes <= s.memTotal);
    assert.ok(s.workingSetBytes <= s.usageBytes);
    assert.ok(s.pageFaults > 0);
    assert.ok(s.bootTime && s.bootTime.getTime() < Date.now());
    // Busy time only grows.
    const later = await readNodeSample();
    assert.ok(later.cpuNanos >= s.cpuNanos);
  });

  it('counts user+nice+system+irq+softirq+steal ticks of 10 ms, and usage minus inactive file', () => {
    assert.equal(parseProcStatCpu('cpu  100 2 30 999 5 1 1 1 0 0\ncpu0 1 1 1 1\n'), 135 * 1e7);
    const s = nodeSampleFrom(
      'cpu  1 0 0 0\nbtime 1700000000\n',
      'MemTotal: 1000 kB\nMemFree: 400 kB\nInactive(file): 100 kB\nAnonPages: 50 kB\n',
      'pgfault 7\npgmajfault 2\n',
    );
    assert.deepEqual(s, {
      cpuNanos: 1e7,
      memTotal: 1000 * 1024,
      usageBytes: 600 * 1024,
      workingSetBytes: 500 * 1024,
      rssBytes: 50 * 1024,
      pageFaults: 7,
      majorPageFaults: 2,
      bootTime: new Date(1_700_000_000_000),
    });
    assert.equal(parseMeminfo('HugePages_Total:       4\n').get('HugePages_Total'), 4);
    const dev = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 675 27 0 0 0 0 0 0 675 27 0 0 0 0 0 0',
      '  eth0: 1000 10 2 0 0 0 0 0 2000 20 3 0 0 0 0 0',
      'vethab12: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0',
    ].join('\n');
    assert.deepEqual(parseNetDev(dev), [
      { name: 'eth0', rxBytes: 1000, rxErrors: 2, txBytes: 2000, txErrors: 3 },
    ]);
  });
});

describe('cgroups', () => {
  it('finds the hierarchies the runtime places containers in', () => {
    const v2 = cgroupLayout('30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n');
    assert.deepEqual(v2, { version: 'v2', unified: { mount: '/sys/fs/cgroup', root: '/' } });
    const hybrid = cgroupLayout(
      [
        '33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct',
        '35 31 0:32 /x /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
        '41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw',
      ].join('\n'),
    );
    assert.equal(hybrid.version, 'v1');
    if (hybrid.version !== 'v1') return;
    assert.equal(hybrid.cpuacct?.mount, '/sys/fs/cgroup/cpu,cpuacct');
    // A mount rooted at /x (a cgroup namespace) shows /x/pod at its top's pod.
    assert.equal(cgroupDir(hybrid.memory!, '/x/pod'), '/sys/fs/cgroup/memory/pod');
    assert.equal(cgroupDir(hybrid.memory!, '/skiff/c'), '/sys/fs/cgroup/memory/skiff/c');
  });

  it("reads this process's own cgroup", async () => {
    const own = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
    const paths =
      layout.version === 'v2'
        ? own.get('')!
        : { cpu: own.get('cpuacct') ?? '/', memory: own.get('memory') ?? '/' };
    const s = await readCgroup(layout, paths);
    assert.ok((s.cpuNanos ?? 0) > 0, 'cumulative CPU');
    assert.ok(s.memory && s.memory.usageBytes > 0, 'memory usage');
    assert.ok(s.memory.workingSetBytes <= s.memory.usageBytes);
    // This process's own resident memory is part of its cgroup's.
    assert.ok(s.memory.usageBytes >= process.memoryUsage().rss / 2);
  });

  it('reads nothing for a cgroup that does not exist', async () => {
    assert.deepEqual(await readCgroup(layout, '/skiff-no-such-cgroup'), {});
  });
});

/** A cgroup of our own for a burning child, on each hierarchy we read; removed after. */
describe('a container cgroup with a busy process', () => {
  const name = `/skiff-stats-test-${process.pid}`;
  const dirs =
    layout.version === 'v2'
      ? [cgroupDir(layout.unified, name)]
      : [layout.cpuacct, layout.memory, hybridV2?.version === 'v2' ? hybridV2.unified : undefined]
          .filter((h) => !!h)
          .map((h) => cgroupDir(h, name));
  let child: ChildProcess | undefined;
  let skip: string | false = false;

  before(() => {
    try {
      for (const d of dirs) mkdirSync(d);
    } catch (e) {
      skip = `cannot create a cgroup: ${String(e)}`;
      return;
    }
    // 64 MiB touched, then a busy loop.
    child = spawn(
      process.execPath,
      ['-e', 'const b = Buffer.alloc(64 * 1024 * 1024, 1); for (;;) { b[0]++; }'],
      { stdio: 'ignore' },
    );
    for (const d of dirs) writeFileSync(join(d, 'cgroup.procs'), String(child.pid));
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    for (const d of dirs) if (existsSync(d)) rmdirSync(d);
  });

  it('reports its CPU rate, working set and the pod as the sum, in the Summary and the text', async (t) => {
    if (skip) return t.skip(skip);
    const pods = () => [
      {
        name: 'burner',
        namespace: 'stats',
        uid: 'u-1',
        startTime: new Date('2026-01-01T00:00:00Z'),
        containers: [
          {
            name: 'main',
            cgroupsPath: name,
            startTime: new Date('2026-01-01T00:00:01Z'),
            ...(child?.pid ? { pid: child.pid } : {}),
          },
        ],
      },
    ];
    const provider = createStatsProvider({
      nodeName: 'n1',
      pods,
      dataDir: '/',
      housekeepingMs: 0,
      layout,
    });
    // Wait until the child holds its memory and has burnt a little CPU.
    for (let i = 0; i < 100; i++) {
      const s = await readCgroup(layout, name);
      if ((s.memory?.workingSetBytes ?? 0) >= 64 * 1024 * 1024 && (s.cpuNanos ?? 0) > 2e8) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await provider.summary();
    await new Promise((r) => setTimeout(r, 1200));
    const s = await provider.summary();
    assert.equal(s.node.nodeName, 'n1');
    assert.ok(s.node.cpu?.usageNanoCores !== undefined && s.node.cpu.usageNanoCores > 0);
    assert.ok((s.node.memory?.availableBytes ?? 0) > 0);
    assert.ok((s.node.fs?.capacityBytes ?? 0) > 0);
    const pod = s.pods[0]!;
    assert.deepEqual(pod.podRef, { name: 'burner', namespace: 'stats', uid: 'u-1' });
    assert.equal(pod.startTime, '2026-01-01T00:00:00Z');
    const c = pod.containers[0]!;
    assert.equal(c.name, 'main');
    assert.equal(c.startTime, '2026-01-01T00:00:01Z');
    assert.match(c.cpu!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // A busy loop runs on up to one core (less on a machine shared with other work).
    const nanoCores = c.cpu!.usageNanoCores!;
    assert.ok(nanoCores > 0.02e9 && nanoCores <= 1.1e9, `${nanoCores} nanocores`);
    assert.ok(nanoCores <= s.node.cpu.usageNanoCores * 1.1, 'within the node');
    assert.ok(c.memory!.workingSetBytes >= 64 * 1024 * 1024);
    assert.equal(pod.cpu!.usageCoreNanoSeconds, c.cpu!.usageCoreNanoSeconds);
    assert.equal(pod.memory!.workingSetBytes, c.memory!.workingSetBytes);
    // The pod's network is that of its process's namespace (here the test's own), loopback left out.
    assert.ok(pod.network && s.node.network);
    assert.deepEqual(
      pod.network.interfaces.map((i) => i.name),
      s.node.network.interfaces.map((i) => i.name),
    );
    assert.ok(!pod.network.interfaces.some((i) => i.name === 'lo'));

    const text = await provider.resourceMetrics();
    const series = text.split('\n').filter((l) => l && !l.startsWith('#'));
    const line = series.find((l) =>
      l.startsWith(
        'container_cpu_usage_seconds_total{container="main",namespace="stats",pod="burner"} ',
      ),
    );
    assert.ok(line, text);
    const [, value, ts] = line.split(' ');
    assert.ok(Number(value) > 0.2);
    assert.match(ts!, /^\d{13}$/);
    assert.ok(
      series.includes(
        'container_start_time_seconds{container="main",namespace="stats",pod="burner"} 1.767225601e+09',
      ),
    );
    assert.ok(series.includes('resource_scrape_error 0'));
  });

  it('reads the same CPU time through the unified tree (cgroup v2 cpu.stat)', async (t) => {
    if (skip) return t.skip(skip);
    if (layout.version === 'v2') return; // the test above read v2 already
    if (!hybridV2) return t.skip('no cgroup2 mount beside the v1 controllers');
    const v1 = await readCgroup(layout, name);
    const v2 = await readCgroup(hybridV2, name);
    const v1After = await readCgroup(layout, name);
    assert.ok(v2.cpuNanos !== undefined && v2.cpuNanos > 0);
    // Read between two v1 readings (the moves into each tree were moments apart).
    assert.ok(v2.cpuNanos >= v1.cpuNanos! - 5e7 && v2.cpuNanos <= v1After.cpuNanos! + 5e7);
  });
});

describe('/metrics/resource text', () => {
  it('is the kubelet exposition: families by name, HELP/TYPE, Go floats, ms timestamps', () => {
    const t1 = new Date(1_700_000_000_123);
    const sample: ResourceSample = {
      node: {
        cpu: { usageCoreNanoSeconds: 170_560_227_000, time: t1 },
        memory: { workingSetBytes: 662_106_112, time: t1 },
      },
      pods: [
        {
          name: 'web',
          namespace: 'default',
          cpu: { usageCoreNanoSeconds: 8_545_514_000, time: t1 },
          memory: { workingSetBytes: 15_900_672, time: t1 },
          containers: [
            {
              name: 'nginx',
              startTime: new Date(1_699_999_000_500),
              cpu: { usageCoreNanoSeconds: 8_534_338_000, time: t1 },
              memory: { workingSetBytes: 15_659_008, time: t1 },
            },
          ],
        },
      ],
    };
    assert.equal(
      formatResourceMetrics(sample),
      [
        '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
        '# TYPE container_cpu_usage_seconds_total counter',
        'container_cpu_usage_seconds_total{container="nginx",namespace="default",pod="web"} 8.534338 1700000000123',
        '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
        '# TYPE container_memory_working_set_bytes gauge',
        'container_memory_working_set_bytes{container="nginx",namespace="default",pod="web"} 1.5659008e+07 1700000000123',
        '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
        '# TYPE container_start_time_seconds gauge',
        'container_start_time_seconds{container="nginx",namespace="default",pod="web"} 1.6999990005e+09',
        '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
        '# TYPE node_cpu_usage_seconds_total counter',
        'node_cpu_usage_seconds_total 170.560227 1700000000123',
        '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
        '# TYPE node_memory_working_set_bytes gauge',
        'node_memory_working_set_bytes 6.62106112e+08 1700000000123',
        '# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds',
        '# TYPE pod_cpu_usage_seconds_total counter',
        'pod_cpu_usage_seconds_total{namespace="default",pod="web"} 8.545514 1700000000123',
        '# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes',
        '# TYPE pod_memory_working_set_bytes gauge',
        'pod_memory_working_set_bytes{namespace="default",pod="web"} 1.5900672e+07 1700000000123',
        '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE resource_scrape_error gauge',
        'resource_scrape_error 0',
        '',
      ].join('\n'),
    );
  });

  it('reports a failed read as resource_scrape_error 1 alone', () => {
    assert.equal(
      formatResourceMetrics(undefined, true),
      '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 1\n',
    );
  });

  it('prints floats as Go does', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [1, '1'],
      [123456, '123456'],
      [1e6, '1e+06'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e21, '1.5e+21'],
      [170.560227, '170.560227'],
    ];
    for (const [v, want] of cases) assert.equal(goFloat(v), want, String(v));
  });
});

describe('capacity and allocatable', () => {
  it('subtracts the default hard eviction thresholds and huge pages, as a default kubelet', () => {
    const r = nodeResources({
      cpus: 4,
      memoryBytes: 16_384_000n * 1024n,
      ephemeralStorageBytes: 101_430_960n * 1024n,
      hugePages: new Map([
        [2n * 1024n * 1024n, 4n * 1024n * 1024n],
        [1024n * 1024n * 1024n, 0n],
      ]),
    });
    assert.deepEqual(r.capacity, {
      cpu: '4',
      'ephemeral-storage': '101430960Ki',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '4Mi',
      memory: '16000Mi',
      pods: '110',
    });
    assert.deepEqual(r.allocatable, {
      cpu: '4',
      // 103865303040 − int64(103865303040 × float32(0.1))
      'ephemeral-storage': '93478772582',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '4Mi',
      // 16000Mi − 100Mi − 4Mi
      memory: '15896Mi',
      pods: '110',
    });
  });
});

describe('pods from the runtime', () => {
  it('groups running containers by pod, each at <parent>/<id>', () => {
    const status = (id: string, pod: string, ctr: string, state: 'running' | 'exited') => ({
      id,
      state,
      createdAt: new Date(0),
      startedAt: new Date(1000),
      logPath: '',
      annotations: {},
      labels: {
        'skiff.pod.uid': `uid-${pod}`,
        'skiff.pod.name': pod,
        'skiff.pod.namespace': 'ns',
        'skiff.container.name': ctr,
      },
    });
    const pods = statsPodsFrom(
      [
        status('uid-a_c1_0', 'a', 'c1', 'exited'),
        status('uid-a_c1_1', 'a', 'c1', 'running'),
        status('uid-a_c2_0', 'a', 'c2', 'running'),
        status('uid-b_c_0', 'b', 'c', 'exited'),
      ],
      (uid) => (uid === 'uid-a' ? new Date(500) : undefined),
    );
    assert.deepEqual(pods, [
      {
        uid: 'uid-a',
        name: 'a',
        namespace: 'ns',
        startTime: new Date(500),
        containers: [
          { name: 'c1', cgroupsPath: '/skiff/uid-a_c1_1', startTime: new Date(1000) },
          { name: 'c2', cgroupsPath: '/skiff/uid-a_c2_0', startTime: new Date(1000) },
        ],
      },
    ]);
  });
});
