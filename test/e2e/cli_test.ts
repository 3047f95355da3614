// The `skiff` command contract: up (detached and foreground), down, status, kubeconfig,
// restart on the same data dir, --merge-kubeconfig, SKIFF_DATA_DIR, usage errors.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  curl,
  hasKubectl,
  kubectlPath,
  run,
  runSkiff,
  SKIFF_BIN,
  type RunResult,
} from './harness.js';
import { eventually } from '../support/eventually.js';

const KUBECTL = hasKubectl(33) ? 33 : 27;
const STATUS_NOT_RUNNING = 3;

const tmpRoot = mkdtempSync(join(tmpdir(), 'skiff-cli-'));
let dirCount = 0;
const freshDir = (): string => join(tmpRoot, `d${dirCount++}`);

/** Alive and not a zombie waiting to be reaped by its new parent. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

const readEndpoint = (dir: string): { pid: number; port: number } =>
  JSON.parse(readFileSync(join(dir, 'endpoint.json'), 'utf8')) as { pid: number; port: number };

function kubectl(
  kubeconfig: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  return run(
    kubectlPath(KUBECTL),
    [
      ...(kubeconfig ? ['--kubeconfig', kubeconfig] : []),
      '--cache-dir',
      join(tmpRoot, 'kcache'),
      ...args,
    ],
    { env },
  );
}

function up(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): RunResult {
  return runSkiff(['up', '--detach', '--data-dir', dir, '--api-port', '0', ...extra], env);
}

/** Every data dir a test started is stopped at the end, whatever happened. */
const started = new Set<string>();
function upOk(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): RunResult {
  started.add(dir);
  const r = up(dir, extra, env);
  assert.equal(r.code, 0, `skiff up failed: ${r.stdout}\n${r.stderr}`);
  return r;
}

after(() => {
  for (const dir of started) runSkiff(['down', '--data-dir', dir]);
  rmSync(tmpRoot, { recursive: true, force: true });
});

describe('skiff up / status / kubeconfig / down', () => {
  const dir = freshDir();
  let upResult: RunResult;
  before(() => {
    upResult = upOk(dir);
  });

  test('up --detach prints progress and returns 0 once the API is ready', async () => {
    const out = upResult.stdout;
    assert.match(out, /^Starting Skiff in the background \(pid \d+, log .*skiff\.log\)/m);
    for (const stepName of ['certificates', 'storage', 'API server on https://127.0.0.1:\\d+'])
      assert.match(out, new RegExp(`^  ✓ ${stepName}.* \\(\\d+ ms\\)$`, 'm'));
    const { port, pid } = readEndpoint(dir);
    assert.match(out, new RegExp(`^Skiff is ready: https://127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.ok(isAlive(pid));
    assert.equal(Number(readFileSync(join(dir, 'skiff.pid'), 'utf8')), pid);
    // Ready means ready: no retry needed.
    const ready = await curl([
      '--cacert',
      join(dir, 'pki', 'ca.crt'),
      `https://127.0.0.1:${port}/readyz`,
    ]);
    assert.equal(ready.status, 200);
    const ns = await kubectl(join(dir, 'kubeconfig'), [
      'get',
      'namespace',
      'default',
      '-o',
      'name',
    ]);
    assert.equal(ns.code, 0, ns.stderr);
    assert.equal(ns.stdout.trim(), 'namespace/default');
  });

  test('status of a running cluster exits 0 and names the endpoint', () => {
    const { port, pid } = readEndpoint(dir);
    const r = runSkiff(['status', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Skiff is running \\(pid ${pid}\\)$`, 'm'));
    assert.match(r.stdout, new RegExp(`API server: https://127\\.0\\.0\\.1:${port} \\(ready\\)`));
  });

  test('a second up on the same data dir fails clearly and leaves the first alone', () => {
    const { pid, port } = readEndpoint(dir);
    for (const extra of [['--detach'], []]) {
      const r = runSkiff(['up', ...extra, '--data-dir', dir, '--api-port', '0']);
      assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stdout}`);
      assert.match(
        r.stderr,
        new RegExp(`^error: a cluster is already running from ${dir} \\(pid ${pid}\\)`, 'm'),
      );
    }
    assert.deepEqual(readEndpoint(dir), { pid, port });
    assert.ok(isAlive(pid));
  });

  test('kubeconfig prints a kubeconfig kubectl can use', async () => {
    const r = runSkiff(['kubeconfig', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^apiVersion: v1$/m);
    assert.match(r.stdout, /current-context: skiff/);
    const file = join(tmpRoot, 'printed.kubeconfig');
    writeFileSync(file, r.stdout);
    const k = await kubectl(file, ['get', 'namespaces', '-o', 'name']);
    assert.equal(k.code, 0, k.stderr);
    assert.match(k.stdout, /^namespace\/kube-system$/m);
    const info = await kubectl(file, ['cluster-info']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`https://127\\.0\\.0\\.1:${readEndpoint(dir).port}`));
  });

  test('down stops it; status then exits 3; down again is a no-op', async () => {
    const { pid, port } = readEndpoint(dir);
    const r = runSkiff(['down', '--data-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Stopped Skiff \\(pid ${pid}\\)\\.$`, 'm'));
    assert.ok(!isAlive(pid), 'the server process is still alive');
    assert.ok(!existsSync(join(dir, 'skiff.pid')));
    assert.ok(!existsSync(join(dir, 'endpoint.json')));
    const gone = await curl(['-k', `https://127.0.0.1:${port}/healthz`]);
    assert.equal(gone.status, 0, 'the port still answers');
    const s = runSkiff(['status', '--data-dir', dir]);
    assert.equal(s.code, STATUS_NOT_RUNNING);
    assert.match(s.stdout, /^Skiff is not running/m);
    const again = runSkiff(['down', '--data-dir', dir]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^No cluster is running from /m);
  });
});

describe('failures of skiff up', () => {
  let blocker: Server;
  let busyPort: number;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    busyPort = (blocker.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  for (const mode of ['--detach', 'foreground']) {
    test(`up on a port in use fails with a clear error and leaves nothing running (${mode})`, () => {
      const dir = freshDir();
      const detach = mode === '--detach' ? ['--detach'] : [];
      const r = runSkiff(['up', ...detach, '--data-dir', dir, '--api-port', String(busyPort)]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        new RegExp(
          `error: cannot listen on 127\\.0\\.0\\.1:${busyPort}: the address is already in use`,
        ),
      );
      const child = /pid (\d+)/.exec(r.stdout)?.[1];
      if (child) assert.ok(!isAlive(Number(child)), 'the background server is still alive');
      assert.ok(!existsSync(join(dir, 'skiff.pid')));
      assert.ok(!existsSync(join(dir, 'endpoint.json')));
      assert.equal(runSkiff(['status', '--data-dir', dir]).code, STATUS_NOT_RUNNING);
    });
  }

  test('a stale pid file (after kill -9) does not block status or up', async () => {
    const dir = freshDir();
    upOk(dir);
    const { pid } = readEndpoint(dir);
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 10));
    const s = runSkiff(['status', '--data-dir', dir]);
    assert.equal(s.code, STATUS_NOT_RUNNING, s.stdout);
    upOk(dir);
    assert.notEqual(readEndpoint(dir).pid, pid);
    assert.equal(runSkiff(['down', '--data-dir', dir]).code, 0);
  });

  test('kubeconfig and status without a cluster', () => {
    const dir = freshDir();
    const k = runSkiff(['kubeconfig', '--data-dir', dir]);
    assert.equal(k.code, 1);
    assert.match(k.stderr, /^error: no kubeconfig in .*; start a cluster with: skiff up/m);
    assert.equal(runSkiff(['status', '--data-dir', dir]).code, STATUS_NOT_RUNNING);
  });
});

test('restart on the same data dir brings back every object', async () => {
  const dir = freshDir();
  upOk(dir);
  const kc = join(dir, 'kubeconfig');
  const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: keep
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: keep
data:
  greeting: hello
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: keep
spec:
  type: NodePort
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
`;
  const apply = await run(kubectlPath(KUBECTL), ['--kubeconfig', kc, 'create', '-f', '-'], {
    input: manifest,
  });
  assert.equal(apply.code, 0, apply.stderr);
  const snapshot = async (): Promise<Record<string, string>> => {
    const r = await kubectl(kc, [
      'get',
      'namespace/keep',
      '-n',
      'keep',
      'configmap/settings',
      'service/web',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const items = (JSON.parse(r.stdout) as { items: any[] }).items;
    const [ns, cm, svc] = items;
    return {
      nsUid: ns.metadata.uid,
      cmUid: cm.metadata.uid,
      cmRv: cm.metadata.resourceVersion,
      greeting: cm.data.greeting,
      svcUid: svc.metadata.uid,
      clusterIP: svc.spec.clusterIP,
      nodePort: String(svc.spec.ports[0].nodePort),
      created: cm.metadata.creationTimestamp,
    };
  };
  const before = await snapshot();
  assert.match(before.clusterIP ?? '', /^10\.\d+\.\d+\.\d+$/);
  assert.match(before.nodePort ?? '', /^3\d{4}$/);
  const ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
  const tokens = readFileSync(join(dir, 'tokens.csv'), 'utf8');

  assert.equal(runSkiff(['down', '--data-dir', dir]).code, 0);
  upOk(dir);
  assert.deepEqual(await snapshot(), before);
  // The same credentials: the CA and the admin token survive a restart.
  assert.equal(readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8'), ca);
  assert.equal(readFileSync(join(dir, 'tokens.csv'), 'utf8'), tokens);
  // Allocations are remembered: a new NodePort service gets a different port and IP.
  const other = await kubectl(kc, [
    'create',
    'service',
    'nodeport',
    'other',
    '-n',
    'keep',
    '--tcp',
    '80:80',
    '-o',
    'json',
  ]);
  assert.equal(other.code, 0, other.stderr);
  const o = JSON.parse(other.stdout) as {
    spec: { clusterIP: string; ports: { nodePort: number }[] };
  };
  assert.notEqual(o.spec.clusterIP, before.clusterIP);
  assert.notEqual(String(o.spec.ports[0]?.nodePort), before.nodePort);
  assert.equal(runSkiff(['down', '--data-dir', dir]).code, 0);
});

test('up --merge-kubeconfig adds a skiff context to $HOME/.kube/config and keeps the others', async () => {
  const home = join(tmpRoot, 'home');
  mkdirSync(join(home, '.kube'), { recursive: true });
  const config = join(home, '.kube', 'config');
  writeFileSync(
    config,
    `apiVersion: v1
kind: Config
clusters:
- name: work
  cluster:
    server: https://work.example:6443
    insecure-skip-tls-verify: true
users:
- name: work-user
  user:
    token: work-token
contexts:
- name: work
  context:
    cluster: work
    user: work-user
    namespace: team
current-context: work
preferences: {}
`,
  );
  const env = { HOME: home, KUBECONFIG: '' };
  const dir = freshDir();
  const r = upOk(dir, ['--merge-kubeconfig'], env);
  assert.match(
    r.stdout + readFileSync(join(dir, 'skiff.log'), 'utf8'),
    /merged context "skiff" into/,
  );

  const view = await kubectl('', ['config', 'view', '-o', 'json'], env);
  assert.equal(view.code, 0, view.stderr);
  const merged = JSON.parse(view.stdout) as {
    contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
    clusters: { name: string; cluster: { server: string } }[];
    users: { name: string; user: { token?: string } }[];
    'current-context': string;
  };
  assert.deepEqual(merged.contexts.map((c) => c.name).sort(), ['skiff', 'work']);
  assert.deepEqual(merged.contexts.find((c) => c.name === 'work')?.context, {
    cluster: 'work',
    user: 'work-user',
    namespace: 'team',
  });
  assert.equal(
    merged.clusters.find((c) => c.name === 'work')?.cluster.server,
    'https://work.example:6443',
  );
  assert.equal(merged.users.find((u) => u.name === 'work-user')?.user.token, 'REDACTED');
  assert.equal(merged['current-context'], 'skiff');
  const ns = await kubectl(
    '',
    ['--context', 'skiff', 'get', 'namespace', 'default', '-o', 'name'],
    env,
  );
  assert.equal(ns.code, 0, ns.stderr);

  // Restarting with --merge-kubeconfig updates the skiff entries instead of adding more.
  assert.equal(runSkiff(['down', '--data-dir', dir]).code, 0);
  upOk(dir, ['--merge-kubeconfig'], env);
  const port = readEndpoint(dir).port;
  const text = readFileSync(config, 'utf8');
  assert.equal(text.match(/name: skiff$/gm)?.length, 2, text);
  assert.ok(text.includes(`server: https://127.0.0.1:${port}`), text);
  assert.ok(text.includes('token: work-token'), text);
  const again = await kubectl('', ['get', 'namespace', 'default', '-o', 'name'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(runSkiff(['down', '--data-dir', dir]).code, 0);
});

test('SKIFF_EXIT_WITH_PID: a detached cluster stops once that process is gone', async () => {
  const dir = freshDir();
  started.add(dir);
  // A short-lived owner: `sleep` stands for a script (or test run) that is killed.
  const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
  const r = up(dir, [], { SKIFF_EXIT_WITH_PID: String(owner.pid) });
  assert.equal(r.code, 0, r.stderr);
  const { pid } = readEndpoint(dir);
  assert.ok(isAlive(pid));
  owner.kill('SIGKILL');
  await eventually(() => (isAlive(pid) ? undefined : true), 'the cluster to stop', {
    timeoutMs: 30_000,
  });
  // It stopped as on SIGTERM: the pid file is gone and status says so.
  assert.equal(runSkiff(['status', '--data-dir', dir]).code, STATUS_NOT_RUNNING);
});

test('SKIFF_DATA_DIR is honoured by up, status, kubeconfig and down', () => {
  const dir = freshDir();
  started.add(dir);
  const env = { SKIFF_DATA_DIR: dir };
  const r = runSkiff(['up', '--detach', '--api-port', '0'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'state.db')));
  assert.ok(existsSync(join(dir, 'endpoint.json')));
  const s = runSkiff(['status'], env);
  assert.equal(s.code, 0, s.stdout);
  assert.match(s.stdout, new RegExp(`data dir: +${dir}$`, 'm'));
  assert.equal(
    runSkiff(['kubeconfig'], env).stdout.trim(),
    readFileSync(join(dir, 'kubeconfig'), 'utf8').trim(),
  );
  // --data-dir wins over the variable.
  assert.equal(runSkiff(['status', '--data-dir', freshDir()], env).code, STATUS_NOT_RUNNING);
  assert.equal(runSkiff(['down'], env).code, 0);
  assert.equal(runSkiff(['status'], env).code, STATUS_NOT_RUNNING);
});

test('foreground up: ready banner, then SIGINT stops it cleanly', async () => {
  const dir = freshDir();
  started.add(dir);
  const child = spawn(
    process.execPath,
    [SKIFF_BIN, 'up', '--disable-agent', '--data-dir', dir, '--api-port', '0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  await eventually(
    () => /Press Ctrl-C to stop\./.test(out),
    () => `skiff up to be ready:\n${out}`,
    // A guard against a hang only: on a loaded machine the start may take many seconds.
    120_000,
  );
  assert.match(out, /^Starting Skiff \(Kubernetes v1\.\d+\) in /m);
  assert.match(out, /^  ✓ certificates \(\d+ ms\)$/m);
  assert.match(out, /^Skiff is ready in \d+ ms\.$/m);
  assert.equal(runSkiff(['status', '--data-dir', dir]).code, 0);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(out, /Stopping Skiff/);
  assert.ok(!existsSync(join(dir, 'skiff.pid')));
  assert.equal(runSkiff(['status', '--data-dir', dir]).code, STATUS_NOT_RUNNING);
});

describe('usage', () => {
  test('skiff --help and skiff help print the usage and exit 0', () => {
    for (const args of [['--help'], ['help'], ['up', '--help']]) {
      const r = runSkiff(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^Usage:$/m);
      for (const cmd of ['up', 'down', 'status', 'kubeconfig'])
        assert.match(r.stdout, new RegExp(`^  skiff ${cmd}`, 'm'));
    }
  });

  test('an unknown command, no command, an unknown flag or a bad value exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^error: unknown command "frobnicate"$/m],
      [[], /^error: no command given$/m],
      [['status', '--colour', 'red'], /^error: unknown flag: --colour$/m],
      [['down', 'now'], /^error: unexpected argument "now" for "skiff down"$/m],
      [['up', '--api-port', 'http'], /^error: flag --api-port: "http" is not a valid port$/m],
      [['up', '--data-dir'], /^error: flag --data-dir needs a value$/m],
    ];
    for (const [args, message] of cases) {
      const r = runSkiff(args);
      assert.equal(r.code, 2, `skiff ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^Usage:$/m);
    }
  });

  test('skiff version prints the Kubernetes version it serves', () => {
    const r = runSkiff(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^v1\.\d+\.\d+/);
  });
});

test('up refuses, naming what is missing, when the host cannot run pods', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to drop to an unprivileged user');
  const dir = freshDir();
  mkdirSync(dir, { recursive: true, mode: 0o777 });
  // The agent is not disabled here; as nobody it must not start at all.
  const r = await run('setpriv', [
    '--reuid=65534',
    '--regid=65534',
    '--clear-groups',
    '--',
    process.execPath,
    SKIFF_BIN,
    'up',
    '--detach',
    '--data-dir',
    dir,
    '--api-port',
    '0',
  ]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^error: this machine cannot run pods; missing:$/m);
  assert.match(r.stderr, /^ {2}- root privileges: run skiff as root \(sudo\)$/m);
  assert.match(r.stderr, /--disable-agent/);
  // Nothing was started: no server, no pid or endpoint file.
  assert.equal(existsSync(join(dir, 'endpoint.json')), false);
  assert.equal(existsSync(join(dir, 'skiff.pid')), false);
  assert.equal(runSkiff(['status', '--data-dir', dir]).code, STATUS_NOT_RUNNING);
});
