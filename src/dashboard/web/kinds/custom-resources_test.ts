import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  columnCell,
  customResource,
  isEstablished,
  printerColumns,
  servedVersion,
} from './custom-resources.js';

const crd = {
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', kind: 'CronTab' },
    versions: [
      { name: 'v1beta1', served: true, storage: false },
      {
        name: 'v1',
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  },
  status: { conditions: [{ type: 'Established', status: 'True' }] },
} as any;

test("a definition's objects are read at its storage version, with its printer columns", () => {
  assert.equal(servedVersion(crd)?.name, 'v1');
  assert.deepEqual(customResource(crd), {
    group: 'stable.example.com',
    version: 'v1',
    plural: 'crontabs',
    kind: 'CronTab',
    namespaced: true,
  });
  assert.equal(isEstablished(crd), true);
  assert.deepEqual(
    printerColumns(crd).map((c) => c.name),
    ['Spec'],
  );
});

test('a storage version no longer served gives way to the first served one', () => {
  const old = structuredClone(crd);
  old.spec.versions[1].served = false;
  old.spec.scope = 'Cluster';
  old.status.conditions = [];
  assert.equal(customResource(old)?.version, 'v1beta1');
  assert.equal(customResource(old)?.namespaced, false);
  assert.equal(isEstablished(old), false);
});

test('printer column cells follow simple JSONPaths', () => {
  const o = {
    metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: { cronSpec: '* * * * */5', replicas: 3, tags: ['a'] },
  } as any;
  assert.equal(columnCell(o, '.spec.cronSpec'), '* * * * */5');
  assert.equal(columnCell(o, '.spec.replicas'), '3');
  assert.equal(columnCell(o, '.spec.tags'), '["a"]');
  assert.equal(columnCell(o, ".metadata.labels['app.kubernetes.io/name']"), 'web');
  assert.equal(columnCell(o, '.status.phase'), '');
});
