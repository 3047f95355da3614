import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi } from '../../../../test/support/inprocess.js';
import { StatusError, resources } from '../../../client/index.js';
import type { ResourceRef } from '../../../client/index.js';
import type { KubeObject } from '../../../api/types.js';
import {
  LIMIT_RANGER_ANNOTATION,
  aggregateMessage,
  claimLimitViolations,
  defaultPodResources,
  podLimitViolations,
  podTotals,
} from './limitranger.js';
import { formatQuantity } from '../../../api/quantity.js';

const limitRanges: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'limitranges',
  namespaced: true,
};

const range = (...limits: object[]): KubeObject => ({
  metadata: { name: 'lr', namespace: 'default' },
  spec: { limits },
});
const pod = (spec: object, name = 'p'): KubeObject => ({
  metadata: { name, namespace: 'default' },
  spec,
});
const container = (name: string, resources: object = {}): object => ({
  name,
  image: 'busybox',
  resources,
});

void describe('LimitRanger defaults', () => {
  void it('fills missing limits and requests and says so in the annotation', () => {
    const p = pod({
      initContainers: [container('init')],
      containers: [
        container('a'),
        container('b', { limits: { cpu: '2' }, requests: { cpu: '2' } }),
        container('c', { requests: { memory: '10Mi' } }),
      ],
    });
    const changed = defaultPodResources(
      p,
      range({
        type: 'Container',
        default: { memory: '256Mi', cpu: '500m' },
        defaultRequest: { cpu: '100m', memory: '128Mi' },
      }),
    );
    assert.deepEqual(changed, [
      'spec.containers[0].resources',
      'spec.containers[1].resources',
      'spec.containers[2].resources',
      'spec.initContainers[0].resources',
    ]);
    assert.equal(
      p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; ' +
        'memory request for container b; memory limit for container b; ' +
        'cpu request for container c; cpu, memory limit for container c; ' +
        'cpu, memory request for init container init; cpu, memory limit for init container init',
    );
    const spec = p['spec'] as { containers: { resources: object }[] };
    assert.deepEqual(spec.containers[0]?.resources, {
      limits: { memory: '256Mi', cpu: '500m' },
      requests: { cpu: '100m', memory: '128Mi' },
    });
    assert.deepEqual(spec.containers[2]?.resources, {
      requests: { memory: '10Mi', cpu: '100m' },
      limits: { memory: '256Mi', cpu: '500m' },
    });
  });

  void it('leaves a pod alone when nothing is missing or nothing is defaulted', () => {
    const p = pod({
      containers: [container('a', { limits: { cpu: '1' }, requests: { cpu: '1' } })],
    });
    assert.deepEqual(
      defaultPodResources(p, range({ type: 'Container', default: { cpu: '1' } })),
      [],
    );
    assert.deepEqual(defaultPodResources(p, range({ type: 'Pod', max: { cpu: '4' } })), []);
    assert.equal(p.metadata.annotations, undefined);
  });
});

void describe('LimitRanger constraints', () => {
  void it('checks each container against Container items', () => {
    const lr = range({
      type: 'Container',
      min: { cpu: '100m' },
      max: { cpu: '500m', memory: '1Gi' },
      maxLimitRequestRatio: { cpu: '2' },
    });
    const p = pod({
      containers: [
        container('big', { limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '1' } }),
        container('none'),
        container('bursty', { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m' } }),
      ],
    });
    assert.deepEqual(podLimitViolations(p, lr), [
      'maximum cpu usage per Container is 500m, but limit is 1',
      'maximum memory usage per Container is 1Gi, but limit is 2Gi',
      'minimum cpu usage per Container is 100m.  No request is specified',
      'maximum cpu usage per Container is 500m.  No limit is specified',
      'maximum memory usage per Container is 1Gi.  No limit is specified',
      'cpu max limit to request ratio per Container is 2, but no request is specified or request is 0',
      'cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000',
    ]);
  });

  void it('reports the request and the limit under a min', () => {
    const lr = range({ type: 'Container', min: { memory: '64Mi' } });
    assert.deepEqual(
      podLimitViolations(
        pod({ containers: [container('a', { requests: { memory: '32Mi' } })] }),
        lr,
      ),
      ['minimum memory usage per Container is 64Mi, but request is 32Mi'],
    );
    assert.deepEqual(
      podLimitViolations(
        pod({
          containers: [container('a', { requests: { memory: '64Mi' }, limits: { memory: '1Mi' } })],
        }),
        lr,
      ),
      ['minimum memory usage per Container is 64Mi, but limit is 1Mi'],
    );
  });

  void it('sums a pod as kube does: containers, sidecars, and the init containers peak', () => {
    const p = pod({
      initContainers: [
        container('sidecar', { requests: { cpu: '100m' } }),
        container('setup', { requests: { cpu: '2' } }),
      ],
      containers: [
        container('a', { requests: { cpu: '300m' } }),
        container('b', { requests: { cpu: '300m' } }),
      ],
    });
    const spec = p['spec'] as { initContainers: Record<string, unknown>[] };
    if (spec.initContainers[0]) spec.initContainers[0]['restartPolicy'] = 'Always';
    const requests = podTotals(p, 0);
    // 300m + 300m + the sidecar's 100m, but setup (2 plus the sidecar) is higher.
    assert.equal(
      formatQuantity(requests.get('cpu') ?? { n: 0n, exp: 0, format: 'DecimalSI' }),
      '2100m',
    );
    assert.deepEqual(podLimitViolations(p, range({ type: 'Pod', max: { cpu: '1' } })), [
      'maximum cpu usage per Pod is 1.  No limit is specified',
    ]);
    assert.deepEqual(podLimitViolations(p, range({ type: 'Pod', min: { cpu: '3' } })), [
      'minimum cpu usage per Pod is 3, but request is 2100m',
    ]);
  });

  void it('holds claims storage requests within min and max', () => {
    const claim = (storage?: string): KubeObject => ({
      metadata: { name: 'c', namespace: 'default' },
      spec: { resources: storage ? { requests: { storage } } : {} },
    });
    const lr = range({
      type: 'PersistentVolumeClaim',
      min: { storage: '1Gi' },
      max: { storage: '2Gi' },
    });
    assert.deepEqual(claimLimitViolations(claim('1Gi'), lr), []);
    assert.deepEqual(claimLimitViolations(claim('5Gi'), lr), [
      'maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi',
    ]);
    assert.deepEqual(claimLimitViolations(claim('100Mi'), lr), [
      'minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi',
    ]);
    assert.deepEqual(claimLimitViolations(claim(), lr), [
      'minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified',
      'maximum storage usage per PersistentVolumeClaim is 2Gi.  No request is specified',
    ]);
  });

  void it('aggregates messages as utilerrors does', () => {
    assert.equal(aggregateMessage(['a']), 'a');
    assert.equal(aggregateMessage(['a', 'b', 'a']), '[a, b]');
    assert.equal(aggregateMessage(['a', 'a']), 'a');
  });
});

void describe('LimitRanger admission through the API', () => {
  const refused = (message: string) => (e: unknown) =>
    e instanceof StatusError &&
    e.code === 403 &&
    e.reason === 'Forbidden' &&
    (e.message === message || assert.fail(e.message));

  void it('defaults and refuses pods, and refuses claims on create and update', async () => {
    const api = await startTestApi();
    try {
      const c = api.client;
      // No LimitRange: the pod is stored as sent.
      const plain = await c.create(
        resources.pods,
        'default',
        pod({ containers: [container('a')] }, 'plain'),
      );
      assert.equal(plain.metadata.annotations?.[LIMIT_RANGER_ANNOTATION], undefined);
      assert.equal((plain['status'] as { qosClass: string }).qosClass, 'BestEffort');

      await c.create(limitRanges, 'default', {
        metadata: { name: 'limits' },
        spec: {
          limits: [
            {
              type: 'Container',
              max: { cpu: '500m', memory: '512Mi' },
              defaultRequest: { cpu: '100m', memory: '64Mi' },
            },
            { type: 'PersistentVolumeClaim', max: { storage: '2Gi' } },
          ],
        },
      });

      const p = await c.create(
        resources.pods,
        'default',
        pod({ containers: [container('web')] }, 'web'),
      );
      assert.equal(
        p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION],
        'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web',
      );
      // The QoS class follows the defaults.
      assert.equal((p['status'] as { qosClass: string }).qosClass, 'Burstable');
      assert.deepEqual(
        (p['spec'] as { containers: { resources: object }[] }).containers[0]?.resources,
        {
          limits: { cpu: '500m', memory: '512Mi' },
          requests: { cpu: '100m', memory: '64Mi' },
        },
      );

      await assert.rejects(
        c.create(
          resources.pods,
          'default',
          pod({ containers: [container('big', { limits: { cpu: '1', memory: '1Gi' } })] }, 'big'),
        ),
        refused(
          'pods "big" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, maximum memory usage per Container is 512Mi, but limit is 1Gi]',
        ),
      );

      // A default limit under the container's own request fails the pod's validation.
      await assert.rejects(
        c.create(
          resources.pods,
          'default',
          pod(
            { containers: [container('greedy', { requests: { cpu: '400m', memory: '1Gi' } })] },
            'greedy',
          ),
        ),
        (e: unknown) =>
          e instanceof StatusError &&
          e.code === 422 &&
          e.message ===
            'Pod "greedy" is invalid: spec.containers[0].resources.requests: Invalid value: "1Gi": must be less than or equal to memory limit of 512Mi',
      );

      const claim = (storage: string): KubeObject => ({
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
      });
      await assert.rejects(
        c.create(resources.persistentVolumeClaims, 'default', claim('5Gi')),
        refused(
          'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi',
        ),
      );
      const stored = await c.create(resources.persistentVolumeClaims, 'default', claim('1Gi'));
      // A stricter LimitRange made later holds for the claim's next update, not for its status.
      await c.create(limitRanges, 'default', {
        metadata: { name: 'tight' },
        spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '512Mi' } }] },
      });
      stored.metadata.labels = { tier: 'db' };
      await assert.rejects(
        c.update(resources.persistentVolumeClaims, stored),
        refused(
          'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 512Mi, but request is 1Gi',
        ),
      );
      delete stored.metadata.labels;
      stored['status'] = { phase: 'Lost' };
      const status = await c.update(resources.persistentVolumeClaims, stored, 'status');
      assert.equal((status['status'] as { phase: string }).phase, 'Lost');
    } finally {
      await api.close();
    }
  });
});
