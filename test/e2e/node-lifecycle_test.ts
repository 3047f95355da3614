// End-to-end with the node agent: what happens to containers over their lives, as kubectl
// shows it. Crashes and CrashLoopBackOff, logs (-f, --previous), graceful deletion with a
// preStop hook, the grace period running out, a memory limit, and the agent restarting
// while its pods keep serving. Runs in the cluster's own network namespace (harness.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  runSkiff,
  startNodeCluster,
  type TestCluster,
  until,
  sleep,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

const pod = (name: string, spec: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
${spec}`;

describe('container lifecycle on a real node', { skip }, () => {
  let c: TestCluster;
  let hostDir: string;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  const apply = async (yaml: string) => ok(await kubectl(['apply', '-f', '-'], yaml));
  const row = async (name: string) => parseTable(ok(await kubectl(['get', 'pod', name])))[0] ?? {};
  const jsonpath = async (name: string, path: string) =>
    ok(await kubectl(['get', 'pod', name, '-o', `jsonpath=${path}`]));
  const withPod = (name: string) => async (e: unknown) => {
    const y = await kubectl(['get', 'pod', name, '-o', 'yaml']);
    throw new Error(`${String(e)}\n${y.stdout}${y.stderr}`);
  };

  before(async () => {
    const images = await ensureTestImages({
      images: [IMAGES.busybox, IMAGES.kubia, IMAGES.kubiaUnhealthy],
    });
    c = startNodeCluster({
      images: [
        images.archives[IMAGES.busybox]!,
        images.archives[IMAGES.kubia]!,
        images.archives[IMAGES.kubiaUnhealthy]!,
      ],
    });
    hostDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-hostpath-'));
  });

  after(() => {
    c?.stop();
    if (hostDir) rmSync(hostDir, { recursive: true, force: true });
  });

  test('a crashing container: restarts, CrashLoopBackOff, logs --previous', async () => {
    await apply(
      pod(
        'crasher',
        `  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "echo attempt $(cat /proc/sys/kernel/random/uuid); exit 3"]
`,
      ),
    );
    const r = await until(
      'CrashLoopBackOff after a restart',
      async () => {
        const r = await row('crasher');
        return r['STATUS'] === 'CrashLoopBackOff' && /^[1-9]/.test(r['RESTARTS'] ?? '')
          ? r
          : undefined;
      },
      60_000,
    ).catch(withPod('crasher'));
    assert.match(r['RESTARTS'] ?? '', /^\d+ \(\d+s ago\)$/);
    assert.equal(r['READY'], '0/1');
    const last = JSON.parse(
      await jsonpath('crasher', '{.status.containerStatuses[0].lastState.terminated}'),
    ) as { exitCode: number; reason: string };
    assert.deepEqual([last.exitCode, last.reason], [3, 'Error']);
    const waiting = await jsonpath(
      'crasher',
      '{.status.containerStatuses[0].state.waiting.message}',
    );
    assert.match(waiting, /^back-off \d+s restarting failed container=c pod=crasher_default\(/);
    // The previous attempt's output, and only its own line.
    const previous = ok(await kubectl(['logs', 'crasher', '--previous']));
    assert.match(previous, /^attempt [0-9a-f-]{36}\n$/);
    // The kubelet's events, as describe shows them.
    const described = ok(await kubectl(['describe', 'pod', 'crasher']));
    for (const line of [
      /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/crasher to /,
      new RegExp(
        `Normal\\s+Pulled\\s+.*kubelet\\s+Container image "${IMAGES.busybox}" already present on machine`,
      ),
      /Normal\s+Created\s+.*kubelet\s+Created container: c/,
      /Normal\s+Started\s+.*kubelet\s+Started container c/,
      /Warning\s+BackOff\s+.*kubelet\s+Back-off restarting failed container c in pod crasher_default\(/,
    ])
      assert.match(described, line);
  });

  test('logs -f follows a running container; --tail and --timestamps', async () => {
    await apply(
      pod(
        'counter',
        `  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done"]
`,
      ),
    );
    await until('counter running', async () =>
      (await row('counter'))['STATUS'] === 'Running' ? true : undefined,
    );
    const follow = c.background(KUBECTL, ['logs', '-f', 'counter']);
    try {
      await follow.waitFor(/line 1\nline 2\nline 3\nline 4\nline 5\n/, 20_000);
    } finally {
      await follow.stop();
    }
    const tail = ok(await kubectl(['logs', 'counter', '--tail=2', '--timestamps']));
    const lines = tail.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line \d+$/);
  });

  test('logs of a pod with two containers: -c, --all-containers, --prefix; Completed and Error', async () => {
    await apply(
      pod(
        'pair',
        `  restartPolicy: Never
  containers:
  - name: ok
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "echo from ok"]
  - name: bad
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "echo from bad; exit 2"]
`,
      ),
    );
    await until('pair finished', async () =>
      (await row('pair'))['STATUS'] === 'Error' ? true : undefined,
    ).catch(withPod('pair'));
    assert.equal(ok(await kubectl(['logs', 'pair', '-c', 'ok'])), 'from ok\n');
    assert.equal(ok(await kubectl(['logs', 'pair', '-c', 'bad'])), 'from bad\n');
    // (kubectl may fetch the containers' logs in parallel: the order varies)
    const all = ok(await kubectl(['logs', 'pair', '--all-containers', '--prefix']));
    assert.deepEqual(all.trimEnd().split('\n').sort(), [
      '[pod/pair/bad] from bad',
      '[pod/pair/ok] from ok',
    ]);
    assert.equal(ok(await kubectl(['logs', 'pair', '-c', 'ok', '--since=1h'])), 'from ok\n');
    // Without -c kubectl picks the first container and says so.
    const r = await kubectl(['logs', 'pair']);
    assert.equal(ok(r), 'from ok\n');
    assert.match(r.stderr, /Defaulted container "ok" out of: ok, bad/);
    const codes = ok(
      await kubectl([
        'get',
        'pod',
        'pair',
        '-o',
        'jsonpath={range .status.containerStatuses[*]}{.name}={.state.terminated.reason}/{.state.terminated.exitCode} {end}',
      ]),
    );
    assert.equal(codes, 'bad=Error/2 ok=Completed/0 ');
    assert.equal(
      ok(await kubectl(['get', 'pod', 'pair', '-o', 'jsonpath={.status.phase}'])),
      'Failed',
    );
  });

  test('graceful deletion: preStop runs, then SIGTERM, then the pod is gone', async () => {
    await apply(
      pod(
        'graceful',
        `  terminationGracePeriodSeconds: 20
  volumes:
  - name: out
    hostPath:
      path: ${hostDir}
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "trap 'echo TERM >> /out/events; exit 0' TERM; while true; do sleep 0.1; done"]
    volumeMounts:
    - name: out
      mountPath: /out
    lifecycle:
      preStop:
        exec:
          command: ["sh", "-c", "echo preStop >> /out/events"]
`,
      ),
    );
    await until('graceful running', async () =>
      (await row('graceful'))['STATUS'] === 'Running' ? true : undefined,
    );
    const t0 = Date.now();
    assert.equal(ok(await kubectl(['delete', 'pod', 'graceful'])), 'pod "graceful" deleted\n');
    // The container ended on SIGTERM, well before the 20 s grace period.
    assert.ok(Date.now() - t0 < 15_000, `deletion took ${Date.now() - t0} ms`);
    assert.equal(readFileSync(join(hostDir, 'events'), 'utf8'), 'preStop\nTERM\n');
    assert.match((await kubectl(['get', 'pod', 'graceful'])).stderr, /pods "graceful" not found/);
  });

  test('an HTTP liveness probe restarts an unhealthy container (kubia-unhealthy)', async () => {
    await apply(
      pod(
        'kubia-liveness',
        `  containers:
  - name: kubia
    image: ${IMAGES.kubiaUnhealthy}
    livenessProbe:
      httpGet:
        path: /
        port: 8080
      periodSeconds: 1
      failureThreshold: 2
`,
      ),
    );
    // Healthy for five requests, then 500s: restarted by the kubelet, not by a crash.
    await until(
      'a restart',
      async () =>
        /^[1-9]/.test((await row('kubia-liveness'))['RESTARTS'] ?? '') ? true : undefined,
      60_000,
    ).catch(withPod('kubia-liveness'));
    const described = ok(await kubectl(['describe', 'pod', 'kubia-liveness']));
    assert.match(
      described,
      /Warning\s+Unhealthy\s+.*kubelet\s+Liveness probe failed: HTTP probe failed with statuscode: 500/,
    );
    assert.match(
      described,
      /Normal\s+Killing\s+.*kubelet\s+Container kubia failed liveness probe, will be restarted/,
    );
    assert.ok(
      await jsonpath(
        'kubia-liveness',
        '{.status.containerStatuses[0].lastState.terminated.finishedAt}',
      ),
    );
  });

  test('a startup probe holds back readiness; a tcpSocket readiness probe by port name', async () => {
    await apply(
      pod(
        'slow-start',
        `  containers:
  - name: kubia
    image: ${IMAGES.kubia}
    ports:
    - name: http
      containerPort: 8080
    startupProbe:
      exec:
        command: ["test", "-f", "/tmp/up"]
      periodSeconds: 1
      failureThreshold: 60
    readinessProbe:
      tcpSocket:
        port: http
      periodSeconds: 1
`,
      ),
    );
    await until('slow-start running', async () =>
      (await row('slow-start'))['STATUS'] === 'Running' ? true : undefined,
    );
    // The server listens, but the startup probe has not passed: not started, not ready.
    await sleep(2500);
    const cs = '{.status.containerStatuses[0]}';
    let status = JSON.parse(await jsonpath('slow-start', cs)) as {
      started: boolean;
      ready: boolean;
    };
    assert.deepEqual([status.started, status.ready], [false, false]);
    ok(await kubectl(['exec', 'slow-start', '--', 'touch', '/tmp/up']));
    await until('slow-start Ready', async () =>
      (await row('slow-start'))['READY'] === '1/1' ? true : undefined,
    );
    status = JSON.parse(await jsonpath('slow-start', cs)) as { started: boolean; ready: boolean };
    assert.deepEqual([status.started, status.ready], [true, true]);
  });

  test('postStart exec and preStop httpGet hooks', async () => {
    await apply(
      pod(
        'hooks',
        `  terminationGracePeriodSeconds: 5
  containers:
  - name: kubia
    image: ${IMAGES.kubia}
    ports:
    - name: http
      containerPort: 8080
    lifecycle:
      postStart:
        exec:
          command: ["sh", "-c", "echo started > /tmp/post"]
      preStop:
        httpGet:
          port: http
          path: /
`,
      ),
    );
    await until('hooks running', async () =>
      (await row('hooks'))['STATUS'] === 'Running' ? true : undefined,
    );
    assert.equal(ok(await kubectl(['exec', 'hooks', '--', 'cat', '/tmp/post'])), 'started\n');
    // kubia logs each request: the preStop GET shows up in the log while the pod stops.
    const logs = c.background(KUBECTL, ['logs', '-f', 'hooks']);
    try {
      await logs.waitFor(/Kubia server starting/);
      ok(await kubectl(['delete', 'pod', 'hooks', '--wait=false']));
      await logs.waitFor(/Received request from (::ffff:)?10\.244\.0\.1\n/, 15_000);
    } finally {
      await logs.stop();
    }
  });

  test('a container ignoring SIGTERM is killed when the grace period ends', async () => {
    await apply(
      pod(
        'stubborn',
        `  terminationGracePeriodSeconds: 3
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.1; done"]
`,
      ),
    );
    await until('stubborn running', async () =>
      (await row('stubborn'))['STATUS'] === 'Running' ? true : undefined,
    );
    const t0 = Date.now();
    ok(await kubectl(['delete', 'pod', 'stubborn', '--wait=false']));
    // While the grace period runs, kubectl shows it Terminating.
    assert.equal((await row('stubborn'))['STATUS'], 'Terminating');
    await until(
      'stubborn gone',
      async () => ((await kubectl(['get', 'pod', 'stubborn'])).code !== 0 ? true : undefined),
      20_000,
    );
    const took = Date.now() - t0;
    assert.ok(took >= 2500 && took < 20_000, `deletion took ${took} ms`);
  });

  test('a memory limit is enforced: OOMKilled', async () => {
    await apply(
      pod(
        'hungry',
        `  restartPolicy: Never
  containers:
  - name: c
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "x=$(head -c 200000000 /dev/zero | tr -c a a); echo survived"]
    resources:
      limits:
        memory: 32Mi
`,
      ),
    );
    const r = await until('OOMKilled', async () => {
      const r = await row('hungry');
      return r['STATUS'] === 'OOMKilled' ? r : undefined;
    }).catch(withPod('hungry'));
    assert.equal(r['READY'], '0/1');
    assert.equal(
      await jsonpath('hungry', '{.status.containerStatuses[0].state.terminated.exitCode}'),
      '137',
    );
    assert.equal(await jsonpath('hungry', '{.status.phase}'), 'Failed');
    assert.doesNotMatch(ok(await kubectl(['logs', 'hungry'])), /survived/);
  });

  test('the agent restarts (kill -9, up again): pods keep serving and are re-adopted', async () => {
    await apply(
      pod(
        'steady',
        `  containers:
  - name: kubia
    image: ${IMAGES.kubia}
    ports:
    - containerPort: 8080
`,
      ),
    );
    await until('steady Ready', async () =>
      (await row('steady'))['READY'] === '1/1' ? true : undefined,
    );
    const ip = await jsonpath('steady', '{.status.podIP}');
    const before = await jsonpath('steady', '{.status.containerStatuses[0].containerID}');
    const endpoint = JSON.parse(readFileSync(join(c.dataDir, 'endpoint.json'), 'utf8')) as {
      pid: number;
    };
    process.kill(endpoint.pid, 'SIGKILL');
    await until('skiff gone', async () => {
      try {
        process.kill(endpoint.pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    // No agent, no API server: the pod still answers.
    const during = await c.exec('curl', ['-s', '--max-time', '5', `http://${ip}:8080/`]);
    assert.equal(during.stdout, "You've hit steady\n");

    const up = runSkiff(
      [
        'up',
        '--detach',
        '--data-dir',
        c.dataDir,
        '--api-port',
        '0',
        '--node-name',
        c.nodeName ?? '',
      ],
      {},
      c.netns,
    );
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const r = await until(
      'steady Ready again',
      async () => {
        const r = await row('steady');
        return r['READY'] === '1/1' ? r : undefined;
      },
      10_000,
    );
    assert.deepEqual([r['STATUS'], r['RESTARTS']], ['Running', '0']);
    assert.equal(await jsonpath('steady', '{.status.containerStatuses[0].containerID}'), before);
    assert.equal(await jsonpath('steady', '{.status.podIP}'), ip);
    const after = await c.exec('curl', ['-s', '--max-time', '5', `http://${ip}:8080/`]);
    assert.equal(after.stdout, "You've hit steady\n");
    // The new agent runs exec in the adopted container, and stops it on delete.
    assert.equal(ok(await kubectl(['exec', 'steady', '--', 'hostname'])), 'steady\n');
    ok(await kubectl(['delete', 'pod', 'steady']));
    const gone = await c.exec('curl', ['-s', '--max-time', '2', `http://${ip}:8080/`]);
    assert.notEqual(gone.code, 0);
  });
});
