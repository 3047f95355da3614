import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { documentType } from './gnostic.js';
import { createOpenApiHandler } from './index.js';

const openapi = createOpenApiHandler();

type Json = Record<string, any>;
const v3 = (path: string): Json => {
  const doc = openapi.v3Document(path);
  assert.ok(doc, `document ${path}`);
  return JSON.parse(doc.body.toString()) as Json;
};

void test('the v3 index lists every served group-version with a content hash', () => {
  const index = openapi.v3Index();
  assert.deepEqual(Object.keys(index.paths), [
    'api/v1',
    'apis/apiextensions.k8s.io/v1',
    'apis/apps/v1',
    'apis/authentication.k8s.io/v1',
    'apis/authorization.k8s.io/v1',
    'apis/autoscaling/v1',
    'apis/autoscaling/v2',
    'apis/batch/v1',
    'apis/certificates.k8s.io/v1',
    'apis/coordination.k8s.io/v1',
    'apis/discovery.k8s.io/v1',
    'apis/events.k8s.io/v1',
    'apis/extensions/v1beta1',
    'apis/networking.k8s.io/v1',
    'apis/networking.k8s.io/v1beta1',
    'apis/policy/v1',
    'apis/rbac.authorization.k8s.io/v1',
    'apis/scheduling.k8s.io/v1',
    'apis/storage.k8s.io/v1',
  ]);
  for (const [key, { serverRelativeURL }] of Object.entries(index.paths)) {
    const doc = openapi.v3Document(key);
    assert.ok(doc);
    const hash = createHash('sha512').update(doc.body).digest('hex').toUpperCase();
    assert.equal(doc.etag, hash);
    assert.equal(serverRelativeURL, `/openapi/v3/${key}?hash=${hash}`);
  }
  assert.equal(openapi.v3Document('apis/example.com/v1'), undefined);
  assert.equal(openapi.v3Document('/openapi/v3/apis/apps/v1'), openapi.v3Document('apis/apps/v1'));
});

void test('every served resource has a PATCH on its item path that declares fieldValidation', () => {
  const core = v3('api/v1');
  const patch = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
    group: '',
    version: 'v1',
    kind: 'Pod',
  });
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'));
  assert.ok(core.paths['/api/v1/nodes/{name}'].patch);
  const apps = v3('apis/apps/v1');
  assert.deepEqual(
    apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch[
      'x-kubernetes-group-version-kind'
    ],
    {
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    },
  );
  const authz = v3('apis/authorization.k8s.io/v1');
  assert.ok(authz.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'].post);
});

void test('v3 schemas are shaped like kube-apiserver publishes them', () => {
  const schemas = v3('apis/apps/v1').components.schemas as Json;
  const deployment = schemas['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [
    { group: 'apps', kind: 'Deployment', version: 'v1' },
  ]);
  assert.deepEqual(deployment.properties.spec.allOf, [
    { $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' },
  ]);
  assert.equal(
    deployment.properties.spec.description,
    'Specification of the desired behavior of the Deployment.',
  );
  // The document is closed over what it references, meta types included.
  assert.ok(schemas['io.k8s.api.core.v1.PodSpec']);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
  assert.equal(schemas['io.k8s.api.discovery.v1.EndpointSlice'], undefined);
  assert.deepEqual(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].oneOf, [
    { type: 'integer' },
    { type: 'string' },
  ]);
  const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  assert.deepEqual(containers.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
  assert.deepEqual(schemas['io.k8s.api.core.v1.PodSpec'].required, ['containers']);
  assert.deepEqual(schemas['io.k8s.api.core.v1.Container'].properties.imagePullPolicy.enum, [
    'Always',
    'IfNotPresent',
    'Never',
  ]);
  assert.equal(
    schemas['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']['x-kubernetes-map-type'],
    'atomic',
  );
});

void test('the v2 protobuf decodes as a gnostic document with kinds, extensions and paths', () => {
  const bytes = openapi.v2Protobuf();
  assert.equal(openapi.v2Protobuf(), bytes, 'built once');
  const doc = documentType().toObject(documentType().decode(bytes)) as Json;
  assert.equal(doc.swagger, '2.0');
  const defs = new Map<string, Json>(
    doc.definitions.additionalProperties.map((d: Json) => [d.name, d.value]),
  );
  const pod = defs.get('io.k8s.api.core.v1.Pod');
  assert.ok(pod);
  const ext = new Map<string, unknown>(
    pod.vendorExtension.map((e: Json) => [e.name, parseYaml(e.value.yaml)]),
  );
  assert.deepEqual(ext.get('x-kubernetes-group-version-kind'), [
    { group: '', kind: 'Pod', version: 'v1' },
  ]);
  const props = new Map<string, Json>(
    pod.properties.additionalProperties.map((p: Json) => [p.name, p.value]),
  );
  assert.equal(props.get('spec')?.ref, '#/definitions/io.k8s.api.core.v1.PodSpec');
  assert.deepEqual(pod.type.value, ['object']);

  const item = doc.paths.path.find(
    (p: Json) => p.name === '/api/v1/namespaces/{namespace}/pods/{name}',
  );
  const patch = item.value.patch;
  const gvk = patch.vendorExtension.find((e: Json) => e.name === 'x-kubernetes-group-version-kind');
  assert.deepEqual(parseYaml(gvk.value.yaml), { group: '', version: 'v1', kind: 'Pod' });
  const names = patch.parameters.map(
    (p: Json) =>
      p.parameter.nonBodyParameter?.queryParameterSubSchema?.name ??
      p.parameter.bodyParameter?.name,
  );
  assert.ok(names.includes('fieldValidation'));
});

/** Operation descriptions as kube-apiserver's installer writes them, by path and method. */
const POD_OPERATIONS: [string, string, string, string][] = [
  [
    '/api/v1/namespaces/{namespace}/pods',
    'get',
    'list or watch objects of kind Pod',
    'listCoreV1NamespacedPod',
  ],
  ['/api/v1/namespaces/{namespace}/pods', 'post', 'create a Pod', 'createCoreV1NamespacedPod'],
  [
    '/api/v1/namespaces/{namespace}/pods',
    'delete',
    'delete collection of Pod',
    'deleteCoreV1CollectionNamespacedPod',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}',
    'get',
    'read the specified Pod',
    'readCoreV1NamespacedPod',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}',
    'put',
    'replace the specified Pod',
    'replaceCoreV1NamespacedPod',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}',
    'patch',
    'partially update the specified Pod',
    'patchCoreV1NamespacedPod',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}',
    'delete',
    'delete a Pod',
    'deleteCoreV1NamespacedPod',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}/status',
    'get',
    'read status of the specified Pod',
    'readCoreV1NamespacedPodStatus',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}/status',
    'put',
    'replace status of the specified Pod',
    'replaceCoreV1NamespacedPodStatus',
  ],
  [
    '/api/v1/namespaces/{namespace}/pods/{name}/status',
    'patch',
    'partially update status of the specified Pod',
    'patchCoreV1NamespacedPodStatus',
  ],
  [
    '/api/v1/watch/namespaces/{namespace}/pods/{name}',
    'get',
    "watch changes to an object of kind Pod. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.",
    'watchCoreV1NamespacedPod',
  ],
  [
    '/api/v1/watch/namespaces/{namespace}/pods',
    'get',
    "watch individual changes to a list of Pod. deprecated: use the 'watch' parameter with a list operation instead.",
    'watchCoreV1NamespacedPodList',
  ],
  ['/api/v1/pods', 'get', 'list or watch objects of kind Pod', 'listCoreV1PodForAllNamespaces'],
  [
    '/api/v1/watch/pods',
    'get',
    "watch individual changes to a list of Pod. deprecated: use the 'watch' parameter with a list operation instead.",
    'watchCoreV1PodListForAllNamespaces',
  ],
];

void test("every operation carries kube-apiserver's description, in v2 (JSON and protobuf) and v3", () => {
  const v2 = JSON.parse(openapi.v2Json().toString()) as Json;
  const pb = documentType().toObject(documentType().decode(openapi.v2Protobuf())) as Json;
  const pbPaths = new Map<string, Json>(pb.paths.path.map((p: Json) => [p.name, p.value]));
  const core = v3('api/v1');
  for (const [path, method, description, operationId] of POD_OPERATIONS) {
    const what = `${method} ${path}`;
    assert.equal(v2.paths[path]?.[method]?.description, description, `v2 ${what}`);
    assert.equal(v2.paths[path][method].operationId, operationId, `v2 ${what}`);
    assert.equal(pbPaths.get(path)?.[method]?.description, description, `protobuf ${what}`);
    assert.equal(core.paths[path]?.[method]?.description, description, `v3 ${what}`);
  }
  // Articles as the installer picks them; subresources named.
  const apps = v3('apis/apps/v1');
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
  assert.equal(scale.get.description, 'read scale of the specified Deployment');
  assert.equal(scale.put.description, 'replace scale of the specified Deployment');
  assert.equal(scale.patch.description, 'partially update scale of the specified Deployment');
  assert.equal(
    v2.paths['/api/v1/namespaces/{namespace}/endpoints'].post.description,
    'create Endpoints',
  );
  assert.equal(
    v2.paths['/api/v1/namespaces/{namespace}/endpoints/{name}'].delete.description,
    'delete Endpoints',
  );
  assert.equal(
    v2.paths['/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses'].post.description,
    'create an Ingress',
  );
  assert.equal(
    v2.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post.description,
    'create binding of a Pod',
  );
  // The list operation documents its watch parameter (kube's own kubectl tests grep for it).
  const watch = v2.paths['/api/v1/namespaces/{namespace}/pods'].get.parameters.find(
    (p: Json) => p.name === 'watch',
  );
  assert.match(
    watch.description,
    /^Watch for changes to the described resources and return them as a stream/,
  );
  // Every operation of every path has a description.
  for (const [path, item] of Object.entries(v2.paths as Record<string, Json>))
    for (const method of ['get', 'put', 'post', 'delete', 'patch'])
      if (item[method]) assert.ok(item[method].description, `${method} ${path}`);
});

void test('the legacy Ingress versions have their own schemas, for kubectl apply and explain', () => {
  const v2 = JSON.parse(openapi.v2Json().toString()) as Json;
  for (const [group, def] of [
    ['extensions', 'io.k8s.api.extensions.v1beta1'],
    ['networking.k8s.io', 'io.k8s.api.networking.v1beta1'],
  ] as const) {
    const ingress = v2['definitions'][`${def}.Ingress`] as Json;
    assert.deepEqual(ingress['x-kubernetes-group-version-kind'], [
      { group, kind: 'Ingress', version: 'v1beta1' },
    ]);
    const backend = v2['definitions'][`${def}.IngressBackend`] as Json;
    assert.deepEqual(Object.keys(backend['properties']).sort(), [
      'resource',
      'serviceName',
      'servicePort',
    ]);
    assert.equal(
      v2['definitions'][`${def}.IngressSpec`]['properties']['rules']['x-kubernetes-list-type'],
      'atomic',
    );
    const doc = v3(`apis/${group}/v1beta1`);
    assert.ok(
      doc['paths'][`/apis/${group}/v1beta1/namespaces/{namespace}/ingresses/{name}/status`],
    );
    const gvk = { group, version: 'v1beta1', kind: 'Ingress' };
    const body = {
      apiVersion: `${group}/v1beta1`,
      kind: 'Ingress',
      metadata: { name: 'a' },
      spec: {
        backend: { serviceName: 'a', servicePort: 'http' },
        rules: [{ http: { paths: [{ backend: { service: { name: 'a' } } }] } }],
      },
    };
    assert.deepEqual(openapi.findUnknownFields(gvk, body), [
      'spec.rules[0].http.paths[0].backend.service',
    ]);
    assert.equal(
      openapi.findTypeError(gvk, { ...body, spec: { backend: { serviceName: 5 } } }),
      'json: cannot unmarshal number into Go struct field IngressBackend.spec.backend.serviceName of type string',
    );
  }
});
