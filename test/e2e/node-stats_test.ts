// End-to-end with the node agent: a running pod's usage read from the cgroup runc placed its
// container in (through the stats provider), and the Node's capacity and allocatable as a
// default kubelet reports them. Runs in the cluster's own network namespace (harness.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { createStatsProvider } from '../../src/agent/stats/index.js';
import { cgroupDir, readCgroupLayout } from '../../src/agent/stats/cgroup.js';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  E2E_NODE,
  hasKubectl,
  nodeSkipReason,
  ok,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

describe('node stats on a real node', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
  });
  after(() => c?.stop());

  test("a running pod's CPU and memory from its container's cgroup", async () => {
    ok(
      await kubectl(
        ['apply', '-f', '-'],
        `apiVersion: v1
kind: Pod
metadata:
  name: burner
  namespace: default
spec:
  containers:
  - name: burn
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "while :; do :; done"]
`,
      ),
    );
    const id = await until('burner running', async () => {
      const r = await kubectl([
        'get',
        'pod',
        'burner',
        '-o',
        'jsonpath={.status.phase} {.status.containerStatuses[0].containerID}',
      ]);
      const [phase, cid] = r.stdout.trim().split(' ');
      return phase === 'Running' && cid ? cid.replace(/^[a-z]+:\/\//, '') : undefined;
    });
    const uid = ok(await kubectl(['get', 'pod', 'burner', '-o', 'jsonpath={.metadata.uid}']));
    // The container's process, as its cgroup lists it (the runtime reports it to the agent).
    const layout = await readCgroupLayout();
    const tree = layout.version === 'v2' ? layout.unified : layout.memory!;
    const procs = readFileSync(join(cgroupDir(tree, `/skiff/${id}`), 'cgroup.procs'), 'utf8');
    const pid = Number(procs.split('\n')[0]);
    const stats = createStatsProvider({
      nodeName: E2E_NODE,
      housekeepingMs: 0,
      pods: () => [
        {
          name: 'burner',
          namespace: 'default',
          uid,
          containers: [{ name: 'burn', cgroupsPath: `/skiff/${id}`, pid }],
        },
      ],
    });
    await stats.summary();
    const s = await until('a CPU rate for the container', async () => {
      await new Promise((r) => setTimeout(r, 1100));
      const sum = await stats.summary();
      return sum.pods[0]?.containers[0]?.cpu?.usageNanoCores ? sum : undefined;
    });
    const ctr = s.pods[0]!.containers[0]!;
    assert.ok(ctr.cpu!.usageNanoCores! > 0.02e9, `${ctr.cpu!.usageNanoCores} nanocores`);
    assert.ok(ctr.memory!.workingSetBytes > 0);
    assert.ok(ctr.memory!.usageBytes >= ctr.memory!.workingSetBytes);
    // The pod's own network namespace: its eth0, counters inline as the kubelet reports them.
    const net = s.pods[0]!.network!;
    assert.equal(net.name, 'eth0');
    assert.deepEqual(
      net.interfaces.map((i) => i.name),
      ['eth0'],
    );
    assert.ok(typeof net.rxBytes === 'number');
    const text = await stats.resourceMetrics();
    assert.match(
      text,
      /^container_cpu_usage_seconds_total\{container="burn",namespace="default",pod="burner"\} \S+ \d{13}$/m,
    );
  });

  test("the Node's capacity and allocatable are the machine's, less the default eviction threshold", async () => {
    const out = ok(
      await kubectl([
        'get',
        'node',
        E2E_NODE,
        '-o',
        'jsonpath={.status.capacity}{"\\n"}{.status.allocatable}',
      ]),
    );
    const [capacity, allocatable] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    const memKi = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    assert.equal(capacity!['cpu'], String(cpus().length));
    assert.equal(capacity!['pods'], '110');
    const ki = (q: string) => {
      const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q)!;
      return (
        Number(m[1]) *
        ({ Ki: 1, Mi: 1024, Gi: 1024 * 1024 } as Record<string, number>)[m[2] ?? 'Ki']!
      );
    };
    assert.equal(ki(capacity!['memory']!), memKi);
    assert.ok(capacity!['ephemeral-storage']);
    assert.ok(capacity!['hugepages-2Mi'] !== undefined);
    const hugeKi = Object.entries(capacity!)
      .filter(([k]) => k.startsWith('hugepages-'))
      .reduce((a, [, v]) => a + (v === '0' ? 0 : ki(v)), 0);
    assert.equal(ki(allocatable!['memory']!), memKi - 100 * 1024 - hugeKi);
    assert.equal(allocatable!['cpu'], capacity!['cpu']);
    assert.ok(BigInt(allocatable!['ephemeral-storage']!.replace(/Ki$/, '')) > 0n);
  });
});
