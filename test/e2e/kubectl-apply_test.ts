// Writing objects with the real kubectl 1.27, 1.30 and 1.33: create -f, apply (client-side,
// server-side, and the move from one to the other), patch (strategic, merge, json), edit
// through KUBE_EDITOR, label and annotate.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import {
  VERSIONS,
  fails,
  hasKubectl,
  ok,
  startCluster,
  type RunResult,
  type TestCluster,
} from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
`;

/** The seed's hello-application.yaml (the image stays a name: nothing pulls it). */
const deployment = (replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello-world
spec:
  selector:
    matchLabels:
      run: load-balancer-example
  replicas: ${replicas}
  template:
    metadata:
      labels:
        run: load-balancer-example
    spec:
      containers:
      - name: hello-world
        image: gcr.io/google-samples/node-hello:1.0
        ports:
        - containerPort: 8080
          protocol: TCP
${extra}`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
`;

interface Obj {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    managedFields?: { manager: string; operation: string; subresource?: string }[];
  };
  spec: Record<string, any>;
}

/** An editor for KUBE_EDITOR: a shell script running sed on the file kubectl hands it. */
function editor(name: string, sedExpr: string): string {
  return c.file(`editors/${name}.sh`, `#!/bin/sh\nsed -i '${sedExpr}' "$1"\n`, 0o755);
}

describe('kubectl create -f, apply, patch, edit, label, annotate', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      const k = (ns: string, args: string[], opts?: { env?: NodeJS.ProcessEnv }) =>
        c.kubectl(v, ['-n', ns, ...args], opts);
      const getObj = async (ns: string, ...what: string[]): Promise<Obj> =>
        JSON.parse(ok(await k(ns, ['get', ...what, '-o', 'json', '--show-managed-fields']))) as Obj;
      const file = (ns: string, name: string, content: string) => c.file(`${ns}/${name}`, content);
      const newNs = async (ns: string) => ok(await c.kubectl(v, ['create', 'namespace', ns]));

      test('create -f: a pod, a deployment and a service from YAML', async () => {
        const ns = `create-f-${v}`;
        await newNs(ns);
        assert.equal(
          ok(await k(ns, ['create', '-f', file(ns, 'pod.yaml', POD)])),
          'pod/web created\n',
        );
        assert.equal(
          ok(await k(ns, ['create', '-f', file(ns, 'deploy.yaml', deployment(2))])),
          'deployment.apps/hello-world created\n',
        );
        assert.equal(
          ok(await k(ns, ['create', '-f', file(ns, 'svc.yaml', SERVICE)])),
          'service/web created\n',
        );
        const dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 2);
        assert.equal(dep.metadata.generation, 1);
        // Defaults a real API server fills in.
        assert.deepEqual(dep.spec['strategy'], {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
        });
        assert.equal(dep.spec['revisionHistoryLimit'], 10);
        assert.equal(dep.spec['progressDeadlineSeconds'], 600);
        // (Entries of the same second are ordered by manager: the controller's may come first.)
        assert.ok(dep.metadata.managedFields?.some((e) => e.manager === 'kubectl-create'));
        const svc = await getObj(ns, 'service', 'web');
        assert.deepEqual(svc.spec['ports'], [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
        ]);
        assert.match(String(svc.spec['clusterIP']), /^10\.\d+\.\d+\.\d+$/);
        assert.equal(svc.spec['type'], 'ClusterIP');
        assert.equal(svc.spec['sessionAffinity'], 'None');

        // A directory and a multi-document file; `create` twice fails per object.
        const dir = file(
          ns,
          'dir/a.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n',
        );
        const out = ok(await k(ns, ['create', '-f', dir.replace(/a\.yaml$/, '')]));
        assert.equal(out, 'configmap/a created\nconfigmap/b created\n');
        const again = await k(ns, ['create', '-f', dir]);
        assert.equal(
          fails(again),
          `Error from server (AlreadyExists): error when creating "${dir}": configmaps "a" already exists\n` +
            `Error from server (AlreadyExists): error when creating "${dir}": configmaps "b" already exists\n`,
        );
        // generateName: the server picks the name.
        const gen = ok(
          await k(ns, [
            'create',
            '-f',
            file(
              ns,
              'gen.yaml',
              'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: cfg-\n',
            ),
          ]),
        );
        assert.match(gen, /^configmap\/cfg-[a-z0-9]{5} created\n$/);
      });

      test('apply: create, change, unchanged, prune of a removed field', async () => {
        const ns = `apply-${v}`;
        await newNs(ns);
        const f2 = file(ns, 'd2.yaml', deployment(2));
        assert.equal(ok(await k(ns, ['apply', '-f', f2])), 'deployment.apps/hello-world created\n');
        assert.equal(
          ok(await k(ns, ['apply', '-f', f2])),
          'deployment.apps/hello-world unchanged\n',
        );
        let dep = await getObj(ns, 'deployment', 'hello-world');
        const last = JSON.parse(
          dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}',
        ) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
        assert.deepEqual(last.metadata, { annotations: {}, name: 'hello-world', namespace: ns });
        assert.equal(last.spec['replicas'], 2);
        assert.ok(
          dep.metadata.managedFields?.some((e) => e.manager === 'kubectl-client-side-apply'),
        );

        // A changed replica count and an added container with env: a strategic merge patch.
        const sidecar =
          '      - name: sidecar\n        image: busybox:1.36\n        env:\n        - name: MODE\n          value: watch\n';
        const f3 = file(ns, 'd3.yaml', deployment(3, sidecar));
        assert.equal(
          ok(await k(ns, ['apply', '-f', f3])),
          'deployment.apps/hello-world configured\n',
        );
        dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 3);
        assert.equal(dep.metadata.generation, 2);
        const containers = dep.spec['template'].spec.containers as Record<string, unknown>[];
        assert.deepEqual(
          containers.map((x) => [x['name'], x['image'], x['env']]),
          [
            ['hello-world', 'gcr.io/google-samples/node-hello:1.0', undefined],
            ['sidecar', 'busybox:1.36', [{ name: 'MODE', value: 'watch' }]],
          ],
        );
        // Fields another writer set survive an apply that does not mention them…
        ok(await k(ns, ['label', 'deployment', 'hello-world', 'owner=ops']));
        // …while fields dropped from the manifest are removed (the sidecar goes).
        assert.equal(
          ok(await k(ns, ['apply', '-f', f2])),
          'deployment.apps/hello-world configured\n',
        );
        dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 2);
        assert.deepEqual(
          (dep.spec['template'].spec.containers as { name: string }[]).map((x) => x.name),
          ['hello-world'],
        );
        assert.deepEqual(dep.metadata.labels, { owner: 'ops' });
        // apply refuses generateName.
        const gen = await k(ns, [
          'apply',
          '-f',
          file(ns, 'gen.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n'),
        ]);
        assert.match(fails(gen), /cannot use generate name with apply/);
      });

      test('apply --server-side, and after client-side apply', async () => {
        const ns = `ssa-${v}`;
        await newNs(ns);
        // Server-side from the start.
        const cm = (data: string) =>
          file(
            ns,
            `cm-${data}.yaml`,
            `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${data}\n`,
          );
        assert.equal(
          ok(await k(ns, ['apply', '--server-side', '-f', cm('a')])),
          'configmap/settings serverside-applied\n',
        );
        assert.equal(
          ok(await k(ns, ['apply', '--server-side', '-f', cm('b')])),
          'configmap/settings serverside-applied\n',
        );
        const settings = await getObj(ns, 'configmap', 'settings');
        assert.deepEqual(
          settings.metadata.managedFields?.map((m) => [m.manager, m.operation]),
          [['kubectl', 'Apply']],
        );
        assert.equal(settings.metadata.annotations, undefined, 'no last-applied annotation');

        // Client-side first, then server-side: no conflict, ownership moves to `kubectl`.
        const f2 = file(ns, 'd2.yaml', deployment(2));
        ok(await k(ns, ['apply', '-f', f2]));
        const f3 = file(ns, 'd3.yaml', deployment(3));
        assert.equal(
          ok(await k(ns, ['apply', '--server-side', '-f', f3])),
          'deployment.apps/hello-world serverside-applied\n',
        );
        let dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 3);
        const managers = (dep.metadata.managedFields ?? []).map(
          (m) => `${m.manager}/${m.operation}`,
        );
        assert.ok(managers.includes('kubectl/Apply'), managers.join());
        assert.ok(!managers.includes('kubectl-client-side-apply/Update'), managers.join());
        // The last-applied annotation is kept (and follows the server-side apply).
        const last = JSON.parse(
          dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}',
        ) as { spec: { replicas: number } };
        assert.equal(last.spec.replicas, 3);

        // Another manager takes .spec.replicas: a conflict, then --force-conflicts wins.
        ok(await k(ns, ['scale', 'deployment', 'hello-world', '--replicas=5']));
        const conflict = await k(ns, ['apply', '--server-side', '-f', f3]);
        assert.equal(
          fails(conflict).split('\n')[0],
          `error: Apply failed with 1 conflict: conflict with "kubectl.1.${v}" with subresource "scale" using apps/v1: .spec.replicas`,
        );
        assert.match(
          conflict.stderr,
          /re-run the apply\n {2}command with the `--force-conflicts` flag/,
        );
        ok(await k(ns, ['apply', '--server-side', '--force-conflicts', '-f', f3]));
        dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 3);
        // Dry run changes nothing.
        const dry = ok(
          await k(ns, [
            'apply',
            '--server-side',
            '--dry-run=server',
            '-f',
            file(ns, 'd4.yaml', deployment(4)),
          ]),
        );
        assert.equal(dry, 'deployment.apps/hello-world serverside-applied (server dry run)\n');
        assert.equal((await getObj(ns, 'deployment', 'hello-world')).spec['replicas'], 3);
      });

      test('patch: strategic, merge and json', async () => {
        const ns = `patch-${v}`;
        await newNs(ns);
        ok(
          await k(ns, [
            'apply',
            '-f',
            file(
              ns,
              'd.yaml',
              deployment(2, '      - name: sidecar\n        image: busybox:1.36\n'),
            ),
          ]),
        );
        const images = async () =>
          (
            (await getObj(ns, 'deployment', 'hello-world')).spec['template'].spec.containers as {
              name: string;
              image: string;
            }[]
          ).map((x) => `${x.name}=${x.image}`);

        // Strategic merge: containers merge by name.
        const smp =
          '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}';
        assert.equal(
          ok(await k(ns, ['patch', 'deployment', 'hello-world', '-p', smp])),
          'deployment.apps/hello-world patched\n',
        );
        assert.deepEqual(await images(), [
          'hello-world=gcr.io/google-samples/node-hello:1.0',
          'sidecar=busybox:1.37',
        ]);
        assert.equal(
          ok(await k(ns, ['patch', 'deployment', 'hello-world', '-p', smp])),
          'deployment.apps/hello-world patched (no change)\n',
        );
        // $patch: delete removes one list element.
        ok(
          await k(ns, [
            'patch',
            'deployment',
            'hello-world',
            '-p',
            '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}',
          ]),
        );
        assert.deepEqual(await images(), ['hello-world=gcr.io/google-samples/node-hello:1.0']);

        // Merge patch: lists are replaced whole; null deletes a key.
        ok(await k(ns, ['label', 'deployment', 'hello-world', 'a=1', 'b=2']));
        assert.equal(
          ok(
            await k(ns, [
              'patch',
              'deployment',
              'hello-world',
              '--type=merge',
              '-p',
              '{"metadata":{"labels":{"a":null}},"spec":{"template":{"spec":{"containers":[{"name":"only","image":"nginx:1.27"}]}}}}',
            ]),
          ),
          'deployment.apps/hello-world patched\n',
        );
        assert.deepEqual(await images(), ['only=nginx:1.27']);
        assert.deepEqual((await getObj(ns, 'deployment', 'hello-world')).metadata.labels, {
          b: '2',
        });

        // JSON patch.
        ok(
          await k(ns, [
            'patch',
            'deployment',
            'hello-world',
            '--type=json',
            '-p',
            '[{"op":"replace","path":"/spec/replicas","value":4},{"op":"add","path":"/metadata/labels/c","value":"3"}]',
          ]),
        );
        const dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 4);
        assert.deepEqual(dep.metadata.labels, { b: '2', c: '3' });
        // An operation that does not apply: kube-apiserver's generic 422.
        const bad = await k(ns, [
          'patch',
          'deployment',
          'hello-world',
          '--type=json',
          '-p',
          '[{"op":"remove","path":"/metadata/labels/zzz"}]',
        ]);
        assert.equal(
          fails(bad),
          'The request is invalid: the server rejected our request due to an error in our request\n',
        );
        const test = await k(ns, [
          'patch',
          'deployment',
          'hello-world',
          '--type=json',
          '-p',
          '[{"op":"test","path":"/spec/replicas","value":9}]',
        ]);
        assert.equal(
          fails(test),
          'The request is invalid: the server rejected our request due to an error in our request\n',
        );
        // A patch that makes the object invalid.
        const invalid = await k(ns, [
          'patch',
          'deployment',
          'hello-world',
          '-p',
          '{"spec":{"replicas":-1}}',
        ]);
        assert.equal(
          fails(invalid),
          'The Deployment "hello-world" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n',
        );
        // Patching a missing object.
        const missing = await k(ns, ['patch', 'deployment', 'nope', '-p', '{}']);
        assert.equal(
          fails(missing),
          'Error from server (NotFound): deployments.apps "nope" not found\n',
        );
      });

      test('edit through KUBE_EDITOR, and the cancelled paths', async () => {
        const ns = `edit-${v}`;
        await newNs(ns);
        ok(await k(ns, ['create', '-f', file(ns, 'd.yaml', deployment(2))]));
        const r = await k(ns, ['edit', 'deployment', 'hello-world'], {
          env: { KUBE_EDITOR: editor(`replicas-${v}`, 's/replicas: 2/replicas: 4/') },
        });
        assert.equal(ok(r), 'deployment.apps/hello-world edited\n');
        const dep = await getObj(ns, 'deployment', 'hello-world');
        assert.equal(dep.spec['replicas'], 4);
        assert.ok(
          dep.metadata.managedFields?.some(
            (m) => m.manager === 'kubectl-edit' && m.operation === 'Update',
          ),
        );

        // The editor changes nothing.
        const same = await k(ns, ['edit', 'deployment', 'hello-world'], {
          env: { KUBE_EDITOR: 'true' },
        });
        assert.equal(same.code, 0);
        assert.equal(same.stdout, '');
        assert.equal(same.stderr, 'Edit cancelled, no changes made.\n');

        // An invalid edit: kubectl reopens the editor, which changes nothing more.
        const bad = await k(ns, ['edit', 'deployment', 'hello-world'], {
          env: { KUBE_EDITOR: editor(`bad-${v}`, 's/image: .*/image: ""/') },
        });
        const err = fails(bad);
        assert.match(err, /^error: deployments\.apps "hello-world" is invalid\n/);
        assert.match(err, /A copy of your changes has been stored to ".*\.yaml"\n/);
        assert.match(err, /error: Edit cancelled, no valid changes were saved\.\n$/);
        assert.equal(
          (
            (await getObj(ns, 'deployment', 'hello-world')).spec['template'].spec.containers as {
              image: string;
            }[]
          )[0]?.image,
          'gcr.io/google-samples/node-hello:1.0',
        );

        // Edit as JSON, and of a pod label.
        ok(await k(ns, ['create', '-f', file(ns, 'pod.yaml', POD)]));
        const js = await k(ns, ['edit', 'pod', 'web', '-o', 'json'], {
          env: { KUBE_EDITOR: editor(`json-${v}`, 's/"app": "web"/"app": "edited"/') },
        });
        // With -o json, kubectl edits in JSON and prints the result in JSON.
        const edited = JSON.parse(ok(js)) as Obj;
        assert.deepEqual(edited.metadata.labels, { app: 'edited' });
        assert.deepEqual((await getObj(ns, 'pod', 'web')).metadata.labels, { app: 'edited' });
      });

      test('label and annotate: add, --overwrite, remove', async () => {
        const ns = `label-${v}`;
        await newNs(ns);
        ok(await k(ns, ['create', '-f', file(ns, 'pod.yaml', POD)]));
        ok(await k(ns, ['run', 'other', '--image=busybox', '--labels=app=other']));
        const labels = async (name = 'web') => (await getObj(ns, 'pod', name)).metadata.labels;
        // kubectl 1.27 says "annotate" where later versions say "annotated".
        const annotated = `pod/web ${v === 27 ? 'annotate' : 'annotated'}\n`;
        const say = (r: RunResult) => ok(r);

        assert.equal(
          say(await k(ns, ['label', 'pod', 'web', 'tier=frontend'])),
          'pod/web labeled\n',
        );
        assert.deepEqual(await labels(), { app: 'web', tier: 'frontend' });
        const clash = await k(ns, ['label', 'pod', 'web', 'tier=backend']);
        assert.equal(
          fails(clash),
          "error: 'tier' already has a value (frontend), and --overwrite is false\n",
        );
        assert.equal(
          say(await k(ns, ['label', 'pod', 'web', 'tier=backend', '--overwrite'])),
          'pod/web labeled\n',
        );
        assert.equal(
          say(await k(ns, ['label', 'pod', 'web', 'tier=backend', '--overwrite'])),
          'pod/web not labeled\n',
        );
        assert.equal(say(await k(ns, ['label', 'pod', 'web', 'tier-'])), 'pod/web unlabeled\n');
        assert.deepEqual(await labels(), { app: 'web' });
        // A label key the server refuses.
        const badKey = await k(ns, ['label', 'pod', 'web', 'bad key=1']);
        assert.equal(
          fails(badKey),
          "The Pod \"web\" is invalid: metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')\n",
        );
        // Several objects: by selector and --all.
        assert.equal(
          say(await k(ns, ['label', 'pods', '-l', 'app=other', 'team=b'])),
          'pod/other labeled\n',
        );
        assert.equal(
          say(await k(ns, ['label', 'pods', '--all', 'env=test'])),
          'pod/other labeled\npod/web labeled\n',
        );
        assert.deepEqual(await labels('other'), { app: 'other', env: 'test', team: 'b' });

        assert.equal(say(await k(ns, ['annotate', 'pod', 'web', 'note=hello'])), annotated);
        const aclash = await k(ns, ['annotate', 'pod', 'web', 'note=bye']);
        assert.equal(
          fails(aclash),
          "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello)\n",
        );
        assert.equal(
          say(await k(ns, ['annotate', 'pod', 'web', 'note=bye', '--overwrite'])),
          annotated,
        );
        assert.equal((await getObj(ns, 'pod', 'web')).metadata.annotations?.['note'], 'bye');
        assert.equal(say(await k(ns, ['annotate', 'pod', 'web', 'note-'])), annotated);
        assert.equal((await getObj(ns, 'pod', 'web')).metadata.annotations, undefined);
        // The writes were recorded under kubectl's field managers.
        const mf = (await getObj(ns, 'pod', 'web')).metadata.managedFields ?? [];
        const names = mf.map((m) => m.manager);
        assert.ok(names.includes('kubectl-label'), names.join());
        assert.ok(names.includes('kubectl-annotate'), names.join());
        const yaml = parseYaml(ok(await k(ns, ['get', 'pod', 'web', '-o', 'yaml']))) as Obj;
        assert.deepEqual(yaml.metadata.labels, { app: 'web', env: 'test' });
      });

      test('annotations over 256 KiB are refused with apimachinery 1.33 words', async () => {
        const ns = `big-${v}`;
        await newNs(ns);
        ok(await k(ns, ['create', 'configmap', 'big']));
        // One argument may not exceed 128 KiB, so three annotations of 100 kB.
        const tooBig = await k(ns, [
          'annotate',
          'configmap',
          'big',
          ...['a', 'b', 'c'].map((key) => `${key}=${'x'.repeat(100_000)}`),
        ]);
        assert.equal(
          fails(tooBig),
          'The ConfigMap "big" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes\n',
        );
      });
    });
  }
});
