import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  documentUrl,
  fieldName,
  groupVersionKey,
  KindSchema,
  type OpenApiDocument,
} from './schema.js';

// The shape kube-apiserver (and Skiff) publish at /openapi/v3/apis/apps/v1, cut down.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const doc: OpenApiDocument = {
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: {
            allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')],
            description: 'Standard metadata.',
          },
          spec: { allOf: [ref('io.k8s.api.apps.v1.DeploymentSpec')] },
        },
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      },
      'io.k8s.api.apps.v1.DeploymentSpec': {
        type: 'object',
        properties: {
          replicas: { type: 'integer', description: 'Number of desired pods.' },
          paused: { type: 'boolean' },
          strategy: {
            type: 'object',
            properties: {
              rollingUpdate: {
                type: 'object',
                properties: { maxSurge: ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString') },
              },
            },
          },
          containers: { type: 'array', items: ref('io.k8s.api.core.v1.Container') },
        },
      },
      'io.k8s.api.core.v1.Container': {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
        },
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
        type: 'object',
        description: 'ObjectMeta is metadata.',
        properties: {
          name: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          managedFields: {
            type: 'array',
            items: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry'),
          },
        },
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry': {
        type: 'object',
        properties: { fieldsV1: { type: 'object', description: 'opaque' } },
      },
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
        oneOf: [{ type: 'integer' }, { type: 'string' }],
      },
    },
  },
};

describe('finding a kind in the OpenAPI v3 documents', () => {
  it('names the group-version document and its URL from the index', () => {
    assert.equal(groupVersionKey('v1'), 'api/v1');
    assert.equal(groupVersionKey('apps/v1'), 'apis/apps/v1');
    const index = {
      paths: { 'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=AB' } },
    };
    assert.equal(documentUrl(index, 'apps/v1'), '/openapi/v3/apis/apps/v1?hash=AB');
    assert.equal(documentUrl(index, 'batch/v1'), undefined);
  });

  it('finds the schema by x-kubernetes-group-version-kind', () => {
    assert.ok(KindSchema.find(doc, 'apps/v1', 'Deployment'));
    assert.equal(KindSchema.find(doc, 'apps/v1', 'StatefulSet'), undefined);
    assert.equal(KindSchema.find(doc, 'v1', 'Deployment'), undefined);
  });
});

describe('fields for completion', () => {
  const k = KindSchema.find(doc, 'apps/v1', 'Deployment')!;
  it('lists the fields of the object at a path, following refs and list items', () => {
    assert.deepEqual(
      k.fields([]).map((f) => f.name),
      ['apiVersion', 'kind', 'metadata', 'spec'],
    );
    assert.deepEqual(
      k.fields(['spec']).map((f) => `${f.name}:${f.type}`),
      ['containers:[]object', 'paused:boolean', 'replicas:integer', 'strategy:object'],
    );
    assert.deepEqual(
      k.fields(['spec', 'containers', 0]).map((f) => f.name),
      ['imagePullPolicy', 'name'],
    );
    assert.equal(
      k.fields(['metadata']).find((f) => f.name === 'labels')?.type,
      'map[string]string',
    );
    assert.equal(
      k.fields(['spec']).find((f) => f.name === 'replicas')?.description,
      'Number of desired pods.',
    );
    assert.deepEqual(k.fields(['metadata', 'labels']), []);
    assert.deepEqual(k.fields(['nope', 'deeper']), []);
  });
});

describe('problems of a value', () => {
  const k = KindSchema.find(doc, 'apps/v1', 'Deployment')!;
  it('accepts a valid object, maps with any key, and opaque objects', () => {
    assert.deepEqual(
      k.problems({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'x',
          labels: { anything: 'goes' },
          managedFields: [{ fieldsV1: { 'f:spec': {} } }],
        },
        spec: {
          replicas: 2,
          strategy: { rollingUpdate: { maxSurge: '25%' } },
          containers: [{ name: 'a' }],
        },
      }),
      [],
    );
    assert.deepEqual(k.problems({ spec: { strategy: { rollingUpdate: { maxSurge: 1 } } } }), []);
  });

  it('marks unknown fields on their key, named as the API server names them', () => {
    assert.deepEqual(
      k.problems({ spec: { replica: 2, containers: [{ name: 'a', imagee: 'x' }] }, extra: 1 }),
      [
        { path: ['spec', 'replica'], onKey: true, message: 'unknown field "spec.replica"' },
        {
          path: ['spec', 'containers', 0, 'imagee'],
          onKey: true,
          message: 'unknown field "spec.containers[0].imagee"',
        },
        { path: ['extra'], onKey: true, message: 'unknown field "extra"' },
      ],
    );
  });

  it('marks wrong types on the value', () => {
    assert.deepEqual(
      k.problems({ spec: { replicas: 'two', paused: 'yes', containers: { name: 'a' } } }),
      [
        {
          path: ['spec', 'replicas'],
          onKey: false,
          message: 'spec.replicas: expected integer, got string',
        },
        {
          path: ['spec', 'paused'],
          onKey: false,
          message: 'spec.paused: expected boolean, got string',
        },
        {
          path: ['spec', 'containers'],
          onKey: false,
          message: 'spec.containers: expected array, got object',
        },
      ],
    );
    assert.deepEqual(k.problems({ metadata: { labels: { a: 1 } } }), [
      {
        path: ['metadata', 'labels', 'a'],
        onKey: false,
        message: 'metadata.labels.a: expected string, got integer',
      },
    ]);
    assert.deepEqual(k.problems({ spec: { strategy: { rollingUpdate: { maxSurge: true } } } }), [
      {
        path: ['spec', 'strategy', 'rollingUpdate', 'maxSurge'],
        onKey: false,
        message: 'spec.strategy.rollingUpdate.maxSurge: expected integer or string, got boolean',
      },
    ]);
  });

  it('warns about a value outside an enum', () => {
    const [p] = k.problems({ spec: { containers: [{ name: 'a', imagePullPolicy: 'Sometimes' }] } });
    assert.equal(p?.severity, 'warning');
    assert.equal(
      p?.message,
      'spec.containers[0].imagePullPolicy: unsupported value "Sometimes", supported values: "Always", "IfNotPresent", "Never"',
    );
  });

  it('leaves null values alone (YAML `key:` with nothing after it)', () => {
    assert.deepEqual(k.problems({ spec: { replicas: null } }), []);
  });

  it('names fields with dots and indexes', () => {
    assert.equal(
      fieldName(['spec', 'containers', 0, 'ports', 1, 'name']),
      'spec.containers[0].ports[1].name',
    );
    assert.equal(fieldName([]), '');
  });
});
