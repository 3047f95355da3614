import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenApiHandler } from './index.js';
import { unknownFieldFinder } from './unknown-fields.js';

const openapi = createOpenApiHandler();
const POD = { group: '', version: 'v1', kind: 'Pod' };
const DEPLOYMENT = { group: 'apps', version: 'v1', kind: 'Deployment' };

void test('a valid pod has no unknown fields', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      labels: { app: 'web', 'example.com/any-key': 'x' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      creationTimestamp: null,
      managedFields: [
        {
          manager: 'kubectl',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:containers': {} } },
        },
      ],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '1', memory: '64Mi' } },
          readinessProbe: { httpGet: { path: '/', port: 'http' } },
        },
      ],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
    },
    status: {},
  };
  assert.deepEqual(openapi.findUnknownFields(POD, pod), []);
});

void test('unknown fields are reported with their paths, in document order', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', nmae: 'typo' },
    spec: {
      foo: 1,
      containers: [
        { name: 'a', image: 'nginx' },
        { name: 'b', imagee: 'nginx', ports: [{ containerPort: 80, hostPortt: 1 }] },
      ],
    },
    extra: true,
  };
  assert.deepEqual(openapi.findUnknownFields(POD, pod), [
    'metadata.nmae',
    'spec.foo',
    'spec.containers[1].imagee',
    'spec.containers[1].ports[0].hostPortt',
    'extra',
  ]);
});

void test('nested templates are checked against their own schemas', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', bogus: 1 } } }],
            },
          ],
        },
      },
    },
  };
  assert.deepEqual(openapi.findUnknownFields(DEPLOYMENT, deployment), [
    'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.bogus',
  ]);
});

void test('each group-version-kind uses its own schema', () => {
  const event = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'e' },
    note: 'hi',
    reason: 'X',
  };
  assert.deepEqual(
    openapi.findUnknownFields({ group: 'events.k8s.io', version: 'v1', kind: 'Event' }, event),
    [],
  );
  assert.deepEqual(openapi.findUnknownFields({ group: '', version: 'v1', kind: 'Event' }, event), [
    'note',
  ]);
  const scale = {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'web' },
    spec: { replicas: 3, replica: 1 },
  };
  assert.deepEqual(
    openapi.findUnknownFields({ group: 'autoscaling', version: 'v1', kind: 'Scale' }, scale),
    ['spec.replica'],
  );
  const list = {
    apiVersion: 'v1',
    kind: 'ConfigMapList',
    metadata: {},
    items: [{ metadata: { name: 'a' }, data: { k: 'v' }, x: 1 }],
  };
  assert.deepEqual(
    openapi.findUnknownFields({ group: '', version: 'v1', kind: 'ConfigMapList' }, list),
    ['items[0].x'],
  );
});

void test('kinds without a schema are not checked', () => {
  assert.deepEqual(
    openapi.findUnknownFields(
      { group: 'example.com', version: 'v1', kind: 'Widget' },
      { anything: 1 },
    ),
    [],
  );
});

void test('x-kubernetes-preserve-unknown-fields and maps of objects are honoured', () => {
  const find = unknownFieldFinder({
    'test.Thing': {
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: 'test', version: 'v1', kind: 'Thing' }],
      properties: {
        open: { $ref: '#/definitions/test.Open' },
        openHere: {
          $ref: '#/definitions/test.Closed',
          'x-kubernetes-preserve-unknown-fields': true,
        },
        byName: { type: 'object', additionalProperties: { $ref: '#/definitions/test.Closed' } },
      },
    },
    'test.Open': {
      type: 'object',
      properties: { a: { type: 'string' } },
      'x-kubernetes-preserve-unknown-fields': true,
    },
    'test.Closed': { type: 'object', properties: { a: { type: 'string' } } },
  });
  const obj = {
    open: { a: 'x', b: 1 },
    openHere: { b: 2 },
    byName: { one: { a: 'x' }, two: { b: 3 } },
  };
  assert.deepEqual(find({ group: 'test', version: 'v1', kind: 'Thing' }, obj), ['byName.two.b']);
});
