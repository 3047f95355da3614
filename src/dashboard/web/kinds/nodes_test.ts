import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/reducer.js';
import {
  allocated,
  metricsUsage,
  nodeCapacity,
  nodeRoles,
  nodeStatus,
  podResources,
} from './nodes.js';

const pod = (containers: any[], extra: any = {}, phase = 'Running'): KObject => ({
  metadata: { name: 'p' },
  spec: { containers, ...extra },
  status: { phase },
});
const c = (requests: any, limits: any = {}): any => ({ resources: { requests, limits } });

describe('node allocation and use', () => {
  it('sums container requests, at least the largest init container, plus overhead', () => {
    const p = pod([c({ cpu: '250m', memory: '64Mi' }), c({ cpu: '250m', memory: '64Mi' })], {
      initContainers: [c({ cpu: '1', memory: '16Mi' })],
      overhead: { cpu: '10m' },
    });
    const r = podResources(p, 'requests');
    assert.ok(Math.abs(r.cpu - 1.01) < 1e-9);
    assert.equal(r.memory, 128 * 2 ** 20);
  });

  it('leaves finished pods out of what a node has allocated', () => {
    const a = allocated([
      pod([c({ cpu: '100m' }, { cpu: '200m', memory: '1Gi' })]),
      pod([c({ cpu: '4' })], {}, 'Succeeded'),
    ]);
    assert.ok(Math.abs(a.requests.cpu - 0.1) < 1e-9);
    assert.ok(Math.abs(a.limits.cpu - 0.2) < 1e-9);
    assert.equal(a.limits.memory, 2 ** 30);
  });

  it('reads capacity, usage, status and roles', () => {
    const node: KObject = {
      metadata: { name: 'n', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: {
        capacity: { cpu: '2', memory: '4026836Ki' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
    assert.deepEqual(nodeCapacity(node, 'capacity'), { cpu: 2, memory: 4026836 * 1024 });
    assert.equal(nodeStatus(node), 'Ready,SchedulingDisabled');
    assert.equal(nodeRoles(node), 'control-plane');
    assert.deepEqual(
      metricsUsage({ metadata: { name: 'n' }, usage: { cpu: '500m', memory: '1Gi' } }),
      {
        cpu: 0.5,
        memory: 2 ** 30,
      },
    );
    assert.equal(metricsUsage(undefined), undefined);
  });
});
