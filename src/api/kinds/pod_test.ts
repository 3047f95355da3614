import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../errors.js';
import type { KubeObject, StrategyContext } from '../types.js';
import {
  podResource,
  podRow,
  podQOSClass,
  prepareForStatusUpdate,
  validateStatusUpdate,
} from './pod.js';
import type { Obj } from './podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = podResource.strategy;
const ago = (seconds: number): string => new Date(now.getTime() - seconds * 1000).toISOString();

/**
 * What the store does on create: defaults, prepareForCreate, validate; with what the API
 * server's Priority admission adds when no PriorityClass is named and none is the default.
 */
function create(pod: KubeObject): { pod: KubeObject; message?: string } {
  pod.metadata.namespace ??= 'default';
  pod.metadata.generation = 1;
  s.defaults?.(pod, ctx);
  s.prepareForCreate?.(pod, ctx);
  const spec = (pod.spec ?? {}) as Obj;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const errs = s.validate?.(pod, ctx) ?? [];
  return errs.length
    ? { pod, message: invalid('Pod', '', pod.metadata.name ?? '', errs).message }
    : { pod };
}

/** What the store does on update of the main resource. */
function update(next: KubeObject, old: KubeObject): string | undefined {
  s.defaults?.(next, ctx);
  s.prepareForUpdate?.(next, old, ctx);
  const errs = [...(s.validate?.(next, ctx) ?? []), ...(s.validateUpdate?.(next, old, ctx) ?? [])];
  return errs.length ? invalid('Pod', '', next.metadata.name ?? '', errs).message : undefined;
}

/** The body `kubectl run x --image=nginx` sends. */
const kubectlRun = (): KubeObject => ({
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'x', creationTimestamp: null, labels: { run: 'x' } },
  spec: {
    containers: [{ name: 'x', image: 'nginx', resources: {} }],
    restartPolicy: 'Always',
    dnsPolicy: 'ClusterFirst',
  },
  status: {},
});

void test('kubectl run x --image=nginx reads back with the spec and status kube-apiserver returns', () => {
  const { pod, message } = create(kubectlRun());
  assert.equal(message, undefined);
  // As a real cluster answers, minus the service-account token volume and its mount.
  assert.deepEqual(pod.spec, {
    containers: [
      {
        image: 'nginx',
        imagePullPolicy: 'Always',
        name: 'x',
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    dnsPolicy: 'ClusterFirst',
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    securityContext: {},
    serviceAccount: 'default',
    serviceAccountName: 'default',
    terminationGracePeriodSeconds: 30,
    tolerations: [
      {
        effect: 'NoExecute',
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        tolerationSeconds: 300,
      },
      {
        effect: 'NoExecute',
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        tolerationSeconds: 300,
      },
    ],
  });
  assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
  assert.equal(pod.metadata.generation, 1);
});

void test('requests default to limits on pods, which makes the pod Guaranteed', () => {
  const pod = kubectlRun();
  (pod.spec as { containers: Obj[] }).containers[0] = {
    name: 'x',
    image: 'nginx:1.27',
    resources: { limits: { cpu: '0.5', memory: '128Mi' } },
  };
  create(pod);
  const c = (pod.spec as { containers: Obj[] }).containers[0] as Obj;
  assert.deepEqual(c.resources, {
    limits: { cpu: '500m', memory: '128Mi' },
    requests: { cpu: '500m', memory: '128Mi' },
  });
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal((pod.status as Obj).qosClass, 'Guaranteed');
});

void test('QoS class: Burstable when requests are below limits or only some are set', () => {
  assert.equal(
    podQOSClass({ containers: [{ resources: { requests: { cpu: '100m' } } }] }),
    'Burstable',
  );
  assert.equal(
    podQOSClass({
      containers: [
        {
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
        },
      ],
    }),
    'Burstable',
  );
  assert.equal(
    podQOSClass({ containers: [{ resources: { requests: { cpu: '0' } } }] }),
    'BestEffort',
  );
});

void test('existing tolerations of not-ready/unreachable are not duplicated', () => {
  const pod = kubectlRun();
  (pod.spec as Obj).tolerations = [{ operator: 'Exists' }];
  create(pod);
  assert.deepEqual((pod.spec as Obj).tolerations, [{ operator: 'Exists' }]);
});

void test('a pod without an image is refused with the exact message', () => {
  const pod = kubectlRun();
  (pod.spec as { containers: Obj[] }).containers = [{ name: 'x' }];
  assert.equal(create(pod).message, 'Pod "x" is invalid: spec.containers[0].image: Required value');
});

void test('a pod without containers, or with a bad name, is refused', () => {
  const pod = kubectlRun();
  (pod.spec as Obj).containers = [];
  assert.equal(create(pod).message, 'Pod "x" is invalid: spec.containers: Required value');
  const named = kubectlRun();
  named.metadata.name = 'My.Pod';
  assert.match(
    create(named).message ?? '',
    /^Pod "My\.Pod" is invalid: metadata\.name: Invalid value: "My\.Pod": a lowercase RFC 1123 subdomain must consist of/,
  );
});

void test('pod-only rules: image whitespace, ephemeral containers on create, hostNetwork ports', () => {
  const pod = kubectlRun();
  const spec = pod.spec as Obj;
  spec.containers = [{ name: 'x', image: ' nginx', ports: [{ containerPort: 80, hostPort: 81 }] }];
  spec.hostNetwork = true;
  spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }];
  assert.equal(
    create(pod).message,
    'Pod "x" is invalid: [spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true, spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace, spec.ephemeralContainers: Forbidden: cannot be set on create]',
  );
});

void test('updates may change images but not other spec fields; status is kept', () => {
  const { pod: old } = create(kubectlRun());
  old.status = { phase: 'Running', qosClass: 'BestEffort', podIP: '10.0.0.5' };
  const next = structuredClone(old);
  (next.spec as { containers: Obj[] }).containers[0]!.image = 'nginx:1.27';
  next.status = { phase: 'Failed' };
  assert.equal(update(next, old), undefined);
  assert.deepEqual(next.status, old.status);

  const bad = structuredClone(old);
  (bad.spec as { containers: Obj[] }).containers[0]!.ports = [{ containerPort: 8080 }];
  const message = update(bad, old) ?? '';
  assert.ok(
    message.startsWith(
      'Pod "x" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    message,
  );
  assert.match(
    message,
    /\+ \tcontainers\[0\]\.ports: \[\{"containerPort":8080,"protocol":"TCP"\}\]/,
  );

  const fewer = structuredClone(old);
  (fewer.spec as Obj).containers = [];
  assert.equal(
    update(fewer, old),
    'Pod "x" is invalid: [spec.containers: Required value, spec.containers: Forbidden: pod updates may not add or remove containers]',
  );
});

void test('updates: tolerations may only be added, activeDeadlineSeconds may only shrink', () => {
  const { pod: old } = create(kubectlRun());
  (old.spec as Obj).activeDeadlineSeconds = 100;
  const add = structuredClone(old);
  (add.spec as { tolerations: Obj[] }).tolerations.push({
    key: 'k',
    operator: 'Exists',
    effect: 'NoSchedule',
  });
  (add.spec as Obj).activeDeadlineSeconds = 50;
  assert.equal(update(add, old), undefined);
  const remove = structuredClone(old);
  // (A toleration that still covers the key: DefaultTolerationSeconds would add it back otherwise.)
  (remove.spec as { tolerations: Obj[] }).tolerations.splice(0, 1, {
    key: 'node.kubernetes.io/not-ready',
    operator: 'Equal',
    value: 'x',
    effect: 'NoExecute',
    tolerationSeconds: 300,
  });
  (remove.spec as Obj).activeDeadlineSeconds = 200;
  assert.equal(
    update(remove, old),
    'Pod "x" is invalid: spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
  );
  (remove.spec as Obj).activeDeadlineSeconds = 100;
  assert.equal(
    update(remove, old),
    'Pod "x" is invalid: spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
  );
});

void test('status updates keep the spec and owner references and backfill qosClass', () => {
  const { pod: old } = create(kubectlRun());
  old.metadata.ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u' },
  ];
  const next = structuredClone(old);
  (next.spec as Obj).nodeName = 'elsewhere';
  delete next.metadata.ownerReferences;
  next.status = { phase: 'Running', podIP: '10.0.0.7' };
  prepareForStatusUpdate(next, old);
  assert.deepEqual(next.spec, old.spec);
  assert.deepEqual(next.metadata.ownerReferences, old.metadata.ownerReferences);
  assert.deepEqual(next.status, {
    phase: 'Running',
    podIP: '10.0.0.7',
    podIPs: [{ ip: '10.0.0.7' }],
    qosClass: 'BestEffort',
  });
  assert.deepEqual(validateStatusUpdate(next, old), []);
  (next.status as Obj).qosClass = 'Guaranteed';
  assert.deepEqual(validateStatusUpdate(next, old), [
    {
      type: 'FieldValueInvalid',
      field: 'status.qosClass',
      badValue: 'Guaranteed',
      detail: 'field is immutable',
    },
  ]);
});

void test('selectable fields are the ones kube-apiserver indexes', () => {
  const { pod } = create(kubectlRun());
  (pod.spec as Obj).nodeName = 'node1';
  pod.status = { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] };
  assert.deepEqual(s.selectableFields?.(pod), {
    'spec.nodeName': 'node1',
    'spec.restartPolicy': 'Always',
    'spec.schedulerName': 'default-scheduler',
    'spec.serviceAccountName': 'default',
    'spec.hostNetwork': 'false',
    'status.phase': 'Running',
    'status.podIP': '10.0.0.5',
    'status.nominatedNodeName': '',
  });
});

// ---- printer ----

function printed(
  status: Obj,
  spec: Obj = {},
  meta: Partial<KubeObject['metadata']> = {},
): unknown[] {
  const pod: KubeObject = {
    metadata: { name: 'web', creationTimestamp: ago(300), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
  return podRow(pod, now);
}

const running = (extra: Obj = {}): Obj => ({
  name: 'app',
  ready: true,
  restartCount: 0,
  state: { running: { startedAt: ago(200) } },
  ...extra,
});

void test('printer columns are those of kube-apiserver, wide ones at priority 1', () => {
  assert.deepEqual(
    s.columns?.map((c) => [c.name, c.type, c.priority ?? 0]),
    [
      ['Name', 'string', 0],
      ['Ready', 'string', 0],
      ['Status', 'string', 0],
      ['Restarts', 'string', 0],
      ['Age', 'string', 0],
      ['IP', 'string', 1],
      ['Node', 'string', 1],
      ['Nominated Node', 'string', 1],
      ['Readiness Gates', 'string', 1],
    ],
  );
});

void test('printer: pending, creating and running pods', () => {
  assert.deepEqual(printed({ phase: 'Pending' }), [
    'web',
    '0/1',
    'Pending',
    '0',
    '5m',
    '<none>',
    '<none>',
    '<none>',
    '<none>',
  ]);
  assert.deepEqual(
    printed(
      {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          },
        ],
      },
      { nodeName: 'node1' },
    ).slice(0, 7),
    ['web', '0/1', 'ContainerCreating', '0', '5m', '<none>', 'node1'],
  );
  assert.deepEqual(
    printed(
      {
        phase: 'Running',
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        containerStatuses: [running()],
      },
      { nodeName: 'node1' },
    ),
    ['web', '1/1', 'Running', '0', '5m', '10.244.0.5', 'node1', '<none>', '<none>'],
  );
});

void test('printer: completed, failed and crash-looping pods, with restarts "N (age ago)"', () => {
  assert.equal(
    printed({
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    })[2],
    'Completed',
  );
  assert.equal(
    printed({
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ],
    })[2],
    'Error',
  );
  assert.equal(
    printed({
      phase: 'Failed',
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } },
      ],
    })[2],
    'ExitCode:137',
  );
  const looping = printed({
    phase: 'Running',
    containerStatuses: [
      {
        name: 'app',
        ready: false,
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
      },
    ],
  });
  assert.deepEqual(looping.slice(1, 4), ['0/1', 'CrashLoopBackOff', '2 (5m ago)']);
  assert.equal(
    printed({
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ImagePullBackOff' } },
        },
      ],
    })[2],
    'ImagePullBackOff',
  );
});

void test('printer: a completed container beside a running one reads Running or NotReady', () => {
  const spec = { containers: [{ name: 'app' }, { name: 'job' }] };
  const statuses = [
    running(),
    {
      name: 'job',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    },
  ];
  assert.deepEqual(printed({ phase: 'Running', containerStatuses: statuses }, spec).slice(1, 3), [
    '1/2',
    'NotReady',
  ]);
  assert.deepEqual(
    printed(
      {
        phase: 'Running',
        containerStatuses: statuses,
        conditions: [{ type: 'Ready', status: 'True' }],
      },
      spec,
    ).slice(1, 3),
    ['1/2', 'Running'],
  );
});

void test('printer: init containers show Init:N/M, Init:<reason>, and sidecars count as containers', () => {
  const spec = { initContainers: [{ name: 'setup' }, { name: 'migrate' }] };
  assert.equal(
    printed(
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'setup',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'PodInitializing' } },
          },
        ],
      },
      spec,
    )[2],
    'Init:0/2',
  );
  assert.deepEqual(
    printed(
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'setup',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
          {
            name: 'migrate',
            ready: false,
            restartCount: 3,
            state: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
      spec,
    ).slice(2, 4),
    ['Init:Error', '3'],
  );
  const sidecar = { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] };
  assert.deepEqual(
    printed(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          { name: 'proxy', ready: true, started: true, restartCount: 0, state: { running: {} } },
        ],
        containerStatuses: [running()],
      },
      sidecar,
    ).slice(1, 3),
    ['2/2', 'Running'],
  );
});

void test('printer: terminating, unknown (node lost) and scheduling-gated pods; readiness gates', () => {
  assert.equal(
    printed(
      { phase: 'Running', containerStatuses: [running()] },
      {},
      { deletionTimestamp: ago(0) },
    )[2],
    'Terminating',
  );
  assert.equal(printed({ phase: 'Succeeded' }, {}, { deletionTimestamp: ago(0) })[2], 'Succeeded');
  assert.equal(
    printed({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(0) })[2],
    'Unknown',
  );
  assert.equal(
    printed({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
    })[2],
    'SchedulingGated',
  );
  assert.equal(
    printed(
      { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }] },
      {
        readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }],
      },
    )[8],
    '1/2',
  );
});

void test('a pod created with scheduling gates carries the SchedulingGated condition', () => {
  const pod = kubectlRun();
  (pod.spec as Obj).schedulingGates = [{ name: 'example.com/wait' }];
  create(pod);
  assert.deepEqual((pod.status as Obj).conditions, [
    {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime: null,
      reason: 'SchedulingGated',
      message: 'Scheduling is blocked due to non-empty scheduling gates',
    },
  ]);
  assert.equal(podRow(pod, now)[2], 'SchedulingGated');
});

void test('an update that omits what defaulting and admission set at create keeps it', () => {
  const { pod: old } = create(kubectlRun());
  // A client that knows none of these fields (an older controller, a hand-written PUT).
  const next = structuredClone(old);
  const spec = next.spec as Obj;
  for (const f of [
    'preemptionPolicy',
    'priority',
    'enableServiceLinks',
    'schedulerName',
    'serviceAccount',
    'tolerations',
    'terminationGracePeriodSeconds',
  ])
    delete spec[f];
  assert.equal(update(next, old), undefined);
  for (const f of [
    'preemptionPolicy',
    'priority',
    'enableServiceLinks',
    'schedulerName',
    'serviceAccount',
    'tolerations',
    'terminationGracePeriodSeconds',
  ])
    assert.deepEqual(spec[f], (old.spec as Obj)[f], f);
});
