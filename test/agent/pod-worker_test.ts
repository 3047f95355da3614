// The pod worker against a runtime in memory: starts, restarts with back-off, image pull
// back-off, probes, hooks and termination, as the work queue drives it. No root needed
// (the pods share the host's IPC, so no namespace is made).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { createWorkQueue } from '../../src/client/workqueue.js';
import { ImageError, type ImageInfo } from '../../src/images/index.js';
import { createLogger } from '../../src/log/index.js';
import { PodWorker } from '../../src/agent/pod/worker.js';
import type { PodStatusOut } from '../../src/agent/pod/status.js';
import { FakeRuntime } from '../support/fake-runtime.js';
import { testCommandRunner } from '../support/command-runner.js';

const dataDir = mkdtempSync(join(tmpdir(), 'skiff-pod-worker-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const image: ImageInfo = {
  id: 'sha256:1',
  repoTags: ['docker.io/library/busybox:1.36'],
  repoDigests: ['docker.io/library/busybox@sha256:2'],
  size: 100,
  os: 'linux',
  architecture: 'amd64',
  config: { Cmd: ['sh'] },
} as ImageInfo;

let uidSeq = 0;
function pod(spec: Record<string, unknown>): KubeObject {
  uidSeq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${uidSeq}`, namespace: 'default', uid: `uid-${uidSeq}` },
    spec: { hostIPC: true, terminationGracePeriodSeconds: 5, ...spec },
  };
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function harness(
  p: KubeObject,
  o: { pull?: (name: string) => Promise<ImageInfo>; teardown?: () => Promise<void> } = {},
) {
  let now = new Date('2026-01-01T00:00:00Z').getTime();
  const clock = { now: () => new Date(now) };
  const rt = new FakeRuntime(clock.now);
  const statuses: PodStatusOut[] = [];
  const events: string[] = [];
  const requeues: number[] = [];
  let finalized = 0;
  const queue = createWorkQueue();
  const ac = new AbortController();
  const uid = p.metadata.uid ?? '';
  const w = new PodWorker(p, {
    runtime: rt,
    commandRunner: testCommandRunner,
    images: {
      getImage: () => Promise.reject(new ImageError('ImageNotFound', 'absent')),
      ensureImage: (name) => (o.pull ? o.pull(name) : Promise.resolve(image)),
      layerDirs: () => Promise.resolve([]),
    },
    network: {
      nodeNetnsPath: () => '/proc/self/ns/net',
      setupPod: () =>
        Promise.resolve({
          netnsPath: '/nonexistent/netns',
          ip: '10.244.0.9',
          gateway: '10.244.0.1',
          prefixLength: 24,
          interface: 'eth0',
        } as never),
      teardownPod: () => (o.teardown ? o.teardown() : Promise.resolve()),
    },
    nodeName: 'node1',
    hostIP: '10.0.0.1',
    dataDir,
    clusterDNS: '10.96.0.10',
    clusterDomain: 'cluster.local',
    nodeFiles: { hostname: 'node1', hosts: '127.0.0.1 localhost\n' },
    logger: createLogger({ level: 'error' }),
    clock,
    enqueue: () => queue.add(uid),
    sources: (pod) =>
      Promise.resolve({
        pod,
        services: [],
        configMap: () => undefined,
        secret: () => undefined,
        serviceAccountToken: () => 'token',
        nodeName: 'node1',
        hostIP: '10.0.0.1',
      }),
    writeStatus: (_p, s) => {
      statuses.push(s);
      return Promise.resolve();
    },
    finalize: () => {
      finalized++;
      return Promise.resolve();
    },
    event: (_p, type, reason, message) => events.push(`${type} ${reason} ${message}`),
  });
  void queue.run(
    2,
    async () => {
      const r = await w.sync();
      if (r.requeueAfterMs !== undefined) requeues.push(r.requeueAfterMs);
    },
    ac.signal,
  );
  after(() => ac.abort());
  return {
    w,
    rt,
    statuses,
    events,
    requeues,
    finalized: () => finalized,
    advance: (ms: number) => void (now += ms),
    last: () => statuses.at(-1),
  };
}

const container = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox:1.36',
  ...extra,
});

describe('pod worker (fake runtime)', () => {
  it('starts the containers and reports the pod Running and Ready', async () => {
    const h = harness(pod({ containers: [container('web'), container('app')] }));
    h.w.kick();
    const s = await until('Running', () => h.last()?.phase === 'Running' && h.last());
    assert.deepEqual(
      s.containerStatuses.map((c) => [c.name, c.ready, c.started]),
      [
        ['app', true, true],
        ['web', true, true],
      ],
    );
    assert.equal(s.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(s.podIP, '10.244.0.9');
    assert.equal(s.containerStatuses[0]!.image, 'docker.io/library/busybox:1.36');
    assert.deepEqual(h.rt.calls.filter((c) => c.startsWith('create')).length, 2);
    // A sync with nothing new writes nothing.
    const n = h.statuses.length;
    h.w.kick();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.statuses.length, n);
  });

  it('restarts a crashed container after the crash-loop back-off (requeue, not a timer)', async () => {
    const h = harness(pod({ containers: [container('c')] }));
    h.w.kick();
    await until('running', () => h.last()?.containerStatuses[0]?.state.running);
    const id = [...h.rt.containers.keys()][0]!;
    h.rt.exit(id, 1);
    h.w.kick();
    const s = await until(
      'CrashLoopBackOff',
      () =>
        h.last()?.containerStatuses[0]?.state.waiting?.reason === 'CrashLoopBackOff' && h.last(),
    );
    assert.match(s.containerStatuses[0]!.state.waiting!.message!, /^back-off 10s restarting/);
    assert.ok(h.requeues.includes(10_010), `requeues: ${h.requeues.join(', ')}`);
    assert.ok(h.events.some((e) => e.startsWith('Warning BackOff Back-off restarting')));
    // Past the back-off, the next sync makes attempt 1.
    h.advance(10_000);
    h.w.kick();
    const r = await until(
      'restarted',
      () => h.last()?.containerStatuses[0]?.restartCount === 1 && h.last(),
    );
    assert.equal(r.containerStatuses[0]!.lastState.terminated?.exitCode, 1);
    assert.ok(r.containerStatuses[0]!.state.running);
  });

  it('reports ErrImagePull, then ImagePullBackOff until the back-off passes', async () => {
    let fail = true;
    const h = harness(pod({ containers: [container('c')] }), {
      pull: () =>
        fail
          ? Promise.reject(new ImageError('ErrImagePull', 'manifest unknown'))
          : Promise.resolve(image),
    });
    h.w.kick();
    await until(
      'ErrImagePull',
      () => h.last()?.containerStatuses[0]?.state.waiting?.reason === 'ErrImagePull',
    );
    assert.ok(h.requeues.includes(10_010));
    h.w.kick();
    await until(
      'ImagePullBackOff',
      () => h.last()?.containerStatuses[0]?.state.waiting?.reason === 'ImagePullBackOff',
    );
    assert.ok(h.events.includes('Warning Failed Error: ImagePullBackOff'));
    fail = false;
    h.advance(10_000);
    h.w.kick();
    await until('running', () => h.last()?.containerStatuses[0]?.state.running);
  });

  it('a failing exec readiness probe keeps the pod unready, with the output as the reason', async () => {
    const h = harness(
      pod({
        containers: [container('c', { readinessProbe: { exec: { command: ['check'] } } })],
      }),
    );
    h.rt.onExec = () => ({ exitCode: 1, output: 'not yet\n' });
    h.w.kick();
    await until('event', () =>
      h.events.includes('Warning Unhealthy Readiness probe failed: not yet'),
    );
    const s = await until(
      'running',
      () => h.last()?.containerStatuses[0]?.state.running && h.last(),
    );
    assert.equal(s.containerStatuses[0]!.ready, false);
    h.rt.onExec = () => ({ exitCode: 0 });
  });

  it('kills a deleted pod: preStop, stop, removal, last status, then the object', async () => {
    const p = pod({
      containers: [container('c', { lifecycle: { preStop: { exec: { command: ['drain'] } } } })],
    });
    const h = harness(p);
    h.w.kick();
    await until('running', () => h.last()?.containerStatuses[0]?.state.running);
    h.w.pod = {
      ...p,
      metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:01Z' },
    };
    h.w.kick();
    await until('finalized', () => h.finalized() === 1);
    const id = `${p.metadata.uid}_c_0`;
    const calls = h.rt.calls.filter((c) => c.includes(id) && !c.startsWith('create'));
    assert.deepEqual(calls.slice(-3), [`exec ${id} drain`, `stop ${id} 5`, `delete ${id}`]);
    assert.equal(h.rt.containers.size, 0);
    const s = h.last()!;
    assert.equal(s.containerStatuses[0]!.state.terminated?.exitCode, 143);
    assert.equal(s.phase, 'Failed');
  });

  it('deletes the object before a failing clean-up, then retries the clean-up until it passes', async () => {
    let failures = 2;
    let cleanedUp = false;
    const order: string[] = [];
    const p = pod({ hostIPC: false, containers: [container('c')] });
    const h = harness(p, {
      teardown: () => {
        if (failures-- > 0) return Promise.reject(new Error('device or resource busy'));
        cleanedUp = true;
        order.push('clean-up');
        return Promise.resolve();
      },
    });
    h.w.kick();
    await until('running', () => h.last()?.containerStatuses[0]?.state.running);
    h.w.pod = { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:01Z' } };
    // The retries wait on unref'd timers (they must not hold the agent's exit): keep the
    // test's event loop alive meanwhile.
    const alive = setInterval(() => undefined, 1000);
    after(() => clearInterval(alive));
    const done = h.w.terminate(true);
    await until('finalized', () => h.finalized() === 1);
    order.push('deleted');
    assert.equal(cleanedUp, false);
    assert.equal(h.last()?.containerStatuses[0]?.state.terminated?.exitCode, 143);
    await done;
    clearInterval(alive);
    assert.equal(cleanedUp, true);
    assert.deepEqual(order, ['deleted', 'clean-up']);
    // One event for the whole retry, as the kubelet's FailedKillPod.
    assert.deepEqual(
      h.events.filter((e) => e.includes('FailedKillPod')),
      [
        'Warning FailedKillPod error cleaning up pod ' +
          p.metadata.uid +
          ': device or resource busy',
      ],
    );
    // A killed pod syncs no more.
    assert.deepEqual(await h.w.sync(), {});
  });

  it('removes a pod deleted before its sandbox was made at once, with a last status', async () => {
    const p = pod({ containers: [container('c')] });
    const h = harness(p);
    await h.w.terminate(true);
    assert.equal(h.finalized(), 1);
    assert.equal(h.rt.calls.length, 0);
    // As the kubelet's last status of a pod killed before it ran.
    assert.equal(h.last()?.phase, 'Failed');
    assert.equal(
      h.last()?.containerStatuses[0]?.state.terminated?.reason,
      'ContainerStatusUnknown',
    );
  });

  it('cancels a start waiting for an image when the pod is deleted', async () => {
    let release: (i: ImageInfo) => void = () => undefined;
    const p = pod({ containers: [container('c')] });
    const h = harness(p, { pull: () => new Promise((r) => (release = r)) });
    h.w.kick();
    await until('pulling', () => h.events.some((e) => e.includes('Pulling image')));
    await h.w.terminate(true);
    assert.equal(h.finalized(), 1);
    release(image);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.rt.calls.filter((c) => c.startsWith('create')).length, 0);
    assert.equal(
      h.last()?.containerStatuses[0]?.state.terminated?.reason,
      'ContainerStatusUnknown',
    );
  });
});
