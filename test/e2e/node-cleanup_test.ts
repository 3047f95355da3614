// End-to-end with the node agent: pods created and deleted faster than they start leave
// nothing behind. A pod deleted before any container of it started goes at once; a clean-up
// that fails does not take the server down (the agent retries until it succeeds); and after
// 100 pods came and went, `skiff down` leaves no container, monitor, mount, interface,
// network namespace or nftables table of Skiff's. Runs in the cluster's own network
// namespace (harness.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  inNetns,
  nodeSkipReason,
  ok,
  parseTable,
  runSkiff,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

/** An image no registry serves: the pod stays Pending (ErrImagePull, ImagePullBackOff). */
const ABSENT_IMAGE = 'skiff.test/absent:1';
/** A port in the node's namespace where a registry accepts connections and never answers. */
const SILENT_PORT = 5999;

// The container ends on SIGTERM (PID 1 ignores signals it has no handler for), so a pod
// deleted after it started takes moments, not its grace period. The grace period is long
// (10 minutes), so that "gone at once" and "waited out its grace period" cannot be confused
// on however busy a machine.
const pod = (name: string, group: string, image: string = IMAGES.busybox): string => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { group: ${group} }
spec:
  terminationGracePeriodSeconds: 600
  containers:
  - name: c
    image: ${image}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`;

/** Mount points at or under dir. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === dir || m.startsWith(dir + '/'));
}

/** Processes whose command line names the data dir (conmon, runc, the server). */
function processesNaming(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmd.includes(dir) && Number(pid) !== process.pid) out.push(`${pid}: ${cmd.trim()}`);
  }
  return out;
}

describe('the node leaves nothing behind', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, { timeoutMs: 150_000, ...(input === undefined ? {} : { input }) });
  const inNode = (cmd: string, args: string[]) => c.exec(cmd, args, { timeoutMs: 20_000 });
  const podNames = async (selector: string): Promise<Record<string, string>[]> =>
    parseTable(ok(await kubectl(['get', 'pods', '-l', selector])));
  const serverPid = (): number => Number(readFileSync(join(c.dataDir, 'skiff.pid'), 'utf8'));
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
  });

  after(() => {
    // Never leave an immutable file behind that would stop the data dir's removal.
    if (c) spawnSync('chattr', ['-R', '-i', join(c.dataDir, 'pods')], { timeout: 10_000 });
    c?.stop();
  });

  test('a pod deleted before any of its containers started goes at once', async () => {
    // Pending for good: its image cannot be pulled.
    ok(await kubectl(['apply', '-f', '-'], pod('never-pulled', 'pending', ABSENT_IMAGE)));
    await until(
      'the pull to fail',
      async () => {
        const r = parseTable(ok(await kubectl(['get', 'pod', 'never-pulled'])))[0];
        return /ErrImagePull|ImagePullBackOff/.test(r?.['STATUS'] ?? '') ? r : undefined;
      },
      30_000,
    );
    const watch = c.background(KUBECTL, [
      'get',
      'pod',
      'never-pulled',
      '-w',
      '--output-watch-events',
      '-o',
      'jsonpath={.type} {.object.status.phase} {.object.status.containerStatuses[0].state.terminated.reason}{"\\n"}',
    ]);
    await watch.waitFor(/Pending/);
    const t0 = Date.now();
    // kubectl waits for the object to be gone (its grace period is 600 s).
    ok(await kubectl(['delete', 'pod', 'never-pulled', '--timeout=120s']));
    const took = Date.now() - t0;
    assert.ok(took < 60_000, `a Pending pod took ${took} ms to go`);
    // As the kubelet does: a last status (the container never ran), then the deletion.
    await watch.waitFor(/DELETED/);
    const events = (await watch.stop()).stdout;
    assert.match(events, /MODIFIED Failed ContainerStatusUnknown\n(.*\n)*DELETED Failed/);

    // Deleted while it is being started: the agent is pulling its image from a registry
    // that accepts the connection and never answers (the pull would wait out its 30 s
    // idle timeout). The start is cancelled, and the object goes long before its grace period.
    const [cmd, args] = inNetns(c.netns, process.execPath, [
      '-e',
      `require('net').createServer(() => {}).listen(${SILENT_PORT}, '127.0.0.1', () => console.log('listening'))`,
    ]);
    const silent = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((res) => silent.stdout.once('data', res));
      const image = `127.0.0.1:${SILENT_PORT}/silent:1`;
      ok(await kubectl(['apply', '-f', '-'], pod('starting', 'starting', image)));
      await until(
        'the pull to start',
        async () => {
          const ev = ok(
            await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=starting']),
          );
          return /Pulling image/.test(ev) ? true : undefined;
        },
        30_000,
      );
      const t1 = Date.now();
      ok(await kubectl(['delete', 'pod', 'starting', '--timeout=120s']));
      const took = Date.now() - t1;
      assert.ok(took < 60_000, `a starting pod took ${took} ms to go`);
    } finally {
      silent.kill('SIGKILL');
    }

    // Created and deleted in one breath, a few times: whatever state each was in.
    for (let i = 0; i < 3; i++) {
      const name = `quick-${i}`;
      ok(await kubectl(['apply', '-f', '-'], pod(name, 'quick')));
      const t1 = Date.now();
      ok(await kubectl(['delete', 'pod', name, '--timeout=120s']));
      const took = Date.now() - t1;
      assert.ok(took < 60_000, `pod ${name} took ${took} ms to go`);
    }
  });

  test('a clean-up that fails does not stop the server; the agent retries until clean', async () => {
    ok(await kubectl(['apply', '-f', '-'], pod('stuck-dir', 'stuck')));
    const uid = await until(
      'stuck-dir Running',
      async () => {
        const out = ok(
          await kubectl([
            'get',
            'pod',
            'stuck-dir',
            '-o',
            'jsonpath={.status.phase} {.metadata.uid}',
          ]),
        );
        const [phase, uid] = out.split(' ');
        return phase === 'Running' ? uid : undefined;
      },
      60_000,
    );
    const podDir = join(c.dataDir, 'pods', uid!);
    // A file nobody may remove, not even root: the pod directory cannot be deleted.
    const pinned = join(podDir, 'hostname');
    assert.ok(existsSync(pinned), `${pinned} exists`);
    const pin = spawnSync('chattr', ['+i', pinned], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(pin.status, 0, pin.stderr);
    const pid = serverPid();
    try {
      // Gone from the API at once: the agent learns it from the watch, not from a grace period.
      ok(await kubectl(['delete', 'pod', 'stuck-dir', '--grace-period=0', '--force']));
      // The failure is reported, and retried.
      await until(
        'the failed clean-up to be logged twice',
        async () => {
          const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8');
          const lines = log
            .split('\n')
            .filter((l) => l.includes(uid!) && /clean-up failed/.test(l));
          return lines.length >= 2 ? lines : undefined;
        },
        30_000,
      );
      assert.ok(alive(pid), 'the server is still running');
      // The API keeps answering, writes included.
      ok(await kubectl(['create', 'configmap', 'still-serving', '--from-literal=a=b']));
      ok(await kubectl(['get', 'configmap', 'still-serving']));
      assert.ok(existsSync(podDir), 'the pod directory is still there');
    } finally {
      spawnSync('chattr', ['-i', pinned], { timeout: 10_000 });
    }
    await until(
      'the pod directory to be removed',
      async () => (existsSync(podDir) ? undefined : true),
      30_000,
    );
    assert.ok(alive(pid), 'the server is still running');
    assert.deepEqual(mountsUnder(podDir), []);
  });

  /** The pods still in the API, and what the node said of them, for a failure's message. */
  const whyPodsRemain = async (): Promise<string> => {
    const table = await kubectl([
      'get',
      'pods',
      '-o',
      'custom-columns=NAME:.metadata.name,PHASE:.status.phase,DELETING:.metadata.deletionTimestamp,GRACE:.metadata.deletionGracePeriodSeconds,FINALIZERS:.metadata.finalizers,NODE:.spec.nodeName,REASON:.status.containerStatuses[*].state.waiting.reason',
    ]);
    const names = parseTable(table.stdout).map((r) => r['NAME'] ?? '');
    const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8')
      .split('\n')
      .filter((l) => names.some((n) => n && l.includes(n)));
    return [table.stdout, table.stderr, ...log.slice(-40)].join('\n');
  };

  test('100 pods created and deleted in quick succession, then skiff down: nothing remains', async () => {
    const t0 = Date.now();
    // Pending pods (image never pulled) and pods that will run.
    const pending = Array.from({ length: 30 }, (_, i) =>
      pod(`pending-${i}`, 'mass-pending', ABSENT_IMAGE),
    );
    const running = Array.from({ length: 30 }, (_, i) => pod(`running-${i}`, 'mass-running'));
    ok(await kubectl(['create', '-f', '-'], [...pending, ...running].join('')));
    // Deleted mid-start: each batch is deleted right after it is created, every other one
    // at once (grace period 0, as client libraries' tests do), so the object is gone while
    // the agent is still starting the pod.
    for (let b = 0; b < 8; b++) {
      const batch = Array.from({ length: 5 }, (_, i) => pod(`mid-${b}-${i}`, `mass-mid-${b}`));
      ok(await kubectl(['create', '-f', '-'], batch.join('')));
      const now = b % 2 ? ['--grace-period=0', '--force'] : [];
      ok(await kubectl(['delete', 'pods', '-l', `group=mass-mid-${b}`, '--wait=false', ...now]));
    }
    // A replication controller deleted at once: its pods go as they are being made.
    ok(
      await kubectl(
        ['apply', '-f', '-'],
        `apiVersion: v1
kind: ReplicationController
metadata: { name: rc-at-once }
spec:
  replicas: 5
  selector: { app: rc-at-once }
  template:
    metadata: { labels: { app: rc-at-once } }
    spec:
      containers:
      - name: c
        image: ${IMAGES.busybox}
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`,
      ),
    );
    ok(await kubectl(['delete', 'rc', 'rc-at-once', '--wait=false']));
    // Deleted right after they run, as each one gets there.
    const left = new Set(Array.from({ length: 30 }, (_, i) => `running-${i}`));
    await until(
      'every running-N pod Running and deleted',
      async () => {
        const ready = (await podNames('group=mass-running'))
          .filter((r) => left.has(r['NAME'] ?? '') && r['STATUS'] === 'Running')
          .map((r) => r['NAME']!);
        if (ready.length) {
          const now = left.size % 2 ? ['--grace-period=0', '--force'] : [];
          ok(await kubectl(['delete', 'pods', '--wait=false', ...now, ...ready]));
          for (const n of ready) left.delete(n);
        }
        return left.size ? undefined : true;
      },
      90_000,
    );
    ok(await kubectl(['delete', 'pods', '-l', 'group=mass-pending', '--wait=false']));
    try {
      await until(
        'every pod gone from the API',
        async () => {
          const out = ok(await kubectl(['get', 'pods', '-o', 'name']));
          return out.trim() === '' ? true : undefined;
        },
        60_000,
      );
    } catch (e) {
      assert.fail(`${(e as Error).message}\n${await whyPodsRemain()}`);
    }
    const tookMs = Date.now() - t0;

    // The node goes down while it is busy: some pods run, some were just deleted and are
    // stopping, others are still starting.
    const late = Array.from({ length: 10 }, (_, i) => pod(`late-${i}`, 'late'));
    ok(await kubectl(['create', '-f', '-'], late.join('')));
    const runningLate = await until(
      'a few late-N pods Running',
      async () => {
        const names = (await podNames('group=late'))
          .filter((r) => r['STATUS'] === 'Running')
          .map((r) => r['NAME']!);
        return names.length >= 3 ? names : undefined;
      },
      60_000,
    );
    ok(await kubectl(['delete', 'pods', '--wait=false', ...runningLate.slice(0, 2)]));
    const down = runSkiff(['down', '--data-dir', c.dataDir], {}, c.netns);
    assert.equal(down.code, 0, `skiff down: ${down.stdout}${down.stderr}`);

    const netnsName = basename(c.netns!);
    const left2: string[] = [];
    // Processes: nothing runs in the node's namespace (skiff, conmon, the command runner)…
    const pids = spawnSync('ip', ['netns', 'pids', netnsName], { encoding: 'utf8' }).stdout;
    for (const p of pids.split('\n').filter(Boolean))
      left2.push(`process ${p} in the node namespace`);
    // …nor anywhere else naming the data dir.
    for (const p of processesNaming(c.dataDir)) left2.push(`process ${p}`);
    // Containers the OCI runtime still knows.
    const ociRoot = join(c.dataDir, 'runtime', 'oci');
    for (const id of existsSync(ociRoot) ? readdirSync(ociRoot) : [])
      left2.push(`runtime state ${id}`);
    // Mounts: root filesystems, IPC namespaces, /dev/shm, volumes, network namespaces.
    for (const m of mountsUnder(c.dataDir)) left2.push(`mount ${m}`);
    for (const sub of ['pods', join('network', 'netns'), join('runtime', 'containers')]) {
      const d = join(c.dataDir, sub);
      for (const e of existsSync(d) ? readdirSync(d) : []) left2.push(`${sub}/${e}`);
    }
    // Interfaces (only loopback was there before) and nftables tables.
    const links = ok(await inNode('ip', ['-o', 'link', 'show']), 'ip link');
    for (const l of links.split('\n').filter(Boolean))
      if (!/^\d+: lo:/.test(l)) left2.push(`interface ${l.split(':')[1]?.trim()}`);
    const tables = ok(await inNode('nft', ['list', 'tables']), 'nft list tables');
    for (const t of tables.split('\n').filter(Boolean)) left2.push(`nftables ${t}`);
    assert.deepEqual(left2, [], `left behind after skiff down (the pods took ${tookMs} ms)`);
    const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8');
    // Nothing reached the process's last line of defence, and no start raced a teardown.
    assert.doesNotMatch(log, /uncaught|unhandled/i);
    assert.doesNotMatch(log, /container start failed|EBUSY/);
  });
});
