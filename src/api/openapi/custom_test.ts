import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenApiHandler } from './index.js';
import type { CustomResourceApi } from './index.js';

type Json = Record<string, any>;

const cronTab = (over: Partial<CustomResourceApi> = {}): CustomResourceApi => ({
  group: 'stable.example.com',
  version: 'v1',
  plural: 'crontabs',
  kind: 'CronTab',
  listKind: 'CronTabList',
  namespaced: true,
  status: false,
  schema: {
    type: 'object',
    description: 'A CronTab runs a command on a schedule.',
    properties: {
      spec: {
        type: 'object',
        description: 'What to run and when.',
        properties: {
          cronSpec: { type: 'string', description: 'The schedule in cron format.' },
          replicas: { type: 'integer', description: 'How many copies to run.' },
          port: {
            'x-kubernetes-int-or-string': true,
            anyOf: [{ type: 'integer' }, { type: 'string' }],
          },
        },
      },
    },
  },
  ...over,
});

const v3 = (h: ReturnType<typeof createOpenApiHandler>, path: string): Json => {
  const doc = h.v3Document(path);
  assert.ok(doc, `document ${path}`);
  return JSON.parse(doc.body.toString()) as Json;
};

void test('a custom resource version gets its own v3 document, listed in the index', () => {
  const h = createOpenApiHandler();
  assert.equal(h.v3Index().paths['apis/stable.example.com/v1'], undefined);
  h.setCustomResources([cronTab()]);
  const entry = h.v3Index().paths['apis/stable.example.com/v1'];
  assert.ok(entry);
  const doc = h.v3Document('apis/stable.example.com/v1');
  assert.ok(doc);
  assert.equal(entry.serverRelativeURL, `/openapi/v3/apis/stable.example.com/v1?hash=${doc.etag}`);
  const body = v3(h, 'apis/stable.example.com/v1');
  const kind = body.components.schemas['com.example.stable.v1.CronTab'];
  assert.deepEqual(kind['x-kubernetes-group-version-kind'], [
    { group: 'stable.example.com', kind: 'CronTab', version: 'v1' },
  ]);
  assert.equal(kind.description, 'A CronTab runs a command on a schedule.');
  assert.equal(kind.properties.spec.properties.replicas.type, 'integer');
  assert.equal(kind.properties.spec.properties.replicas.description, 'How many copies to run.');
  assert.deepEqual(kind.properties.metadata, {
    allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }],
    description:
      "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  });
  assert.equal(kind.properties.apiVersion.type, 'string');
  assert.equal(kind.properties.kind.type, 'string');
  assert.ok(body.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  const list = body.components.schemas['com.example.stable.v1.CronTabList'];
  assert.equal(list.description, 'CronTabList is a list of CronTab');
  assert.deepEqual(list.required, ['items']);
  const patch =
    body.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
    group: 'stable.example.com',
    version: 'v1',
    kind: 'CronTab',
  });
  assert.equal(patch.operationId, 'patchStableExampleComV1NamespacedCronTab');
  // No strategic merge patch: kubectl apply falls back to a merge patch.
  assert.deepEqual(Object.keys(patch.requestBody.content), [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ]);
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation'));
  const listOp = body.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs'].get;
  assert.equal(listOp.description, 'list or watch objects of kind CronTab');
  assert.deepEqual(Object.keys(listOp.responses['200'].content), [
    'application/json',
    'application/yaml',
    'application/json;stream=watch',
  ]);
});

void test('a changed or removed custom resource changes the index; unchanged ones keep their hash', () => {
  const h = createOpenApiHandler();
  const builtin = h.v3Index().paths['apis/apps/v1']?.serverRelativeURL;
  const widget: CustomResourceApi = {
    ...cronTab(),
    group: 'widgets.example.org',
    plural: 'widgets',
    kind: 'Widget',
    listKind: 'WidgetList',
  };
  h.setCustomResources([cronTab(), widget]);
  const first = h.v3Index().paths;
  assert.equal(first['apis/apps/v1']?.serverRelativeURL, builtin);
  const changed = cronTab();
  (changed.schema as Json).properties.spec.properties.replicas.description = 'Copies.';
  h.setCustomResources([changed, widget]);
  const second = h.v3Index().paths;
  assert.notEqual(
    second['apis/stable.example.com/v1']?.serverRelativeURL,
    first['apis/stable.example.com/v1']?.serverRelativeURL,
  );
  assert.equal(
    second['apis/widgets.example.org/v1']?.serverRelativeURL,
    first['apis/widgets.example.org/v1']?.serverRelativeURL,
  );
  h.setCustomResources([widget]);
  assert.equal(h.v3Index().paths['apis/stable.example.com/v1'], undefined);
  assert.equal(h.v3Document('apis/stable.example.com/v1'), undefined);
  h.setCustomResources([]);
  assert.deepEqual(
    Object.keys(h.v3Index().paths).filter((k) => k.includes('example')),
    [],
  );
});

void test('/openapi/v2 carries the custom resources too, in Swagger 2.0 form, and its ETag follows them', () => {
  const h = createOpenApiHandler();
  const before = h.v2Etag();
  h.setCustomResources([cronTab()]);
  assert.notEqual(h.v2Etag(), before);
  const doc = JSON.parse(h.v2Json().toString()) as Json;
  const kind = doc.definitions['com.example.stable.v1.CronTab'];
  assert.equal(
    kind.properties.metadata.$ref,
    '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  );
  const port = kind.properties.spec.properties.port;
  assert.equal(port.anyOf, undefined);
  assert.equal(port.type, undefined);
  assert.ok(doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs']);
  assert.ok(h.v2Protobuf().length > 0);
  h.setCustomResources([]);
  assert.equal(h.v2Etag(), before);
});

void test('a schema that keeps unknown fields is published in v2 as a bare object', () => {
  const h = createOpenApiHandler();
  h.setCustomResources([
    cronTab({ schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }),
  ]);
  const doc = JSON.parse(h.v2Json().toString()) as Json;
  assert.deepEqual(doc.definitions['com.example.stable.v1.CronTab'], {
    type: 'object',
    'x-kubernetes-group-version-kind': [
      { group: 'stable.example.com', kind: 'CronTab', version: 'v1' },
    ],
  });
  const v3doc = v3(h, 'apis/stable.example.com/v1');
  assert.ok(v3doc.components.schemas['com.example.stable.v1.CronTab'].properties.metadata);
});

void test("CustomResourceDefinition is in the apiextensions.k8s.io/v1 document with kube's descriptions", () => {
  const h = createOpenApiHandler();
  assert.ok(h.v3Index().paths['apis/apiextensions.k8s.io/v1']);
  const doc = v3(h, 'apis/apiextensions.k8s.io/v1');
  const prefix = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
  const crd = doc.components.schemas[`${prefix}CustomResourceDefinition`];
  assert.deepEqual(crd['x-kubernetes-group-version-kind'], [
    { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', version: 'v1' },
  ]);
  const names = doc.components.schemas[`${prefix}CustomResourceDefinitionNames`];
  assert.match(
    names.properties.plural.description,
    /^plural is the plural name of the resource to serve/,
  );
  assert.deepEqual(names.required, ['kind', 'plural']);
  const props = doc.components.schemas[`${prefix}JSONSchemaProps`];
  assert.equal(props.properties.maximum.type, 'number');
  assert.equal(doc.components.schemas[`${prefix}JSON`].type, undefined);
  // Strict validation of definitions: the schema's own fields are known, a typo is not.
  const crdGvk = { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition' };
  const obj = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', shortNamez: ['ct'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              minimum: 0.5,
              'x-kubernetes-preserve-unknown-fields': true,
              default: { a: 1 },
            },
          },
        },
      ],
    },
  };
  assert.deepEqual(h.findUnknownFields(crdGvk, obj), ['spec.names.shortNamez']);
  assert.equal(h.findTypeError(crdGvk, obj), undefined);
});
