// Errors as kubectl 1.27, 1.30 and 1.33 print them from `skiff up`'s Status bodies:
// NotFound, AlreadyExists, Invalid, unknown resource types and kinds, strict field
// validation, and malformed requests.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VERSIONS, fails, hasKubectl, ok, startCluster, type TestCluster } from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const pod = (name: string, body: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n${body}`;

const RFC1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('kubectl errors', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      const ns = `errors-${v}`;
      const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);
      const file = (name: string, content: string) => c.file(`${ns}/${name}`, content);

      before(async () => {
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
      });

      test('NotFound', async () => {
        assert.equal(
          fails(await k('get', 'pod', 'nope')),
          'Error from server (NotFound): pods "nope" not found\n',
        );
        assert.equal(
          fails(await k('get', 'deployment', 'nope')),
          'Error from server (NotFound): deployments.apps "nope" not found\n',
        );
        assert.equal(
          fails(await k('get', 'ingress', 'nope')),
          'Error from server (NotFound): ingresses.networking.k8s.io "nope" not found\n',
        );
        assert.equal(
          fails(await k('describe', 'pod', 'nope')),
          'Error from server (NotFound): pods "nope" not found\n',
        );
        assert.equal(
          fails(await k('delete', 'service', 'nope')),
          'Error from server (NotFound): services "nope" not found\n',
        );
        assert.equal(
          fails(await c.kubectl(v, ['get', 'namespace', 'nope'])),
          'Error from server (NotFound): namespaces "nope" not found\n',
        );
        // Several names: each missing one is reported, the found ones printed.
        ok(await k('create', 'configmap', 'here'));
        const mixed = await k('get', 'configmap', 'here', 'gone', '-o', 'name');
        assert.equal(mixed.stdout, 'configmap/here\n');
        assert.equal(fails(mixed), 'Error from server (NotFound): configmaps "gone" not found\n');
        // Creating into a namespace that does not exist.
        const f = file(
          'in-missing-ns.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: missing\n',
        );
        assert.equal(
          fails(await c.kubectl(v, ['create', '-f', f])),
          `Error from server (NotFound): error when creating "${f}": namespaces "missing" not found\n`,
        );
        // A list in a namespace that does not exist is simply empty.
        const empty = await c.kubectl(v, ['get', 'pods', '-n', 'missing']);
        assert.equal(empty.code, 0);
        assert.equal(empty.stderr, 'No resources found in missing namespace.\n');
      });

      test('AlreadyExists', async () => {
        const f = file(
          'dup.yaml',
          pod('dup', 'spec:\n  containers:\n  - name: c\n    image: busybox\n'),
        );
        assert.equal(ok(await k('create', '-f', f)), 'pod/dup created\n');
        assert.equal(
          fails(await k('create', '-f', f)),
          `Error from server (AlreadyExists): error when creating "${f}": pods "dup" already exists\n`,
        );
        ok(await k('create', 'configmap', 'dup'));
        assert.equal(
          fails(await k('create', 'configmap', 'dup')),
          'error: failed to create configmap: configmaps "dup" already exists\n',
        );
        assert.equal(
          fails(await c.kubectl(v, ['create', 'namespace', 'kube-system'])),
          'Error from server (AlreadyExists): namespaces "kube-system" already exists\n',
        );
      });

      test('Invalid: a pod without image, bad labels, a bad name', async () => {
        const noImage = file(
          'no-image.yaml',
          pod('no-image', 'spec:\n  containers:\n  - name: c\n'),
        );
        assert.equal(
          fails(await k('create', '-f', noImage)),
          'The Pod "no-image" is invalid: spec.containers[0].image: Required value\n',
        );
        const badLabel = file(
          'bad-label.yaml',
          pod(
            'bad-label',
            '  labels:\n    app: -bad-\nspec:\n  containers:\n  - name: c\n    image: busybox\n',
          ),
        );
        assert.equal(
          fails(await k('create', '-f', badLabel)),
          `The Pod "bad-label" is invalid: metadata.labels: Invalid value: "-bad-": ${LABEL_VALUE}\n`,
        );
        // Several errors print as a list.
        const many = file(
          'many.yaml',
          'apiVersion: v1\nkind: Pod\nmetadata:\n  name: many\n  labels:\n    app: -bad-\nspec:\n  containers:\n  - name: c\n',
        );
        assert.equal(
          fails(await k('create', '-f', many)),
          'The Pod "many" is invalid: \n' +
            `* metadata.labels: Invalid value: "-bad-": ${LABEL_VALUE}\n` +
            '* spec.containers[0].image: Required value\n',
        );
        const badName = file(
          'bad-name.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n',
        );
        assert.equal(
          fails(await k('create', '-f', badName)),
          `The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${RFC1123_SUBDOMAIN}\n`,
        );
        // A deployment whose selector does not select its template.
        const mismatch = file(
          'mismatch.yaml',
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mismatch\nspec:\n  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n      labels:\n        app: b\n    spec:\n      containers:\n      - name: c\n        image: busybox\n',
        );
        assert.equal(
          fails(await k('create', '-f', mismatch)),
          'The Deployment "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`\n',
        );
        // A service port out of range, and an unsupported type.
        const badSvc = file(
          'bad-svc.yaml',
          'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad-svc\nspec:\n  type: Magic\n  ports:\n  - port: 70000\n',
        );
        const svcErr = fails(await k('create', '-f', badSvc));
        assert.match(svcErr, /^The Service "bad-svc" is invalid: \n/);
        assert.match(
          svcErr,
          /^\* spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive$/m,
        );
        assert.match(
          svcErr,
          /^\* spec\.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"$/m,
        );
        // Updating an immutable field.
        ok(await k('create', 'deployment', 'immut', '--image=busybox'));
        const sel = await k(
          'patch',
          'deployment',
          'immut',
          '-p',
          '{"spec":{"selector":{"matchLabels":{"app":"other"}}}}',
        );
        const selErr = fails(sel);
        assert.match(selErr, /^The Deployment "immut" is invalid: \n/);
        // The template no longer matches the new selector, and the selector may not change.
        assert.match(
          selErr,
          /^\* spec\.template\.metadata\.labels: Invalid value: map\[string\]string\{"app":"immut"\}: `selector` does not match template `labels`$/m,
        );
        assert.match(selErr, /^\* spec\.selector: Invalid value: .*: field is immutable$/m);
      });

      test('an immutable selector is quoted as Go prints a LabelSelector', async () => {
        ok(await k('create', 'deployment', 'immut2', '--image=busybox'));
        const sel = await k(
          'patch',
          'deployment',
          'immut2',
          '--type=json',
          '-p',
          '[{"op":"replace","path":"/spec/selector/matchLabels/app","value":"x"},{"op":"replace","path":"/spec/template/metadata/labels/app","value":"x"}]',
        );
        assert.equal(
          fails(sel),
          'The Deployment "immut2" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable\n',
        );
      });

      test('unknown resource types and kinds', async () => {
        assert.equal(
          fails(await k('get', 'widgets')),
          'error: the server doesn\'t have a resource type "widgets"\n',
        );
        assert.equal(
          fails(await k('describe', 'widgets', 'x')),
          'error: the server doesn\'t have a resource type "widgets"\n',
        );
        const f = file(
          'widget.yaml',
          'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
        );
        const err = fails(await k('create', '-f', f));
        assert.match(
          err,
          new RegExp(
            `^error: resource mapping not found for name: "w" namespace: "" from "${f.replace(/[.]/g, '\\.')}": no matches for kind "Widget" in version "example\\.com/v1"\nensure CRDs are installed first\n$`,
          ),
        );
      });

      test('unknown fields with strict validation', async () => {
        const f = file(
          'unknown.yaml',
          pod(
            'unknown',
            'spec:\n  containers:\n  - name: c\n    image: busybox\n    imagex: typo\n  foo: bar\n',
          ),
        );
        assert.equal(
          fails(await k('create', '-f', f)),
          `Error from server (BadRequest): error when creating "${f}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagex", unknown field "spec.foo"\n`,
        );
        // --validate=false (fieldValidation=Ignore) drops them silently.
        assert.equal(ok(await k('create', '-f', f, '--validate=false')), 'pod/unknown created\n');
        const got = JSON.parse(ok(await k('get', 'pod', 'unknown', '-o', 'json'))) as {
          spec: Record<string, unknown> & { containers: Record<string, unknown>[] };
        };
        assert.equal(got.spec['foo'], undefined);
        assert.equal(got.spec.containers[0]?.['imagex'], undefined);
        // --validate=warn creates the object and prints kube's warnings.
        const cm = file(
          'cm-unknown.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: warned\nfoo: bar\n',
        );
        const warn = await k('create', '-f', cm, '--validate=warn');
        assert.equal(ok(warn), 'configmap/warned created\n');
        assert.match(warn.stderr, /^Warning: unknown field "foo"$/m);
        // apply goes through the same validation.
        const applied = await k(
          'apply',
          '-f',
          file(
            'apply-unknown.yaml',
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\nfoo: bar\n',
          ),
        );
        assert.match(fails(applied), /strict decoding error: unknown field "foo"/);
      });

      test('wrong value types are decoding errors', async () => {
        const f = file(
          'types.yaml',
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: types\nspec:\n  replicas: "two"\n  selector:\n    matchLabels:\n      app: t\n  template:\n    metadata:\n      labels:\n        app: t\n    spec:\n      containers:\n      - name: c\n        image: busybox\n',
        );
        const err = fails(await k('create', '-f', f));
        assert.match(
          err,
          /^Error from server \(BadRequest\): error when creating ".*types\.yaml": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32\n$/,
        );
      });
    });
  }
});
