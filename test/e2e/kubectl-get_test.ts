// `kubectl get` in every output format, with selectors, sorting and watches, as kubectl
// 1.27, 1.30 and 1.33 print it against `skiff up`. Pods stay Pending (there is no node).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import {
  AGE,
  VERSIONS,
  fails,
  hasKubectl,
  ok,
  parseTable,
  startCluster,
  type TestCluster,
} from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

/** Three pods whose name order, image order and label sets all differ. */
function podsYaml(ns: string): string {
  const pod = (name: string, labels: Record<string, string>, image: string, port: number) =>
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      `  name: ${name}`,
      `  namespace: ${ns}`,
      '  labels:',
      ...Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`),
      'spec:',
      '  containers:',
      `  - name: main`,
      `    image: ${image}`,
      '    ports:',
      `    - containerPort: ${port}`,
    ].join('\n');
  return [
    pod('db', { app: 'db' }, 'redis:7', 6379),
    pod('web-1', { app: 'web', tier: 'frontend' }, 'nginx:1.25', 80),
    pod('web-2', { app: 'web', tier: 'backend' }, 'busybox:1.36', 8080),
  ].join('\n---\n');
}

const pendingRow = (name: string, width: number): string =>
  `${name.padEnd(width)}0/1     Pending   0          ${AGE}`;

describe('kubectl get', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      const ns = `get-v${v}`;
      const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);

      before(async () => {
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
        const out = ok(
          await c.kubectl(v, ['create', '-f', c.file(`${ns}/pods.yaml`, podsYaml(ns))]),
        );
        assert.equal(out, 'pod/db created\npod/web-1 created\npod/web-2 created\n');
        ok(await k('create', 'service', 'clusterip', 'web', '--tcp=80:8080'));
      });

      test('default table: the columns and values of a Pending pod', async () => {
        const out = ok(await k('get', 'pods'));
        assert.match(
          out,
          new RegExp(
            [
              '^NAME    READY   STATUS    RESTARTS   AGE',
              pendingRow('db', 8),
              pendingRow('web-1', 8),
              pendingRow('web-2', 8) + '\n$',
            ].join('\n'),
          ),
        );
        const one = ok(await k('get', 'pod', 'db'));
        assert.match(
          one,
          new RegExp(`^NAME   READY   STATUS    RESTARTS   AGE\n${pendingRow('db', 7)}\n$`),
        );
        const two = ok(await k('get', 'pods', 'db', 'web-2', '--no-headers'));
        // Without headers, the columns are only as wide as the values.
        assert.match(
          two,
          new RegExp(
            `^db      0/1   Pending   0     ${AGE}\nweb-2   0/1   Pending   0     ${AGE}\n$`,
          ),
        );
      });

      test('-o wide adds IP, node, nominated node and readiness gates', async () => {
        const out = ok(await k('get', 'pods', '-o', 'wide'));
        const lines = out.trimEnd().split('\n');
        assert.match(
          lines[0] ?? '',
          /^NAME {4}READY {3}STATUS {4}RESTARTS {3}AGE +IP {7}NODE {5}NOMINATED NODE {3}READINESS GATES$/,
        );
        assert.deepEqual(
          parseTable(out).map((r) => [
            r['NAME'],
            r['IP'],
            r['NODE'],
            r['NOMINATED NODE'],
            r['READINESS GATES'],
          ]),
          [
            ['db', '<none>', '<none>', '<none>', '<none>'],
            ['web-1', '<none>', '<none>', '<none>', '<none>'],
            ['web-2', '<none>', '<none>', '<none>', '<none>'],
          ],
        );
        const svc = ok(await k('get', 'svc', 'web', '-o', 'wide'));
        assert.match(
          svc,
          new RegExp(
            `^NAME   TYPE        CLUSTER-IP +EXTERNAL-IP   PORT\\(S\\)   AGE +SELECTOR\nweb    ClusterIP   10\\.\\d+\\.\\d+\\.\\d+ +<none>        80/TCP    ${AGE} +app=web\n$`,
          ),
        );
      });

      test('-o json and -o yaml', async () => {
        const pod = JSON.parse(ok(await k('get', 'pod', 'web-1', '-o', 'json'))) as {
          apiVersion: string;
          kind: string;
          metadata: Record<string, unknown>;
          spec: {
            containers: Record<string, unknown>[];
            restartPolicy: string;
            dnsPolicy: string;
            serviceAccountName: string;
            schedulerName: string;
            terminationGracePeriodSeconds: number;
          };
          status: { phase: string; qosClass: string };
        };
        assert.equal(pod.apiVersion, 'v1');
        assert.equal(pod.kind, 'Pod');
        assert.equal(pod.metadata['name'], 'web-1');
        assert.equal(pod.metadata['namespace'], ns);
        assert.deepEqual(pod.metadata['labels'], { app: 'web', tier: 'frontend' });
        assert.match(String(pod.metadata['uid']), /^[0-9a-f-]{36}$/);
        assert.match(String(pod.metadata['resourceVersion']), /^\d+$/);
        assert.match(
          String(pod.metadata['creationTimestamp']),
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
        );
        assert.equal(pod.metadata['managedFields'], undefined, 'managedFields are hidden');
        // Defaults the real API server fills in.
        // The ServiceAccount admission mounts the kube-api-access-xxxxx projected volume.
        const volume =
          (pod.spec as unknown as { volumes: { name: string }[] }).volumes[0]?.name ?? '';
        assert.match(volume, /^kube-api-access-[a-z0-9]{5}$/);
        assert.deepEqual(pod.spec.containers[0], {
          name: 'main',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          volumeMounts: [
            {
              name: volume,
              readOnly: true,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            },
          ],
        });
        assert.equal(pod.spec.restartPolicy, 'Always');
        assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
        assert.equal(pod.spec.serviceAccountName, 'default');
        assert.equal(pod.spec.schedulerName, 'default-scheduler');
        assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
        assert.equal(pod.status.phase, 'Pending');
        assert.equal(pod.status.qosClass, 'BestEffort');

        const list = JSON.parse(ok(await k('get', 'pods', '-o', 'json'))) as {
          apiVersion: string;
          kind: string;
          metadata: { resourceVersion: string };
          items: { metadata: { name: string } }[];
        };
        assert.equal(list.kind, 'List');
        assert.equal(list.apiVersion, 'v1');
        assert.deepEqual(list.metadata, { resourceVersion: '' });
        assert.deepEqual(
          list.items.map((i) => i.metadata.name),
          ['db', 'web-1', 'web-2'],
        );

        const yaml = ok(await k('get', 'pod', 'db', '-o', 'yaml'));
        assert.match(yaml, /^apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: "[^"]+"\n/);
        assert.doesNotMatch(yaml, /managedFields/);
        const doc = parseYaml(yaml) as { spec: { containers: { image: string }[] } };
        assert.equal(doc.spec.containers[0]?.image, 'redis:7');

        const withManaged = ok(await k('get', 'pod', 'db', '-o', 'yaml', '--show-managed-fields'));
        const mf = (
          parseYaml(withManaged) as { metadata: { managedFields: Record<string, unknown>[] } }
        ).metadata.managedFields;
        // (Entries of the same second are ordered by manager: the scheduler's may come first.)
        const creator = mf.find((e) => e['manager'] === 'kubectl-create');
        assert.equal(creator?.['operation'], 'Update');
        assert.equal(creator?.['fieldsType'], 'FieldsV1');
      });

      test('-o jsonpath, as in the seed list-all-images examples', async () => {
        assert.equal(
          ok(await k('get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}')),
          'db web-1 web-2',
        );
        assert.equal(
          ok(await k('get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[*].image}')),
          'redis:7 nginx:1.25 busybox:1.36',
        );
        assert.equal(
          ok(
            await k(
              'get',
              'pods',
              '-o=jsonpath={range .items[*]}{"\\n"}{.metadata.name}{":\\t"}{range .spec.containers[*]}{.image}{", "}{end}{end}',
            ),
          ),
          '\ndb:\tredis:7, \nweb-1:\tnginx:1.25, \nweb-2:\tbusybox:1.36, ',
        );
        assert.equal(
          ok(
            await k(
              'get',
              'pods',
              '-l',
              'app=web',
              '-o=jsonpath={.items[*].spec.containers[*].image}',
            ),
          ),
          'nginx:1.25 busybox:1.36',
        );
        assert.equal(
          ok(await k('get', 'pod', 'db', '-o', 'jsonpath={.metadata.labels.app}/{.status.phase}')),
          'db/Pending',
        );
        // Across namespaces: the images of our pods appear among all of them.
        const all = ok(
          await c.kubectl(v, [
            'get',
            'pods',
            '--all-namespaces',
            '-o',
            'jsonpath={.items[*].spec.containers[*].image}',
          ]),
        );
        for (const img of ['redis:7', 'nginx:1.25', 'busybox:1.36'])
          assert.ok(all.split(' ').includes(img), all);
      });

      test('-o go-template and --template', async () => {
        assert.equal(
          ok(
            await k(
              'get',
              'pods',
              '-o',
              'go-template',
              '--template={{range .items}}{{range .spec.containers}}{{.image}} {{end}}{{end}}',
            ),
          ),
          'redis:7 nginx:1.25 busybox:1.36 ',
        );
        // The seed's port lookup: the first port of the first container.
        assert.equal(
          ok(
            await k(
              'get',
              'pod',
              'web-2',
              '--template={{(index (index .spec.containers 0).ports 0).containerPort}}{{"\\n"}}',
            ),
          ),
          '8080\n',
        );
      });

      test('-o custom-columns and -o name', async () => {
        const out = ok(
          await k(
            'get',
            'pods',
            '-o',
            'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image,TIER:.metadata.labels.tier',
          ),
        );
        assert.equal(
          out,
          'NAME    IMAGE          TIER\n' +
            'db      redis:7        <none>\n' +
            'web-1   nginx:1.25     frontend\n' +
            'web-2   busybox:1.36   backend\n',
        );
        assert.equal(ok(await k('get', 'pods', '-o', 'name')), 'pod/db\npod/web-1\npod/web-2\n');
        assert.equal(
          ok(await k('get', 'pods,services', '-o', 'name')),
          'pod/db\npod/web-1\npod/web-2\nservice/web\n',
        );
      });

      test('several kinds at once print one table each, kind-qualified', async () => {
        const out = ok(await k('get', 'pods,svc'));
        const [pods, svcs] = out.split('\n\n');
        assert.match(
          pods ?? '',
          /^NAME        READY   STATUS    RESTARTS   AGE\npod\/db      0\/1/,
        );
        assert.match(
          svcs ?? '',
          /^NAME          TYPE        CLUSTER-IP +EXTERNAL-IP   PORT\(S\)   AGE\nservice\/web   ClusterIP   10\./,
        );
      });

      test('-A adds the NAMESPACE column', async () => {
        const out = ok(await c.kubectl(v, ['get', 'pods', '-A']));
        const header = out.split('\n')[0] ?? '';
        assert.match(header, /^NAMESPACE +NAME +READY   STATUS    RESTARTS   AGE$/);
        const ours = parseTable(out).filter((r) => r['NAMESPACE'] === ns);
        assert.deepEqual(
          ours.map((r) => [r['NAME'], r['READY'], r['STATUS'], r['RESTARTS']]),
          [
            ['db', '0/1', 'Pending', '0'],
            ['web-1', '0/1', 'Pending', '0'],
            ['web-2', '0/1', 'Pending', '0'],
          ],
        );
        const svc = parseTable(ok(await c.kubectl(v, ['get', 'svc', '--all-namespaces'])));
        assert.ok(
          svc.some(
            (r) =>
              r['NAMESPACE'] === 'default' &&
              r['NAME'] === 'kubernetes' &&
              r['CLUSTER-IP'] === '10.96.0.1' &&
              r['PORT(S)'] === '443/TCP',
          ),
        );
        const selected = ok(
          await c.kubectl(v, ['get', 'pods', '-A', '-l', 'app=db', '-o', 'name']),
        );
        assert.ok(selected.split('\n').includes('pod/db'), selected);
      });

      test('--show-labels and -L', async () => {
        const out = ok(await k('get', 'pods', '--show-labels'));
        assert.match(
          out,
          new RegExp(
            '^NAME    READY   STATUS    RESTARTS   AGE +LABELS\n' +
              `db      0/1     Pending   0          ${AGE} +app=db\n` +
              `web-1   0/1     Pending   0          ${AGE} +app=web,tier=frontend\n` +
              `web-2   0/1     Pending   0          ${AGE} +app=web,tier=backend\n$`,
          ),
        );
        const cols = ok(await k('get', 'pods', '-L', 'app,tier'));
        assert.match(
          cols.split('\n')[0] ?? '',
          /^NAME    READY   STATUS    RESTARTS   AGE +APP   TIER$/,
        );
        assert.deepEqual(
          parseTable(cols).map((r) => [r['NAME'], r['APP'], r['TIER']]),
          [
            ['db', 'db', ''],
            ['web-1', 'web', 'frontend'],
            ['web-2', 'web', 'backend'],
          ],
        );
      });

      test('-l label selectors', async () => {
        const names = async (sel: string) => ok(await k('get', 'pods', '-l', sel, '-o', 'name'));
        assert.equal(await names('app=web'), 'pod/web-1\npod/web-2\n');
        assert.equal(await names('app==db'), 'pod/db\n');
        assert.equal(await names('app!=web'), 'pod/db\n');
        assert.equal(await names('tier in (frontend,middle)'), 'pod/web-1\n');
        assert.equal(await names('tier notin (frontend)'), 'pod/db\npod/web-2\n');
        assert.equal(await names('tier'), 'pod/web-1\npod/web-2\n');
        assert.equal(await names('!tier'), 'pod/db\n');
        assert.equal(await names('app=web,tier=backend'), 'pod/web-2\n');
        const none = await k('get', 'pods', '-l', 'app=nothing');
        assert.equal(none.code, 0);
        assert.equal(none.stdout, '');
        assert.equal(none.stderr, `No resources found in ${ns} namespace.\n`);
        // kubectl wraps the server's BadRequest in its own words.
        const bad = await k('get', 'pods', '-l', 'app=(x');
        assert.equal(
          fails(bad),
          'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "app=(x", field selector "": unable to parse requirement: found \'(\', expected: identifier\n',
        );
      });

      test('--field-selector', async () => {
        const names = async (sel: string) =>
          ok(await k('get', 'pods', '--field-selector', sel, '-o', 'name'));
        assert.equal(await names('metadata.name=db'), 'pod/db\n');
        assert.equal(await names('metadata.name!=db'), 'pod/web-1\npod/web-2\n');
        assert.equal(await names('status.phase=Pending'), 'pod/db\npod/web-1\npod/web-2\n');
        assert.equal(await names('status.phase!=Pending,metadata.name=db'), '');
        assert.equal(await names('spec.nodeName='), 'pod/db\npod/web-1\npod/web-2\n');
        assert.equal(await names(`metadata.namespace=${ns},metadata.name=web-2`), 'pod/web-2\n');
        const running = await k('get', 'pods', '--field-selector', 'status.phase=Running');
        assert.equal(running.stderr, `No resources found in ${ns} namespace.\n`);
        const bad = await k('get', 'pods', '--field-selector', 'spec.foo=bar');
        assert.equal(
          fails(bad).trim(),
          'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo',
        );
        const svc = ok(
          await k('get', 'svc', '--field-selector', 'spec.type=ClusterIP', '-o', 'name'),
        );
        assert.equal(svc, 'service/web\n');
      });

      test('--sort-by', async () => {
        const byImage = ok(
          await k('get', 'pods', '--sort-by=.spec.containers[0].image', '-o', 'name'),
        );
        assert.equal(byImage, 'pod/web-2\npod/web-1\npod/db\n');
        const byTier = ok(await k('get', 'pods', '--sort-by', '{.metadata.labels.tier}'));
        assert.deepEqual(
          parseTable(byTier).map((r) => r['NAME']),
          ['db', 'web-2', 'web-1'],
        );
        const byPort = ok(
          await k(
            'get',
            'pods',
            '--sort-by=.spec.containers[0].ports[0].containerPort',
            '-o',
            'name',
          ),
        );
        assert.equal(byPort, 'pod/web-1\npod/db\npod/web-2\n');
        const bad = await k('get', 'pods', '--sort-by=.spec.nope', '-o', 'name');
        assert.match(
          fails(bad),
          /couldn't find any field with path "\{\.spec\.nope\}" in the list of objects/,
        );
      });
    });
  }
});

describe('kubectl get -w', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    test(
      `kubectl 1.${v} sees additions, changes and deletions`,
      { skip: !hasKubectl(v) },
      async () => {
        const ns = `watch-v${v}`;
        const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
        ok(await k('create', 'configmap', 'before', '--from-literal=a=1'));

        // Config maps change only when we change them: the event sequence is exact.
        const w = c.background(v, ['-n', ns, 'get', 'configmaps', '-w', '--output-watch-events']);
        await w.waitFor(/ADDED +before/);
        ok(await k('create', 'configmap', 'cm1', '--from-literal=a=1'));
        await w.waitFor(/cm1/);
        ok(await k('label', 'configmap', 'cm1', 'x=y'));
        ok(await k('patch', 'configmap', 'cm1', '-p', '{"data":{"b":"2"}}'));
        await w.waitFor(/MODIFIED +cm1 +2 /);
        ok(await k('delete', 'configmap', 'cm1'));
        await w.waitFor(/DELETED +cm1/);
        const out = (await w.stop()).stdout;
        const rows = parseTable(out).map((r) => [r['EVENT'], r['NAME'], r['DATA']]);
        assert.match(out.split('\n')[0] ?? '', /^EVENT +NAME +DATA   AGE$/);
        assert.deepEqual(
          rows.filter((r) => r[1] !== 'kube-root-ca.crt'),
          [
            ['ADDED', 'before', '1'],
            ['ADDED', 'cm1', '1'],
            ['MODIFIED', 'cm1', '1'],
            ['MODIFIED', 'cm1', '2'],
            ['DELETED', 'cm1', '2'],
          ],
        );

        // Pods in the default format: a header once, then one line per event.
        const p = c.background(v, ['-n', ns, 'get', 'pods', '--watch']);
        await new Promise((r) => setTimeout(r, 500));
        ok(await k('run', 'w1', '--image=busybox', '--labels=app=w'));
        await p.waitFor(/^w1 /m);
        ok(await k('annotate', 'pod', 'w1', 'note=changed'));
        ok(await k('delete', 'pod', 'w1', '--wait=false'));
        // The deleted pod was never scheduled, so it goes at once (no Terminating phase).
        await new Promise((r) => setTimeout(r, 1000));
        const pods = (await p.stop()).stdout;
        const lines = pods.trimEnd().split('\n');
        assert.equal(lines[0], 'NAME   READY   STATUS    RESTARTS   AGE');
        assert.ok(lines.length >= 4, pods);
        for (const l of lines.slice(1))
          assert.match(l, new RegExp(`^w1     0/1     Pending   0          ${AGE}$`));

        // -o name prints one line per event as well; a deletion still names the object.
        const n = c.background(v, ['-n', ns, 'get', 'configmaps', '-w', '-o', 'name']);
        await n.waitFor(/configmap\/before/);
        ok(await k('create', 'configmap', 'cm2'));
        await n.waitFor(/configmap\/cm2/);
        ok(await k('delete', 'configmap', 'cm2'));
        await new Promise((r) => setTimeout(r, 700));
        const named = (await n.stop()).stdout
          .split('\n')
          .filter((l) => l && l !== 'configmap/kube-root-ca.crt');
        assert.deepEqual(named, ['configmap/before', 'configmap/cm2', 'configmap/cm2']);

        // A watch on one object (get NAME -w) follows only that object.
        const one = c.background(v, [
          '-n',
          ns,
          'get',
          'configmap',
          'before',
          '-w',
          '-o',
          'jsonpath={.data.a}{"\\n"}',
        ]);
        await one.waitFor(/^1\n/);
        ok(await k('create', 'configmap', 'other'));
        ok(await k('patch', 'configmap', 'before', '-p', '{"data":{"a":"2"}}'));
        await one.waitFor(/^1\n2\n/);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal((await one.stop()).stdout, '1\n2\n');
      },
    );
  }
});
