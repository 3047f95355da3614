// CustomResourceDefinitions with the real kubectl (1.27, 1.30, 1.33) against `skiff up` (API
// only): the crontabs definition of the Kubernetes docs (in a group per kubectl version)
// applied and waited for, listed by api-resources, its objects created, listed with their
// printer columns, described, watched and deleted; a schema violation and an unknown field
// under --validate=strict refused with kube's texts, an unknown field pruned otherwise;
// deleting the definition deletes its objects; RBAC's aggregated roles do not cover custom
// resources unless aggregated by label.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGE,
  VERSIONS,
  fails,
  hasKubectl,
  ok,
  parseTable,
  startCluster,
  until,
} from './harness.js';
import type { TestCluster } from './harness.js';

const crdYaml = (group: string, short: string): string => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.${group}
spec:
  group: ${group}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          description: A CronTab runs an image on a schedule.
          properties:
            spec:
              type: object
              properties:
                cronSpec:
                  type: string
                  pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
                image:
                  type: string
                replicas:
                  type: integer
                  description: The number of jobs to run at once.
                  minimum: 1
                  maximum: 10
                  default: 1
      additionalPrinterColumns:
        - name: Spec
          type: string
          description: The cron spec defining the interval a CronJob is run
          jsonPath: .spec.cronSpec
        - name: Replicas
          type: integer
          description: The number of jobs launched by the CronJob
          jsonPath: .spec.replicas
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames:
      - ${short}
    categories:
      - all
`;

const cronTab = (group: string, name: string, spec: string) => `apiVersion: ${group}/v1
kind: CronTab
metadata:
  name: ${name}
spec:
${spec}`;

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

// One definition per kubectl version (its own group and short name), deleted at the end.
for (const V of VERSIONS) {
  describe(`CustomResourceDefinitions with kubectl 1.${V}`, { skip: !hasKubectl(V) }, () => {
    const k = (...args: string[]) => c.kubectl(V, args);
    const group = `v${V}.example.com`;
    const ct = `ct${V}`;
    const crd = `crontabs.${group}`;
    const CRD = crdYaml(group, ct);

    test('a definition is applied, established and listed by api-resources', async () => {
      ok(await k('apply', '-f', c.file('crd.yaml', CRD)));
      ok(await k('wait', '--for', 'condition=established', '--timeout=60s', `crd/${crd}`));
      const crds = parseTable(ok(await k('get', 'crd')));
      const row = crds.find((r) => r['NAME'] === crd);
      assert.match(row?.['CREATED AT'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const api = parseTable(ok(await k('api-resources', `--api-group=${group}`)));
      assert.deepEqual(api, [
        {
          NAME: 'crontabs',
          SHORTNAMES: ct,
          APIVERSION: `${group}/v1`,
          NAMESPACED: 'true',
          KIND: 'CronTab',
        },
      ]);
    });

    test("kubectl explain shows the schema of a custom resource and of the definition; apply --validate=strict is the server's", async () => {
      const kind = ok(await k('explain', ct));
      assert.match(
        kind,
        new RegExp(
          `^GROUP:\\s+${group.replaceAll('.', '\\.')}\nKIND:\\s+CronTab\nVERSION:\\s+v1\n`,
        ),
      );
      assert.match(kind, /A CronTab runs an image on a schedule\./);
      assert.match(kind, /\n {2}metadata\t<ObjectMeta>\n {4}Standard object's metadata\./);
      assert.match(kind, /\n {2}spec\t<Object>\n/);
      const field = ok(await k('explain', `${ct}.spec.replicas`));
      assert.match(field, /FIELD: replicas <integer>/);
      assert.match(field, /The number of jobs to run at once\./);
      const names = ok(await k('explain', 'crd.spec.names'));
      assert.match(
        names,
        /^GROUP:\s+apiextensions\.k8s\.io\nKIND:\s+CustomResourceDefinition\nVERSION:\s+v1\n/,
      );
      assert.match(names, /FIELD: names <CustomResourceDefinitionNames>/);
      assert.match(
        names,
        /\n {2}plural\t<string> -required-\n {4}plural is the plural name of the resource to serve\./,
      );
      assert.match(names, /\n {2}shortNames\t<\[\]string>\n/);
      if (V === 27) {
        const v2 = ok(await k('explain', `${ct}.spec`, '--output=plaintext-openapiv2'));
        assert.match(
          v2,
          /^KIND:\s+CronTab\nVERSION:\s+v27\.example\.com\/v1\n\nRESOURCE: spec <Object>\n/,
        );
        assert.match(v2, /\n {3}replicas\t<integer>\n {5}The number of jobs to run at once\.\n/);
      }
      // With the schema published, kubectl still leaves strict validation to the server.
      const strict = fails(
        await k(
          'apply',
          '--validate=strict',
          '-f',
          c.file(
            'strict-apply.yaml',
            cronTab(group, 'strict-apply', '  cronSpec: "* * * * */5"\n  foo: 1\n'),
          ),
        ),
      );
      assert.match(
        strict,
        /Error from server \(BadRequest\).*strict decoding error: unknown field "spec\.foo"/,
      );
    });

    test('custom objects are created, printed with their columns, described and pruned', async () => {
      // Without strict validation an unknown field is pruned silently.
      ok(
        await k(
          'apply',
          '--validate=false',
          '-f',
          c.file(
            'ct1.yaml',
            cronTab(
              group,
              'my-new-cron-object',
              '  cronSpec: "* * * * */5"\n  image: my-awesome-cron-image\n  unknownField: x\n',
            ),
          ),
        ),
      );
      const out = ok(await k('get', ct));
      assert.match(out.split('\n')[0] ?? '', /^NAME\s+SPEC\s+REPLICAS\s+AGE$/);
      const rows = parseTable(out);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.['NAME'], 'my-new-cron-object');
      assert.equal(rows[0]?.['SPEC'], '* * * * */5');
      assert.equal(rows[0]?.['REPLICAS'], '1');
      assert.match(rows[0]?.['AGE'] ?? '', new RegExp(`^${AGE}$`));
      const obj = JSON.parse(ok(await k('get', 'crontab', 'my-new-cron-object', '-o', 'json'))) as {
        spec: Record<string, unknown>;
      };
      assert.deepEqual(obj.spec, {
        cronSpec: '* * * * */5',
        image: 'my-awesome-cron-image',
        replicas: 1,
      });
      const described = ok(await k('describe', crd, 'my-new-cron-object'));
      assert.match(described, /^Name:\s+my-new-cron-object$/m);
      assert.match(described, /^Kind:\s+CronTab$/m);
      assert.match(described, /Cron Spec:\s+\* \* \* \* \*\/5/);
      const all = ok(await k('get', 'all'));
      assert.match(all, new RegExp(`crontab\\.v${V}\\.example\\.com/my-new-cron-object`));
      const selected = parseTable(
        ok(await k('get', ct, '--field-selector', 'metadata.name=my-new-cron-object')),
      );
      assert.equal(selected.length, 1);
    });

    test('a schema violation and a strict unknown field are refused with kube texts', async () => {
      const bad = fails(
        await k(
          'create',
          '-f',
          c.file('bad.yaml', cronTab(group, 'bad', '  cronSpec: "* * * * */5"\n  replicas: 20\n')),
        ),
      );
      assert.match(
        bad,
        /The CronTab "bad" is invalid: spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10/,
      );
      const strict = fails(
        await k(
          'create',
          '--validate=strict',
          '-f',
          c.file('strict.yaml', cronTab(group, 'strict', '  cronSpec: "* * * * */5"\n  foo: 1\n')),
        ),
      );
      assert.match(strict, /unknown field "spec.foo"/);
    });

    test('CEL rules are kept, and kubectl warns that they are not enforced', async () => {
      const celGroup = `cel${V}.example.com`;
      const widgets = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${celGroup}
spec:
  group: ${celGroup}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
                - rule: self.min <= self.max
              properties:
                min: { type: integer }
                max: { type: integer }
`;
      const r = await k('apply', '-f', c.file(`widgets-${V}.yaml`, widgets));
      ok(r);
      assert.match(
        r.stderr,
        /^Warning: x-kubernetes-validations rules \(CEL\) of version v1 are stored but not enforced by this server/m,
      );
      const kept = ok(
        await k(
          'get',
          'crd',
          `widgets.${celGroup}`,
          '-o',
          'jsonpath={.spec.versions[0].schema.openAPIV3Schema.properties.spec.x-kubernetes-validations[0].rule}',
        ),
      );
      assert.equal(kept, 'self.min <= self.max');
      ok(await k('delete', 'crd', `widgets.${celGroup}`));
    });

    test('kubectl get --watch sees a change', async () => {
      const w = c.background(V, ['get', ct, '--watch', '--output-watch-events']);
      try {
        await w.waitFor(/ADDED\s+my-new-cron-object/);
        ok(
          await k(
            'patch',
            ct,
            'my-new-cron-object',
            '--type=merge',
            '-p',
            '{"spec":{"replicas":3}}',
          ),
        );
        await w.waitFor(/MODIFIED\s+my-new-cron-object\s+\* \* \* \* \*\/5\s+3/);
      } finally {
        await w.stop();
      }
    });

    test('the aggregated view role covers a custom resource only when aggregated by label', async () => {
      ok(await k('create', 'serviceaccount', `viewer${V}`));
      ok(
        await k(
          'create',
          'rolebinding',
          `viewer${V}`,
          '--clusterrole=view',
          `--serviceaccount=default:viewer${V}`,
        ),
      );
      const as = ['--as', `system:serviceaccount:default:viewer${V}`];
      assert.equal(ok(await k('auth', 'can-i', 'get', 'pods', ...as)).trim(), 'yes');
      assert.equal(
        (await k('auth', 'can-i', 'list', `crontabs.${group}`, ...as)).stdout.trim(),
        'no',
      );
      ok(
        await k(
          'apply',
          '-f',
          c.file(
            'aggregate.yaml',
            `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: crontab-view-${V}
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
  - apiGroups: ["${group}"]
    resources: ["crontabs"]
    verbs: ["get", "list", "watch"]
`,
          ),
        ),
      );
      await until('view aggregates crontabs', async () =>
        (await k('auth', 'can-i', 'list', `crontabs.${group}`, ...as)).stdout.trim() === 'yes'
          ? true
          : undefined,
      );
    });

    test('deleting the definition deletes its objects', async () => {
      ok(await k('delete', 'crd', crd, '--timeout=60s'));
      const left = await k('get', crd);
      assert.notEqual(left.code, 0);
      ok(await k('apply', '-f', c.file('crd.yaml', CRD)));
      ok(await k('wait', '--for', 'condition=established', '--timeout=60s', `crd/${crd}`));
      await until('crontabs served again', async () =>
        (await k('get', ct)).code === 0 ? true : undefined,
      );
      assert.match((await k('get', ct)).stderr, /No resources found in default namespace\./);
      ok(await k('delete', 'crd', crd, '--timeout=60s'));
    });

    test('/openapi/v3 follows a definition: changed, its hash changes; deleted, its group leaves', async () => {
      const gone = `gone${V}.example.com`;
      const key = `apis/${gone}/v1`;
      const index = async (): Promise<Record<string, { serverRelativeURL: string }>> =>
        (
          JSON.parse(ok(await k('get', '--raw', '/openapi/v3'))) as {
            paths: Record<string, { serverRelativeURL: string }>;
          }
        ).paths;
      const definition = (description: string) =>
        CRD.replaceAll(group, gone).replace('A CronTab runs an image on a schedule.', description);
      ok(await k('apply', '-f', c.file('gone.yaml', definition('First.'))));
      ok(
        await k('wait', '--for', 'condition=established', '--timeout=60s', `crd/crontabs.${gone}`),
      );
      const first = await until('the group-version listed', async () => (await index())[key]);
      const doc = ok(await k('get', '--raw', first.serverRelativeURL));
      assert.match(doc, /"description":"First\."/);
      ok(await k('apply', '-f', c.file('gone.yaml', definition('Second.'))));
      const second = await until('a new hash', async () => {
        const now = (await index())[key];
        return now && now.serverRelativeURL !== first.serverRelativeURL ? now : undefined;
      });
      assert.match(
        ok(await k('get', '--raw', second.serverRelativeURL)),
        /"description":"Second\."/,
      );
      ok(await k('delete', 'crd', `crontabs.${gone}`, '--timeout=60s'));
      await until('the group-version gone', async () =>
        (await index())[key] === undefined ? true : undefined,
      );
      assert.ok((await index())['api/v1']);
      assert.notEqual((await k('get', '--raw', `/openapi/v3/${key}`)).code, 0);
    });
  });
}
