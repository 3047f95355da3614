// Real containers: needs root, an OCI runtime (runc or crun), conmon and a static busybox.
// Every container runs in a network namespace this test creates, never the host's.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createCommandRunner } from '../runner/index.js';
import { recordingRunner } from '../../../test/support/command-runner.js';
import { createRuntime } from './runtime.js';
import {
  containerTestSkipReason,
  createTestNetns,
  makeBusyboxLayer,
  removeCgroupParent,
  type TestNetns,
} from '../../../test/support/agent-runtime.js';
import type { ContainerConfig, ContainerRuntime, ContainerStatus, ExecSession } from './types.js';

const run = promisify(execFile);
const skip = containerTestSkipReason();
const CHILD = fileURLToPath(
  new URL('../../../test/support/agent-runtime-child.ts', import.meta.url),
);
const CGROUP_PARENT = `/skiff-test-${process.pid}`;
// The runtimes' runner: a real one, recording every command that goes through it.
const runner = recordingRunner(createCommandRunner());
after(() => runner.close());

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(dir));
}

async function collect(it: AsyncIterable<Buffer>): Promise<string> {
  let s = '';
  for await (const b of it) s += b.toString();
  return s;
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  let s = '';
  for await (const b of stream) s += b.toString();
  return s;
}

describe('container runtime', { skip, timeout: 180_000 }, () => {
  let base: string;
  let layer: string;
  let ns: TestNetns;
  let rt: ContainerRuntime;
  let n = 0;

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'skiff-runtime-'));
    layer = makeBusyboxLayer(join(base, 'layer'));
    ns = createTestNetns();
    rt = await createRuntime({
      commandRunner: runner,
      dataDir: join(base, 'data'),
      cgroupParent: CGROUP_PARENT,
      pollMs: 200,
    });
  });

  after(async () => {
    try {
      if (rt) {
        for (const s of await rt.list()) await rt.delete(s.id);
        rt.close();
      }
      ns?.remove();
      removeCgroupParent(CGROUP_PARENT);
      if (base) {
        assert.deepEqual(mountsUnder(base), [], 'no mounts left behind');
        rmSync(base, { recursive: true, force: true });
      }
    } finally {
      ns?.remove();
    }
  });

  function config(args: string[], over: Partial<ContainerConfig> = {}): ContainerConfig {
    const id = `t${process.pid}-${n++}`;
    return {
      id,
      layers: [layer],
      process: { args },
      namespaces: { network: ns.path },
      hostname: id,
      log: { dir: join(base, 'logs', id), attempt: 0 },
      ...over,
    };
  }

  async function runToEnd(
    c: ContainerConfig,
    r = rt,
  ): Promise<{ status: ContainerStatus; log: string; raw: string }> {
    await r.create(c);
    await r.start(c.id);
    const status = await within(r.wait(c.id), 20_000, `container ${c.id}`);
    const log = await collect(r.logs(c.log.dir));
    const raw = readFileSync(status.logPath, 'utf8');
    await r.delete(c.id);
    return { status, log, raw };
  }

  it('detects a working runtime', () => {
    assert.match(rt.info.name, /^(runc|crun)$/);
    assert.match(rt.info.version, /^\d+\.\d+/);
    assert.equal(rt.info.runtimeVersion, `${rt.info.name}://${rt.info.version}`);
  });

  it('runs its mounts and OCI commands through the runner it is given', async () => {
    const c = config(['true']);
    const from = runner.commands.length;
    await runToEnd(c);
    const ran = runner.commands.slice(from);
    const rootfs = join(base, 'data', 'containers', c.id, 'rootfs');
    const mount = ran.find((a) => a[0] === 'mount' && a.at(-1) === rootfs);
    assert.deepEqual(mount?.slice(0, 4), ['mount', '-t', 'overlay', 'overlay']);
    const oci = ran.filter((a) => a[0] === rt.info.path).map((a) => a.slice(2));
    assert.ok(
      oci.some((a) => a.join(' ') === `start ${c.id}`),
      JSON.stringify(oci),
    );
    assert.ok(
      ran.some((a) => a[0] === 'umount' && a.at(-1) === rootfs),
      JSON.stringify(ran),
    );
  });

  it('runs busybox echo and writes its output to a CRI log', async () => {
    const c = config(['echo', 'hello from skiff']);
    const { status, log, raw } = await runToEnd(c);
    assert.equal(status.state, 'exited');
    assert.equal(status.exitCode, 0);
    assert.equal(status.reason, 'Completed');
    assert.ok(status.startedAt && status.finishedAt && status.finishedAt >= status.startedAt);
    assert.equal(log, 'hello from skiff\n');
    assert.match(
      raw,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) stdout F hello from skiff\n$/,
    );
    assert.equal(status.logPath, join(c.log.dir, '0.log'));
  });

  it('reports exit codes, stdout and stderr apart', async () => {
    const { status, raw } = await runToEnd(config(['sh', '-c', 'echo out; echo oops >&2; exit 3']));
    assert.equal(status.exitCode, 3);
    assert.equal(status.reason, 'Error');
    assert.match(raw, / stdout F out\n/);
    assert.match(raw, / stderr F oops\n/);
  });

  it('passes args, env, working directory and hostname', async () => {
    const c = config(['sh', '-c', 'echo "$GREETING|$1|$2|$(pwd)|$(hostname)"', 'sh', 'a b', 'c'], {
      process: { args: [], env: ['GREETING=hi there'], cwd: '/tmp' },
    });
    c.process.args = ['sh', '-c', 'echo "$GREETING|$1|$2|$(pwd)|$(hostname)"', 'sh', 'a b', 'c'];
    const { log } = await runToEnd(c);
    assert.equal(log, `hi there|a b|c|/tmp|${c.id}\n`);
  });

  it('runs as the given user with supplementary groups', async () => {
    const c = config(['sh', '-c', 'echo "$(id -u) $(id -g) $(id -G)"']);
    c.process.uid = 1234;
    c.process.gid = 2345;
    c.process.additionalGids = [3456, 4567];
    const { log } = await runToEnd(c);
    const [uid, gid, ...groups] = log.trim().split(/\s+/);
    assert.equal(uid, '1234');
    assert.equal(gid, '2345');
    assert.ok(groups.includes('3456') && groups.includes('4567'), log);
  });

  it('runs in the given network namespace, not the host one', async () => {
    const { log } = await runToEnd(config(['sh', '-c', 'ls /sys/class/net']));
    assert.deepEqual(log.trim().split(/\s+/), ['lo']);
  });

  it('binds volumes, the pod /dev/shm and /etc files; honours a read-only root', async () => {
    const vol = join(base, 'vol-rw');
    const cfg = join(base, 'vol-ro');
    const shm = join(base, 'shm');
    for (const d of [vol, cfg, shm]) mkdirSync(d, { recursive: true });
    writeFileSync(join(cfg, 'setting'), 'blue\n');
    const hosts = join(base, 'hosts');
    writeFileSync(hosts, '10.244.0.5\tweb-0\n');
    const script = [
      'echo written > /data/out',
      'cat /config/setting',
      '(echo nope > /config/x) 2>/dev/null || echo ro-volume',
      'touch /rootfile 2>/dev/null || echo ro-root',
      'echo shared > /dev/shm/seg',
      'cat /etc/hosts',
    ].join('; ');
    const c = config(['sh', '-c', script], {
      readOnlyRootfs: true,
      shmPath: shm,
      etcHosts: hosts,
      mounts: [
        { containerPath: '/data', hostPath: vol },
        { containerPath: '/config', hostPath: cfg, readOnly: true },
      ],
    });
    const { status, log } = await runToEnd(c);
    assert.equal(status.exitCode, 0, log);
    assert.equal(log, 'blue\nro-volume\nro-root\n10.244.0.5\tweb-0\n');
    assert.equal(readFileSync(join(vol, 'out'), 'utf8'), 'written\n');
    assert.equal(readFileSync(join(shm, 'seg'), 'utf8'), 'shared\n');
  });

  it('gives default capabilities, all of ours when privileged', async () => {
    const read = 'grep CapEff /proc/self/status';
    const plain = await runToEnd(config(['sh', '-c', read]));
    // The 14 default capabilities.
    assert.match(plain.log, /CapEff:\s+00000000a80425fb/);
    const priv = await runToEnd(config(['sh', '-c', read], { privileged: true }));
    const ours = /CapBnd:\s+([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    assert.match(priv.log, new RegExp(`CapEff:\\s+${ours}`));
  });

  it('runs a container on a terminal', async () => {
    const c = config(['sh', '-c', 'tty; echo on a tty']);
    c.process.terminal = true;
    const { status, log } = await runToEnd(c);
    assert.equal(status.exitCode, 0);
    assert.match(log, /\/dev\/pts\/\d+\r?\non a tty/);
  });

  it('explains which package to install when no runtime works', async () => {
    const { detectRuntime, RuntimeUnavailableError } = await import('./detect.js');
    const { detectHost } = await import('./host.js');
    await assert.rejects(
      detectRuntime({
        host: detectHost(),
        cgroupParent: CGROUP_PARENT,
        candidates: ['no-such-runtime'],
      }),
      (err: Error) =>
        err instanceof RuntimeUnavailableError &&
        /no-such-runtime: not installed/.test(err.message) &&
        /apt-get install/.test(err.message),
    );
  });

  it('enforces a memory limit: a process allocating beyond it is OOM-killed', async () => {
    const c = config(
      ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\000" a); echo survived ${#x}'],
      {
        resources: { memoryLimitBytes: 32 << 20 },
      },
    );
    const { status, log } = await runToEnd(c);
    assert.equal(status.exitCode, 137, log);
    assert.equal(status.oomKilled, true);
    assert.equal(status.reason, 'OOMKilled');
    assert.doesNotMatch(log, /survived/);
  });

  it('stops with SIGTERM when the process handles it', async () => {
    const c = config([
      'sh',
      '-c',
      'trap "echo got TERM; exit 0" TERM; echo ready; while true; do sleep 0.1; done',
    ]);
    await rt.create(c);
    await rt.start(c.id);
    await waitForLog(rt, c, 'ready');
    const t0 = Date.now();
    const s = await rt.stop(c.id, 10);
    assert.ok(Date.now() - t0 < 5000, 'did not wait for the grace period');
    assert.equal(s.exitCode, 0);
    assert.match(await collect(rt.logs(c.log.dir)), /got TERM/);
    await rt.delete(c.id);
  });

  it('sends SIGKILL after the grace period when SIGTERM is ignored', async () => {
    // A pid-namespace init without a TERM handler ignores SIGTERM.
    const c = config(['sh', '-c', 'echo ready; while true; do sleep 0.1; done']);
    await rt.create(c);
    await rt.start(c.id);
    await waitForLog(rt, c, 'ready');
    const t0 = Date.now();
    const s = await rt.stop(c.id, 1);
    const took = Date.now() - t0;
    assert.ok(took >= 1000 && took < 8000, `took ${took} ms`);
    assert.equal(s.exitCode, 137);
    assert.equal(s.reason, 'Error');
    await rt.delete(c.id);
  });

  it('fails to create a container whose command does not exist, leaving nothing behind', async () => {
    const c = config(['/no/such/binary']);
    await assert.rejects(async () => {
      await rt.create(c);
      await rt.start(c.id);
    }, /no such file|not found/i);
    if (await rt.status(c.id)) await rt.delete(c.id);
    assert.equal(await rt.status(c.id), undefined);
    assert.deepEqual(mountsUnder(join(base, 'data', 'containers', c.id)), []);
  });

  describe('exec', () => {
    let c: ContainerConfig;
    before(async () => {
      c = config(['sh', '-c', 'while true; do sleep 1; done'], {
        process: { args: [], env: ['FROM_CONTAINER=yes'] },
      });
      c.process.args = ['sh', '-c', 'while true; do sleep 1; done'];
      await rt.create(c);
      await rt.start(c.id);
    });
    after(async () => {
      if (c && (await rt.status(c.id))) await rt.delete(c.id);
    });

    it('runs a process with separate streams and returns its exit code', async () => {
      const x = await rt.exec(c.id, {
        args: ['sh', '-c', 'echo "out $FROM_CONTAINER $EXTRA"; echo err >&2; exit 7'],
        env: ['EXTRA=added'],
      });
      const [out, err, exit] = await within(
        Promise.all([readAll(x.stdout), readAll(x.stderr), x.exit]),
        10_000,
        'exec',
      );
      assert.equal(out, 'out yes added\n');
      assert.equal(err, 'err\n');
      assert.equal(exit.exitCode, 7);
    });

    it('feeds stdin', async () => {
      const x = await rt.exec(c.id, { args: ['cat'], stdin: true });
      x.stdin?.end('piped in\n');
      const [out, exit] = await within(Promise.all([readAll(x.stdout), x.exit]), 10_000, 'exec');
      assert.equal(out, 'piped in\n');
      assert.equal(exit.exitCode, 0);
    });

    it('runs with a tty of the asked size, and resizes it', async () => {
      const x: ExecSession = await rt.exec(c.id, {
        args: ['sh', '-c', 'stty size; read line; stty size'],
        tty: true,
        stdin: true,
        size: { width: 100, height: 40 },
      });
      assert.equal(x.stderr, undefined);
      let out = '';
      x.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await within(
        (async () => {
          while (!out.includes('40 100')) await sleep(20);
        })(),
        10_000,
        `first size, got ${JSON.stringify(out)}`,
      );
      await x.resize({ width: 90, height: 30 });
      x.stdin?.write('\n');
      const exit = await within(x.exit, 10_000, 'tty exec');
      assert.match(out, /30 90/);
      assert.equal(exit.exitCode, 0);
    });

    it('reports a command that cannot start', async () => {
      const x = await rt.exec(c.id, { args: ['/no/such/thing'] });
      const [, , exit] = await within(
        Promise.all([readAll(x.stdout), readAll(x.stderr), x.exit]),
        10_000,
        'exec',
      );
      assert.notEqual(exit.exitCode, 0);
    });

    it('refuses to exec in a container that is not running', async () => {
      const d = config(['true']);
      await rt.create(d);
      await rt.start(d.id);
      await within(rt.wait(d.id), 10_000, 'wait');
      await assert.rejects(rt.exec(d.id, { args: ['true'] }), /not running/);
      await rt.delete(d.id);
    });
  });

  describe('logs', () => {
    it('follows a running container until it exits', async () => {
      const c = config(['sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done']);
      await rt.create(c);
      await rt.start(c.id);
      const got = await within(collect(rt.logs(c.log.dir, { follow: true })), 20_000, 'follow');
      assert.equal(got, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
      const s = await rt.status(c.id);
      assert.equal(s?.state, 'exited');
      await rt.delete(c.id);
      // The log outlives the container.
      assert.equal(await collect(rt.logs(c.log.dir, { tailLines: 2 })), 'line 4\nline 5\n');
    });

    it('tails lines, not the records conmon cut them into', async () => {
      const c = config(['seq', '1', '200000']);
      const { log, raw } = await runToEnd(c);
      assert.equal(log.split('\n').length, 200_001);
      // conmon writes a P record wherever a read of the pipe ended mid-line
      assert.match(raw, /^\S+ stdout P \d+$/m);
      for (const tail of [1000, 20_000]) {
        const want = Array.from({ length: tail }, (_, i) => `${200_001 - tail + i}\n`).join('');
        assert.equal(await collect(rt.logs(c.log.dir, { tailLines: tail })), want, `tail ${tail}`);
      }
    });

    it('serves the previous attempt, tail, timestamps and since', async () => {
      const dir = join(base, 'logs', 'attempts');
      const first = config(['sh', '-c', 'echo attempt zero; echo second line'], {
        log: { dir, attempt: 0 },
      });
      await runToEnd(first);
      const mid = new Date();
      await sleep(20);
      const second = config(['echo', 'attempt one'], { log: { dir, attempt: 1 } });
      await runToEnd(second);
      assert.equal(await collect(rt.logs(dir)), 'attempt one\n');
      assert.equal(await collect(rt.logs(dir, { previous: true })), 'attempt zero\nsecond line\n');
      assert.equal(await collect(rt.logs(dir, { previous: true, tailLines: 1 })), 'second line\n');
      assert.match(
        await collect(rt.logs(dir, { timestamps: true })),
        /^\d{4}-\d\d-\d\dT[\d:]{8}\.\d{9}Z attempt one\n$/,
      );
      assert.equal(await collect(rt.logs(dir, { previous: true, sinceTime: mid })), '');
      // A follow on a finished attempt ends at once.
      assert.equal(
        await within(collect(rt.logs(dir, { follow: true })), 5000, 'follow'),
        'attempt one\n',
      );
    });
  });

  describe('re-adoption', () => {
    let data2: string;
    let rt2: ContainerRuntime | undefined;
    before(() => {
      data2 = join(base, 'data2');
    });
    after(async () => {
      const r =
        rt2 ??
        (await createRuntime({
          commandRunner: runner,
          dataDir: data2,
          cgroupParent: CGROUP_PARENT,
        }));
      for (const s of await r.list()) await r.delete(s.id);
      r.close();
    });

    async function createInChild(c: ContainerConfig): Promise<{ pid: number }> {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', CHILD, data2, JSON.stringify(c), CGROUP_PARENT],
        {
          cwd: process.cwd(),
          timeout: 60_000,
        },
      );
      return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { pid: number };
    }

    it('keeps a container running after the process that created it exits, and adopts it', async () => {
      const c = config([
        'sh',
        '-c',
        'trap "echo bye; exit 0" TERM; echo hello; while true; do sleep 0.1; done',
      ]);
      const { pid } = await createInChild(c);
      assert.ok(pid > 0);
      await sleep(300);
      // The creator is gone; the container is not.
      process.kill(pid, 0);
      rt2 = await createRuntime({
        commandRunner: runner,
        dataDir: data2,
        cgroupParent: CGROUP_PARENT,
        pollMs: 200,
      });
      const s = await rt2.status(c.id);
      assert.equal(s?.state, 'running');
      assert.equal(s?.pid, pid);
      const x = await rt2.exec(c.id, { args: ['echo', 'adopted'] });
      assert.equal(await readAll(x.stdout), 'adopted\n');
      assert.equal((await x.exit).exitCode, 0);
      const stopped = await rt2.stop(c.id, 10);
      assert.equal(stopped.exitCode, 0);
      assert.equal(await collect(rt2.logs(c.log.dir)), 'hello\nbye\n');
      await rt2.delete(c.id);
    });

    it('learns the exit code and time of a container that ended while no agent ran', async () => {
      rt2?.close();
      rt2 = undefined;
      const c = config(['sh', '-c', 'sleep 0.5; exit 42']);
      await createInChild(c);
      await sleep(1500);
      const before = Date.now();
      rt2 = await createRuntime({
        commandRunner: runner,
        dataDir: data2,
        cgroupParent: CGROUP_PARENT,
        pollMs: 200,
      });
      const s = await rt2.status(c.id);
      assert.equal(s?.state, 'exited');
      assert.equal(s?.exitCode, 42);
      assert.ok(
        s?.finishedAt &&
          s.finishedAt.getTime() < before &&
          s.startedAt &&
          s.finishedAt > s.startedAt,
      );
      await rt2.delete(c.id);
      assert.ok(!existsSync(join(data2, 'containers', c.id)));
    });

    it('announces exits to waiters and event subscribers', async () => {
      const r = rt2 as ContainerRuntime;
      const ac = new AbortController();
      const events: string[] = [];
      const seen = (async () => {
        for await (const e of r.events(ac.signal)) {
          events.push(`${e.type}:${e.status.id}`);
          if (e.type === 'exited') ac.abort();
        }
      })();
      const c = config(['sh', '-c', 'sleep 0.3; exit 5']);
      await r.create(c);
      await r.start(c.id);
      const s = await within(r.wait(c.id), 10_000, 'wait');
      assert.equal(s.exitCode, 5);
      await within(seen, 10_000, 'events');
      assert.deepEqual(events, [`started:${c.id}`, `exited:${c.id}`]);
      await r.delete(c.id);
    });
  });

  it('deletes a running container with its mounts, state and cgroup', async () => {
    const c = config(['sh', '-c', 'while true; do sleep 1; done']);
    await rt.create(c);
    await rt.start(c.id);
    const dir = join(base, 'data', 'containers', c.id);
    assert.equal(mountsUnder(dir).length, 1);
    await rt.delete(c.id);
    assert.deepEqual(mountsUnder(dir), []);
    assert.ok(!existsSync(dir));
    assert.equal(await rt.status(c.id), undefined);
    assert.ok(!readdirSync(join(base, 'data', 'exits')).includes(c.id));
    assert.ok(!existsSync(`/sys/fs/cgroup/memory${CGROUP_PARENT}/${c.id}`));
  });
});

async function waitForLog(rt: ContainerRuntime, c: ContainerConfig, text: string): Promise<void> {
  await within(
    (async () => {
      for (;;) {
        const s = await collect(rt.logs(c.log.dir)).catch(() => '');
        if (s.includes(text)) return;
        await sleep(50);
      }
    })(),
    10_000,
    `log "${text}"`,
  );
}
