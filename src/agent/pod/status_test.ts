import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IContainer } from 'kubernetes-models/v1';
import type { ContainerStatus } from '../runtime/index.js';
import { computePodStatus, type ContainerView, type PodStatusInput } from './status.js';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const T0 = new Date('2026-01-02T03:00:00Z');
const T1 = new Date('2026-01-02T03:01:00Z');

const runtimeStatus = (
  name: string,
  state: ContainerStatus['state'],
  extra: Partial<ContainerStatus> = {},
): ContainerStatus => ({
  id: `uid_${name}_0`,
  state,
  createdAt: T0,
  ...(state !== 'created' ? { startedAt: T0 } : {}),
  ...(state === 'exited' ? { finishedAt: T1 } : {}),
  logPath: '',
  labels: {},
  annotations: {},
  ...extra,
});

const running = (name: string, v: Partial<ContainerView> = {}): ContainerView => ({
  id: `uid_${name}_0`,
  attempt: 0,
  status: runtimeStatus(name, 'running'),
  ready: true,
  started: true,
  startupPassed: true,
  ...v,
});

const exited = (name: string, exitCode: number, v: Partial<ContainerView> = {}) =>
  running(name, {
    status: runtimeStatus(name, 'exited', { exitCode }),
    ready: false,
    ...v,
  });

const waiting = (reason: string, message?: string): ContainerView => ({
  attempt: 0,
  waiting: { reason, ...(message ? { message } : {}) },
  ready: false,
  started: false,
  startupPassed: true,
});

const ctr = (name: string): IContainer => ({ name, image: 'busybox:1.36' });

function input(
  containers: string[],
  views: Record<string, ContainerView>,
  o: Partial<PodStatusInput> & {
    init?: string[];
    restartPolicy?: 'Always' | 'Never' | 'OnFailure';
  } = {},
): PodStatusInput {
  const { init, restartPolicy, ...rest } = o;
  return {
    pod: {
      spec: {
        containers: containers.map(ctr),
        ...(init ? { initContainers: init.map(ctr) } : {}),
        ...(restartPolicy ? { restartPolicy } : {}),
      },
    },
    containers: new Map(Object.entries(views)),
    prepared: true,
    final: false,
    hostIP: '10.0.0.1',
    podIP: '10.244.0.5',
    now: NOW,
    ...rest,
  };
}

const cond = (s: ReturnType<typeof computePodStatus>, type: string) =>
  s.conditions.find((c) => c.type === type);

describe('computePodStatus: phase', () => {
  const cases: [string, PodStatusInput, string][] = [
    ['nothing made yet', input(['a'], {}), 'Pending'],
    ['image being pulled', input(['a'], { a: waiting('ErrImagePull', 'boom') }), 'Pending'],
    ['all running', input(['a', 'b'], { a: running('a'), b: running('b') }), 'Running'],
    ['one running, one creating', input(['a', 'b'], { a: running('a') }), 'Running'],
    [
      'restartable crash loop keeps Running',
      input(['a'], { a: exited('a', 1, { attempt: 2, waiting: { reason: 'CrashLoopBackOff' } }) }),
      'Running',
    ],
    [
      'Never, exited 0',
      input(['a'], { a: exited('a', 0) }, { restartPolicy: 'Never' }),
      'Succeeded',
    ],
    ['Never, exited 1', input(['a'], { a: exited('a', 1) }, { restartPolicy: 'Never' }), 'Failed'],
    [
      'OnFailure, exited 0',
      input(['a'], { a: exited('a', 0) }, { restartPolicy: 'OnFailure' }),
      'Succeeded',
    ],
    [
      'OnFailure, exited 1 (to be restarted)',
      input(['a'], { a: exited('a', 1) }, { restartPolicy: 'OnFailure' }),
      'Running',
    ],
    ['Always, exited 0 (to be restarted)', input(['a'], { a: exited('a', 0) }), 'Pending'],
    ['init container running', input(['a'], { i: running('i') }, { init: ['i'] }), 'Pending'],
    [
      'init container failed, Never',
      input(['a'], { i: exited('i', 2) }, { init: ['i'], restartPolicy: 'Never' }),
      'Failed',
    ],
    [
      'init done, app running',
      input(['a'], { i: exited('i', 0), a: running('a') }, { init: ['i'] }),
      'Running',
    ],
    [
      'killed pod, containers exited 0',
      input(['a'], { a: exited('a', 0) }, { final: true }),
      'Succeeded',
    ],
    [
      'killed pod, a container never located',
      input(['a', 'b'], { a: exited('a', 0) }, { final: true }),
      'Failed',
    ],
  ];
  for (const [name, i, phase] of cases)
    it(name, () => assert.equal(computePodStatus(i).phase, phase));
});

describe('computePodStatus: container states and reasons', () => {
  const cases: [string, ContainerView | undefined, object][] = [
    ['no record: ContainerCreating', undefined, { waiting: { reason: 'ContainerCreating' } }],
    [
      'ErrImagePull with its message',
      waiting('ErrImagePull', 'manifest unknown'),
      { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } },
    ],
    [
      'ImagePullBackOff',
      waiting('ImagePullBackOff', 'Back-off pulling image "x"'),
      { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
    ],
    [
      'CrashLoopBackOff over the exited status',
      exited('a', 1, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }),
      { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } },
    ],
    ['running', running('a'), { running: { startedAt: '2026-01-02T03:00:00Z' } }],
    [
      'created counts as running, from its creation',
      running('a', { status: runtimeStatus('a', 'created') }),
      { running: { startedAt: '2026-01-02T03:00:00Z' } },
    ],
    [
      'exit 0: Completed',
      exited('a', 0),
      {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          startedAt: '2026-01-02T03:00:00Z',
          finishedAt: '2026-01-02T03:01:00Z',
          containerID: 'runc://uid_a_0',
        },
      },
    ],
    [
      'exit 2: Error',
      exited('a', 2),
      {
        terminated: {
          exitCode: 2,
          reason: 'Error',
          startedAt: '2026-01-02T03:00:00Z',
          finishedAt: '2026-01-02T03:01:00Z',
          containerID: 'runc://uid_a_0',
        },
      },
    ],
    [
      'OOMKilled as the runtime says',
      running('a', {
        ready: false,
        status: runtimeStatus('a', 'exited', { exitCode: 137, reason: 'OOMKilled' }),
      }),
      {
        terminated: {
          exitCode: 137,
          reason: 'OOMKilled',
          startedAt: '2026-01-02T03:00:00Z',
          finishedAt: '2026-01-02T03:01:00Z',
          containerID: 'runc://uid_a_0',
        },
      },
    ],
  ];
  for (const [name, view, state] of cases)
    it(name, () => {
      const s = computePodStatus(input(['a'], view ? { a: view } : {}));
      assert.deepEqual(s.containerStatuses[0]!.state, state);
    });

  it('a pod not set up yet shows its own waiting reason on every container', () => {
    const s = computePodStatus(
      input(
        ['a', 'b'],
        {},
        {
          prepared: false,
          podWaiting: { reason: 'ContainerCreating', message: 'no address left' },
        },
      ),
    );
    for (const c of s.containerStatuses)
      assert.deepEqual(c.state, {
        waiting: { reason: 'ContainerCreating', message: 'no address left' },
      });
    assert.equal(cond(s, 'PodReadyToStartContainers')?.status, 'False');
  });

  it('a killed pod reports every container terminated (ContainerStatusUnknown if never found)', () => {
    const s = computePodStatus(input(['a', 'b'], { b: running('b') }, { final: true }));
    for (const c of s.containerStatuses) {
      assert.equal(c.state.terminated?.reason, 'ContainerStatusUnknown');
      assert.equal(c.state.terminated?.exitCode, 137);
      assert.equal(c.ready, false);
      assert.equal(c.started, false);
    }
  });
});

describe('computePodStatus: flags, order, conditions', () => {
  it('sorts container statuses by name; init containers keep the spec order', () => {
    const s = computePodStatus(
      input(['web', 'app', 'sidecar'], {}, { init: ['z-init', 'a-init'] }),
    );
    assert.deepEqual(
      s.containerStatuses.map((c) => c.name),
      ['app', 'sidecar', 'web'],
    );
    assert.deepEqual(
      s.initContainerStatuses?.map((c) => c.name),
      ['z-init', 'a-init'],
    );
  });

  const flags: [string, ContainerView, { ready: boolean; started: boolean }][] = [
    ['running and ready', running('a'), { ready: true, started: true }],
    [
      'running, readiness not passed',
      running('a', { ready: false }),
      { ready: false, started: true },
    ],
    [
      'running, startup probe not passed',
      running('a', { ready: false, startupPassed: false }),
      { ready: false, started: false },
    ],
    ['exited', exited('a', 0, { ready: true }), { ready: false, started: false }],
  ];
  for (const [name, view, want] of flags)
    it(`ready/started: ${name}`, () => {
      const c = computePodStatus(input(['a'], { a: view })).containerStatuses[0]!;
      assert.deepEqual({ ready: c.ready, started: c.started }, want);
    });

  it('counts restarts and shows the last termination', () => {
    const last = {
      exitCode: 1,
      reason: 'Error',
      startedAt: '2026-01-02T02:00:00Z',
      finishedAt: '2026-01-02T02:01:00Z',
      containerID: 'runc://uid_a_0',
    };
    const c = computePodStatus(
      input(['a'], { a: running('a', { attempt: 3, lastTerminated: last }) }),
    ).containerStatuses[0]!;
    assert.equal(c.restartCount, 3);
    assert.deepEqual(c.lastState, { terminated: last });
    assert.equal(c.containerID, 'runc://uid_a_0');
  });

  it('names the image as the runtime does once pulled', () => {
    const image = {
      id: 'sha256:abc',
      repoDigests: ['docker.io/library/busybox@sha256:def'],
      repoTags: [],
      size: 1,
      config: {},
    } as unknown as ContainerView['image'];
    const pulled = computePodStatus(input(['a'], { a: running('a', { image }) }))
      .containerStatuses[0]!;
    assert.equal(pulled.image, 'docker.io/library/busybox:1.36');
    assert.equal(pulled.imageID, 'docker.io/library/busybox@sha256:def');
    const notYet = computePodStatus(input(['a'], {})).containerStatuses[0]!;
    assert.equal(notYet.image, 'busybox:1.36');
    assert.equal(notYet.imageID, '');
  });

  it('all ready: Initialized, ContainersReady, Ready and PodScheduled true', () => {
    const s = computePodStatus(input(['a', 'b'], { a: running('a'), b: running('b') }));
    assert.deepEqual(
      s.conditions.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    for (const c of s.conditions) {
      assert.equal(c.lastTransitionTime, '2026-01-02T03:04:05Z');
      assert.equal(c.reason, undefined);
    }
  });

  it('not ready: reasons and the list of unready containers', () => {
    const s = computePodStatus(
      input(['b', 'a'], { a: running('a', { ready: false }) }, { init: ['i'] }),
    );
    assert.equal(cond(s, 'Initialized')?.reason, 'ContainersNotInitialized');
    for (const type of ['Ready', 'ContainersReady']) {
      assert.equal(cond(s, type)?.status, 'False');
      assert.equal(cond(s, type)?.reason, 'ContainersNotReady');
      assert.equal(cond(s, type)?.message, 'containers with unready status: [b a]');
    }
  });

  it('a completed pod is not ready with reason PodCompleted', () => {
    const s = computePodStatus(input(['a'], { a: exited('a', 0) }, { restartPolicy: 'Never' }));
    assert.equal(cond(s, 'Ready')?.reason, 'PodCompleted');
    assert.equal(cond(s, 'ContainersReady')?.reason, 'PodCompleted');
  });

  it('keeps a condition transition time while its status holds', () => {
    const i = input(['a'], { a: running('a') });
    i.pod = {
      ...i.pod,
      status: {
        qosClass: 'BestEffort',
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: '2025-12-31T00:00:00Z' as never },
          {
            type: 'Initialized',
            status: 'False',
            lastTransitionTime: '2025-12-31T00:00:00Z' as never,
          },
        ],
      },
    };
    const s = computePodStatus(i);
    assert.equal(cond(s, 'Ready')?.lastTransitionTime, '2025-12-31T00:00:00Z');
    assert.equal(cond(s, 'Initialized')?.lastTransitionTime, '2026-01-02T03:04:05Z');
    assert.equal(s.qosClass, 'BestEffort');
  });

  it('addresses and start time', () => {
    const s = computePodStatus(input(['a'], {}, { startTime: '2026-01-02T03:00:00Z' }));
    assert.equal(s.hostIP, '10.0.0.1');
    assert.deepEqual(s.hostIPs, [{ ip: '10.0.0.1' }]);
    assert.equal(s.podIP, '10.244.0.5');
    assert.deepEqual(s.podIPs, [{ ip: '10.244.0.5' }]);
    assert.equal(s.startTime, '2026-01-02T03:00:00Z');
    const none = computePodStatus({ ...input(['a'], {}), podIP: undefined as never });
    assert.equal('podIP' in none, false);
  });
});
