import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limitRows, quotaRows } from './namespace-policy.js';

const obj = (name: string, rest: object) => ({ metadata: { name }, ...rest }) as any;

test("a namespace's quotas: one row per resource, in name order, used once counted", () => {
  const counted = obj('compute', {
    spec: { hard: { 'requests.cpu': '1', pods: '10' } },
    status: { hard: { 'requests.cpu': '1', pods: '10' }, used: { pods: '2' } },
  });
  const fresh = obj('a-objects', { spec: { hard: { configmaps: '5' } } });
  assert.deepEqual(quotaRows([counted, fresh]), [
    { quota: 'a-objects', resource: 'configmaps', used: '', hard: '5' },
    { quota: 'compute', resource: 'pods', used: '2', hard: '10' },
    { quota: 'compute', resource: 'requests.cpu', used: '0', hard: '1' },
  ]);
});

test("a namespace's limit ranges: each type and resource, '-' where unset", () => {
  const lr = obj('limits', {
    spec: {
      limits: [
        {
          type: 'Container',
          max: { cpu: '1' },
          default: { cpu: '500m', memory: '256Mi' },
          defaultRequest: { cpu: '100m' },
        },
        { type: 'PersistentVolumeClaim', max: { storage: '2Gi' } },
      ],
    },
  });
  assert.deepEqual(
    limitRows([lr]).map((r) => [
      r.type,
      r.resource,
      r.min,
      r.max,
      r.defaultRequest,
      r.defaultLimit,
      r.maxLimitRequestRatio,
    ]),
    [
      ['Container', 'cpu', '-', '1', '100m', '500m', '-'],
      ['Container', 'memory', '-', '-', '-', '256Mi', '-'],
      ['PersistentVolumeClaim', 'storage', '-', '2Gi', '-', '-', '-'],
    ],
  );
});
