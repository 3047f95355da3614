import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../types.js';
import {
  QuotaRefusal,
  calculateUsage,
  checkRequest,
  evaluatorFor,
  evaluatorsFor,
  nextStatus,
  parseCountName,
  podUsage,
  resourceListJson,
  type ResourceList,
} from './index.js';

const NOW = new Date('2024-01-01T00:00:00Z');
const json = (l: ResourceList) => resourceListJson(l);

const container = (name: string, requests?: object, limits?: object, extra: object = {}) => ({
  name,
  image: 'x',
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
  ...extra,
});
const pod = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec,
  status,
});
const quota = (
  name: string,
  hard: Record<string, string>,
  used?: Record<string, string>,
  spec: Record<string, unknown> = {},
): KubeObject => ({
  metadata: { name, namespace: 'ns' },
  spec: { hard, ...spec },
  status: used ? { hard, used } : {},
});

void describe('quota usage', () => {
  void it("counts init containers as kube's PodRequests does", () => {
    const p = pod({
      containers: [
        container('a', { cpu: '500m', memory: '64Mi' }, { memory: '128Mi' }),
        container('b', { cpu: '250m', memory: '64Mi' }),
      ],
      initContainers: [
        container('sidecar', { cpu: '100m' }, undefined, { restartPolicy: 'Always' }),
        container('setup', { cpu: '1', memory: '32Mi' }, { memory: '1Gi' }),
      ],
      overhead: { cpu: '10m' },
    });
    assert.deepEqual(json(podUsage(p, NOW)), {
      'count/pods': '1',
      cpu: '1110m',
      'limits.memory': '1Gi',
      memory: '128Mi',
      pods: '1',
      'requests.cpu': '1110m',
      'requests.memory': '128Mi',
    });
  });

  void it('counts a finished pod only as an object', () => {
    const done = pod({ containers: [container('a', { cpu: '1' })] }, { phase: 'Succeeded' });
    assert.deepEqual(json(podUsage(done, NOW)), { 'count/pods': '1' });
  });

  void it('counts node ports of NodePort and LoadBalancer services', () => {
    const ev = evaluatorFor('', 'services');
    const svc = (spec: object): KubeObject => ({ metadata: { name: 's' }, spec });
    assert.deepEqual(json(ev.usage(svc({ type: 'NodePort', ports: [{}, {}] }), NOW)), {
      'count/services': '1',
      services: '1',
      'services.loadbalancers': '0',
      'services.nodeports': '2',
    });
    assert.deepEqual(
      json(ev.usage(svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }), NOW))[
        'services.loadbalancers'
      ],
      '1',
    );
  });

  void it('counts claims and their storage, by class too', () => {
    const ev = evaluatorFor('', 'persistentvolumeclaims');
    const pvc: KubeObject = {
      metadata: { name: 'c' },
      spec: { storageClassName: 'gold', resources: { requests: { storage: '1500m' } } },
    };
    assert.deepEqual(json(ev.usage(pvc, NOW)), {
      'count/persistentvolumeclaims': '1',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'gold.storageclass.storage.k8s.io/requests.storage': '2',
      persistentvolumeclaims: '1',
      'requests.storage': '2',
    });
  });

  void it('finds the evaluators a quota needs', () => {
    assert.deepEqual(parseCountName('count/deployments.apps'), {
      group: 'apps',
      resource: 'deployments',
    });
    assert.deepEqual(
      evaluatorsFor(['pods', 'configmaps', 'count/deployments.apps', 'count/events']).map(
        (e) => `${e.group}/${e.resource}`,
      ),
      ['/pods', '/configmaps', 'apps/deployments'],
    );
  });

  void it('sums usage in the quota scopes and writes every hard name', () => {
    const q = quota('q', { pods: '5', 'requests.cpu': '2', configmaps: '3' }, undefined, {
      scopes: ['NotBestEffort'],
    });
    const pods = [
      pod({ containers: [container('a', { cpu: '500m' })] }),
      pod({ containers: [container('a')] }),
    ];
    const usage = calculateUsage(
      q,
      evaluatorsFor(['pods', 'requests.cpu', 'configmaps']),
      (ev) => (ev.resource === 'pods' ? pods : []),
      NOW,
    );
    // Object counters never match a scoped quota: configmaps stay at zero.
    assert.deepEqual(json(usage), { configmaps: '0', pods: '1', 'requests.cpu': '500m' });
    const next = nextStatus(q, usage);
    assert.ok(next);
    assert.deepEqual(json(next.used), { configmaps: '0', pods: '1', 'requests.cpu': '500m' });
    assert.equal(
      nextStatus(quota('q', { pods: '1' }, { pods: '1' }), new Map(next.used)),
      undefined,
    );
  });
});

void describe('the PriorityClass scope selector', () => {
  const count = (operator: string, values?: string[]): string => {
    const q = quota('q', { pods: '9' }, undefined, {
      scopeSelector: {
        matchExpressions: [{ scopeName: 'PriorityClass', operator, ...(values ? { values } : {}) }],
      },
    });
    const pods = [
      pod({ priorityClassName: 'high', containers: [container('a')] }),
      pod({ priorityClassName: 'low', containers: [container('a')] }),
      pod({ containers: [container('a')] }),
    ];
    const usage = calculateUsage(q, evaluatorsFor(['pods']), () => pods, NOW);
    return json(usage)['pods'] ?? '';
  };
  void it('In, NotIn, Exists and DoesNotExist over the pod class name', () => {
    assert.equal(count('In', ['high']), '1');
    assert.equal(count('NotIn', ['high']), '2'); // "low" and the pod without a class
    assert.equal(count('Exists'), '2');
    assert.equal(count('DoesNotExist'), '1'); // the pod without a class
  });
});

void describe('quota admission decisions', () => {
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      if (e instanceof QuotaRefusal) return e.message;
      throw e;
    }
    return '';
  };
  const pods = evaluatorFor('', 'pods');

  void it('refuses what exceeds, naming only the exceeded resources', () => {
    const quotas = [
      quota('q', { pods: '2', 'count/pods': '10' }, { pods: '2', 'count/pods': '2' }),
    ];
    const p = pod({ containers: [container('c')] });
    assert.equal(
      refusal(() => checkRequest(quotas, pods, { op: 'create', object: p, now: NOW })),
      'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    );
  });

  void it('charges every matching quota', () => {
    const quotas = [
      quota('a', { pods: '3' }, { pods: '1' }),
      quota('b', { configmaps: '3' }, { configmaps: '0' }),
      quota('c', { pods: '3' }, { pods: '0' }, { scopes: ['Terminating'] }),
    ];
    const changed = checkRequest(quotas, pods, {
      op: 'create',
      object: pod({ containers: [container('c')] }),
      now: NOW,
    });
    assert.deepEqual([...changed.keys()], [0]);
    assert.deepEqual(json(changed.get(0) ?? new Map()), { pods: '2' });
  });

  void it('asks for cpu and memory a quota tracks, by container', () => {
    const quotas = [
      quota('q', { cpu: '1', 'limits.memory': '1Gi' }, { cpu: '0', 'limits.memory': '0' }),
    ];
    const p = pod({
      containers: [container('a', { cpu: '1' }), container('b')],
      initContainers: [container('i', undefined, { memory: '1Mi' })],
    });
    assert.equal(
      refusal(() => checkRequest(quotas, pods, { op: 'create', object: p, now: NOW })),
      'failed quota: q: must specify cpu for: b,i; limits.memory for: a,b',
    );
  });

  void it('charges a service update by what it adds', () => {
    const svcs = evaluatorFor('', 'services');
    const old: KubeObject = {
      metadata: { name: 's', resourceVersion: '5' },
      spec: { type: 'ClusterIP', ports: [{ port: 80 }] },
    };
    const now: KubeObject = { ...old, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    const quotas = [
      quota(
        'q',
        { services: '1', 'services.nodeports': '1' },
        { services: '1', 'services.nodeports': '0' },
      ),
    ];
    const changed = checkRequest(quotas, svcs, { op: 'update', object: now, old, now: NOW });
    assert.deepEqual(json(changed.get(0) ?? new Map()), {
      services: '1',
      'services.nodeports': '1',
    });
  });
});
