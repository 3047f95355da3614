// Kinds kubectl never writes through its typed clients (so no captured body exists) and
// the Go JSON rules on their own. Bodies are built with the schema, as a Go sender would
// write them (non-pointer fields present even when zero), and the expected JSON is what
// encoding/json gives for the same Go object.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { decodeKubernetesProtobuf } from './index.js';
import { MAGIC } from './envelope.js';
import { schemaRoot, typeForKind } from './kinds.js';
import { microTimeFromProto, timeFromProto } from './special.js';

function body(apiVersion: string, kind: string, obj: Record<string, unknown>): Buffer {
  const type = typeForKind(apiVersion, kind);
  assert.ok(type, `no type for ${kind}`);
  const raw = type.encode(type.fromObject(obj)).finish();
  const unknown = schemaRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const env = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish();
  return Buffer.concat([MAGIC, env]);
}

// 2025-03-04T05:06:07Z
const T = 1741064767;
// A zero Go time is encoded as an empty message.
const ZERO = {};
const EMPTY_META = {
  name: '',
  generateName: '',
  namespace: '',
  selfLink: '',
  uid: '',
  resourceVersion: '',
  generation: 0,
  creationTimestamp: ZERO,
};

void describe('Go JSON rules', () => {
  void it('formats times as kube-apiserver does', () => {
    assert.equal(timeFromProto(T), '2025-03-04T05:06:07Z');
    assert.equal(microTimeFromProto(T, 123456789), '2025-03-04T05:06:07.123456Z');
    assert.equal(microTimeFromProto(T, 0), '2025-03-04T05:06:07.000000Z');
  });

  void it('writes full object metadata', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'ConfigMap', {
        metadata: {
          ...EMPTY_META,
          name: 'cm',
          namespace: 'default',
          uid: 'u-1',
          resourceVersion: '7',
          generation: 2,
          creationTimestamp: { seconds: T },
          deletionTimestamp: { seconds: T + 60 },
          deletionGracePeriodSeconds: 0,
          labels: { b: '2', a: '1' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: 'rs',
              uid: 'u-0',
              controller: false,
            },
          ],
          finalizers: ['x/y'],
          managedFields: [
            {
              manager: 'kubectl',
              operation: 'Update',
              apiVersion: 'v1',
              time: { seconds: T },
              fieldsType: 'FieldsV1',
              fieldsV1: { Raw: Buffer.from('{"f:data":{".":{}}}') },
            },
          ],
        },
        immutable: false,
        binaryData: { bin: Uint8Array.from([0, 1, 2, 255]) },
      }),
    );
    assert.deepEqual(got, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: {
        name: 'cm',
        namespace: 'default',
        uid: 'u-1',
        resourceVersion: '7',
        generation: 2,
        creationTimestamp: '2025-03-04T05:06:07Z',
        deletionTimestamp: '2025-03-04T05:07:07Z',
        deletionGracePeriodSeconds: 0,
        labels: { a: '1', b: '2' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-0', controller: false },
        ],
        finalizers: ['x/y'],
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2025-03-04T05:06:07Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': { '.': {} } },
          },
        ],
      },
      immutable: false,
      binaryData: { bin: 'AAEC/w==' },
    });
    assert.deepEqual(
      Object.keys(got.metadata.labels ?? {}),
      ['a', 'b'],
      'map keys come out sorted',
    );
  });

  void it('decodes a ReplicaSet with selector expressions and status', () => {
    const got = decodeKubernetesProtobuf(
      body('apps/v1', 'ReplicaSet', {
        metadata: { ...EMPTY_META, name: 'rs' },
        spec: {
          replicas: 0,
          minReadySeconds: 0,
          selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
          template: {
            metadata: { ...EMPTY_META, labels: { app: 'web' } },
            spec: {
              containers: [{ name: 'c', image: 'nginx', resources: {} }],
              restartPolicy: 'Always',
            },
          },
        },
        status: {
          replicas: 0,
          fullyLabeledReplicas: 0,
          observedGeneration: 4,
          conditions: [
            {
              type: 'ReplicaFailure',
              status: 'True',
              lastTransitionTime: { seconds: T },
              reason: 'x',
              message: '',
            },
          ],
        },
      }),
    );
    assert.deepEqual(got, {
      kind: 'ReplicaSet',
      apiVersion: 'apps/v1',
      metadata: { name: 'rs', creationTimestamp: null },
      spec: {
        replicas: 0,
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'c', image: 'nginx', resources: {} }],
            restartPolicy: 'Always',
          },
        },
      },
      status: {
        replicas: 0,
        observedGeneration: 4,
        conditions: [
          {
            type: 'ReplicaFailure',
            status: 'True',
            lastTransitionTime: '2025-03-04T05:06:07Z',
            reason: 'x',
          },
        ],
      },
    });
  });

  void it('writes an unset Deployment selector as null, an unset Job template as an object', () => {
    const dep = decodeKubernetesProtobuf(
      body('apps/v1', 'Deployment', {
        metadata: EMPTY_META,
        spec: { template: { metadata: EMPTY_META, spec: {} } },
      }),
    );
    assert.deepEqual(dep.spec, {
      selector: null,
      template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
    });
    const job = decodeKubernetesProtobuf(
      body('batch/v1', 'Job', { metadata: EMPTY_META, spec: {} }),
    );
    assert.deepEqual(job.spec, { template: {} });
  });

  void it('decodes a ReplicationController', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'ReplicationController', {
        metadata: { ...EMPTY_META, name: 'rc' },
        spec: {
          replicas: 3,
          selector: { app: 'x' },
          template: { metadata: EMPTY_META, spec: { containers: [{ name: 'c' }] } },
        },
        status: { replicas: 1, readyReplicas: 1 },
      }),
    );
    assert.deepEqual(got, {
      kind: 'ReplicationController',
      apiVersion: 'v1',
      metadata: { name: 'rc', creationTimestamp: null },
      spec: {
        replicas: 3,
        selector: { app: 'x' },
        template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c' }] } },
      },
      status: { replicas: 1, readyReplicas: 1 },
    });
  });

  void it('decodes a LimitRange: type and limits always written, empty lists left out', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'LimitRange', {
        metadata: { ...EMPTY_META, name: 'limits' },
        spec: {
          limits: [
            {
              type: 'Container',
              max: { cpu: { string: '500m' } },
              defaultRequest: { memory: { string: '64Mi' } },
            },
            { type: '' },
          ],
        },
      }),
    );
    assert.deepEqual(got, {
      kind: 'LimitRange',
      apiVersion: 'v1',
      metadata: { name: 'limits', creationTimestamp: null },
      spec: {
        limits: [
          { type: 'Container', max: { cpu: '500m' }, defaultRequest: { memory: '64Mi' } },
          { type: '' },
        ],
      },
    });
    assert.deepEqual(
      decodeKubernetesProtobuf(body('v1', 'LimitRange', { metadata: EMPTY_META, spec: {} })),
      {
        kind: 'LimitRange',
        apiVersion: 'v1',
        metadata: { creationTimestamp: null },
        spec: { limits: null },
      },
    );
  });

  void it('decodes Endpoints', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'Endpoints', {
        metadata: { ...EMPTY_META, name: 'svc' },
        subsets: [
          {
            addresses: [
              {
                ip: '10.0.0.1',
                nodeName: 'n1',
                targetRef: { kind: 'Pod', name: 'p', namespace: 'default' },
              },
            ],
            notReadyAddresses: [{ ip: '10.0.0.2', hostname: '' }],
            ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
          },
        ],
      }),
    );
    assert.deepEqual(got, {
      kind: 'Endpoints',
      apiVersion: 'v1',
      metadata: { name: 'svc', creationTimestamp: null },
      subsets: [
        {
          addresses: [
            {
              ip: '10.0.0.1',
              nodeName: 'n1',
              targetRef: { kind: 'Pod', name: 'p', namespace: 'default' },
            },
          ],
          notReadyAddresses: [{ ip: '10.0.0.2' }],
          ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        },
      ],
    });
  });

  void it('decodes an Event with times, micro times and the always-written reporting fields', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'Event', {
        metadata: { ...EMPTY_META, name: 'e1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
        reason: 'Scheduled',
        message: 'ok',
        source: { component: 'scheduler' },
        firstTimestamp: { seconds: T },
        lastTimestamp: ZERO,
        count: 1,
        type: 'Normal',
        eventTime: { seconds: T, nanos: 500000000 },
        series: { count: 2, lastObservedTime: { seconds: T, nanos: 1000 } },
      }),
    );
    assert.deepEqual(got, {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'e1', namespace: 'default', creationTimestamp: null },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      reason: 'Scheduled',
      message: 'ok',
      source: { component: 'scheduler' },
      firstTimestamp: '2025-03-04T05:06:07Z',
      lastTimestamp: null,
      count: 1,
      type: 'Normal',
      eventTime: '2025-03-04T05:06:07.500000Z',
      series: { count: 2, lastObservedTime: '2025-03-04T05:06:07.000001Z' },
      reportingComponent: '',
      reportingInstance: '',
    });
  });

  void it('decodes a Node (cordoned, tainted, with status)', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'Node', {
        metadata: { ...EMPTY_META, name: 'n1' },
        spec: {
          unschedulable: true,
          taints: [{ key: 'k', effect: 'NoSchedule', timeAdded: { seconds: T } }],
        },
        status: {
          capacity: { cpu: { string: '2' }, memory: { string: '8Gi' } },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              lastHeartbeatTime: { seconds: T },
              lastTransitionTime: ZERO,
            },
          ],
          addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: { kubeletVersion: 'v1.33.1', architecture: 'amd64' },
        },
      }),
    );
    assert.deepEqual(got.spec, {
      unschedulable: true,
      taints: [{ key: 'k', effect: 'NoSchedule', timeAdded: '2025-03-04T05:06:07Z' }],
    });
    assert.deepEqual(got.status, {
      capacity: { cpu: '2', memory: '8Gi' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastHeartbeatTime: '2025-03-04T05:06:07Z',
          lastTransitionTime: null,
        },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: '',
        containerRuntimeVersion: '',
        kubeletVersion: 'v1.33.1',
        kubeProxyVersion: '',
        operatingSystem: '',
        architecture: 'amd64',
      },
    });
  });

  void it('decodes Pod status with container states', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'Pod', {
        metadata: { ...EMPTY_META, name: 'p' },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
        status: {
          phase: 'Running',
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              lastProbeTime: ZERO,
              lastTransitionTime: { seconds: T },
            },
          ],
          podIP: '10.244.0.7',
          podIPs: [{ ip: '10.244.0.7' }],
          startTime: { seconds: T },
          containerStatuses: [
            {
              name: 'c',
              state: { running: { startedAt: { seconds: T } } },
              lastState: {
                terminated: { exitCode: 0, reason: 'Completed', startedAt: ZERO, finishedAt: ZERO },
              },
              ready: false,
              restartCount: 0,
              image: 'nginx',
              imageID: '',
              started: false,
            },
          ],
          qosClass: 'BestEffort',
        },
      }),
    );
    assert.deepEqual(got.status, {
      phase: 'Running',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: '2025-03-04T05:06:07Z',
        },
      ],
      podIP: '10.244.0.7',
      podIPs: [{ ip: '10.244.0.7' }],
      startTime: '2025-03-04T05:06:07Z',
      containerStatuses: [
        {
          name: 'c',
          state: { running: { startedAt: '2025-03-04T05:06:07Z' } },
          lastState: {
            terminated: { exitCode: 0, reason: 'Completed', startedAt: null, finishedAt: null },
          },
          ready: false,
          restartCount: 0,
          image: 'nginx',
          imageID: '',
          started: false,
        },
      ],
      qosClass: 'BestEffort',
    });
  });

  void it('decodes DeleteOptions under any group version, without metadata', () => {
    const got = decodeKubernetesProtobuf(
      body('meta.k8s.io/v1', 'DeleteOptions', {
        gracePeriodSeconds: 0,
        preconditions: { resourceVersion: '5' },
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      }),
    );
    assert.deepEqual(got, {
      kind: 'DeleteOptions',
      apiVersion: 'meta.k8s.io/v1',
      gracePeriodSeconds: 0,
      preconditions: { resourceVersion: '5' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    const inApps = decodeKubernetesProtobuf(
      body('apps/v1', 'DeleteOptions', { propagationPolicy: 'Orphan' }),
    );
    assert.deepEqual(inApps, {
      kind: 'DeleteOptions',
      apiVersion: 'apps/v1',
      propagationPolicy: 'Orphan',
    });
  });

  void it('decodes an Eviction with its DeleteOptions', () => {
    const got = decodeKubernetesProtobuf(
      body('policy/v1', 'Eviction', {
        metadata: { ...EMPTY_META, name: 'p', namespace: 'default' },
        deleteOptions: { gracePeriodSeconds: 30 },
      }),
    );
    assert.deepEqual(got, {
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'p', namespace: 'default', creationTimestamp: null },
      deleteOptions: { gracePeriodSeconds: 30 },
    });
  });

  void it('writes IntOrString as a number or a string, and a zero one as 0', () => {
    const got = decodeKubernetesProtobuf(
      body('v1', 'Service', {
        metadata: EMPTY_META,
        spec: {
          ports: [
            { port: 80, targetPort: { type: 1, strVal: 'http' } },
            { port: 81, targetPort: { type: 0, intVal: 8081 } },
            { port: 82, targetPort: {} },
          ],
        },
        status: { loadBalancer: {} },
      }),
    );
    assert.deepEqual((got.spec as { ports: unknown[] }).ports, [
      { port: 80, targetPort: 'http' },
      { port: 81, targetPort: 8081 },
      { port: 82, targetPort: 0 },
    ]);
  });

  void it('treats a map entry sent without a value as empty', () => {
    const secret = schemaRoot().lookupType('k8s.io.api.core.v1.Secret');
    const raw = Buffer.concat([
      secret.encode(secret.fromObject({ metadata: { name: 's' } })).finish(),
      // data entry {1: "k"} with no value field
      protobuf.Writer.create()
        .uint32((2 << 3) | 2)
        .bytes(Uint8Array.from([0x0a, 0x01, 0x6b]))
        .finish(),
    ]);
    const unknown = schemaRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
    const env = unknown
      .encode(unknown.fromObject({ typeMeta: { apiVersion: 'v1', kind: 'Secret' }, raw }))
      .finish();
    const got = decodeKubernetesProtobuf(Buffer.concat([MAGIC, env]));
    assert.deepEqual(got.data, { k: '' });
  });

  void it('adds empty metadata when a non-Go sender leaves it out', () => {
    const got = decodeKubernetesProtobuf(body('v1', 'Namespace', {}));
    assert.deepEqual(got, { kind: 'Namespace', apiVersion: 'v1', metadata: {} });
  });
});

void describe('managed fields documents in protobuf bodies', () => {
  void it('are bounded in depth like JSON bodies', () => {
    const deep = '{"f:a":'.repeat(100_000) + '{}' + '}'.repeat(100_000);
    const pb = body('v1', 'ConfigMap', {
      metadata: {
        name: 'cm',
        managedFields: [
          { manager: 'm', fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from(deep) } },
        ],
      },
    });
    assert.throws(
      () => decodeKubernetesProtobuf(pb),
      (e: unknown) =>
        e instanceof Error &&
        (e as { code?: number }).code === 400 &&
        e.message === "metadata.managedFields: invalid character '{' exceeded max depth",
    );
  });
});
