// kubectl's generators against `skiff up` (1.32+ send these bodies as protobuf): create
// namespace, configmap, secret (generic, tls), service (clusterip, nodeport, externalname),
// deployment; expose (the seed's NodePort example), scale and delete.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
let certPath = '';
let keyPath = '';

before(() => {
  c = startCluster();
  // A self-signed certificate made by openssl, for `create secret tls`.
  certPath = c.file('tls/tls.crt', '');
  keyPath = c.file('tls/tls.key', '');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=kubia.example.com',
    ],
    { stdio: 'ignore' },
  );
});
after(() => c?.stop());

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

interface Obj {
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, any>;
  data?: Record<string, string>;
  type?: string;
}

describe('kubectl create <generator>, expose, scale, delete', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      const ns = `gen-${v}`;
      const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);
      const getObj = async (...what: string[]): Promise<Obj> =>
        JSON.parse(ok(await k('get', ...what, '-o', 'json'))) as Obj;

      before(async () => {
        assert.equal(
          ok(await c.kubectl(v, ['create', 'namespace', ns])),
          `namespace/${ns} created\n`,
        );
      });

      test('create namespace', async () => {
        const name = `team-${v}`;
        assert.equal(ok(await c.kubectl(v, ['create', 'ns', name])), `namespace/${name} created\n`);
        const out = ok(await c.kubectl(v, ['get', 'namespace', name]));
        assert.match(out, new RegExp(`^NAME      STATUS   AGE\n${name}   Active   ${AGE}\n$`));
        const nsObj = JSON.parse(
          ok(await c.kubectl(v, ['get', 'ns', name, '-o', 'json'])),
        ) as Obj & {
          status: { phase: string };
        };
        assert.deepEqual(nsObj.metadata.labels, { 'kubernetes.io/metadata.name': name });
        assert.deepEqual(nsObj.spec, { finalizers: ['kubernetes'] });
        assert.equal(nsObj.status.phase, 'Active');
        const dup = await c.kubectl(v, ['create', 'namespace', name]);
        assert.equal(
          fails(dup),
          `Error from server (AlreadyExists): namespaces "${name}" already exists\n`,
        );
        const bad = await c.kubectl(v, ['create', 'namespace', 'Bad_Name']);
        assert.equal(
          fails(bad),
          "The Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n",
        );
      });

      test('create configmap --from-literal and --from-file', async () => {
        assert.equal(
          ok(
            await k(
              'create',
              'configmap',
              'literal',
              '--from-literal=a=1',
              '--from-literal=greeting=hello world',
            ),
          ),
          'configmap/literal created\n',
        );
        assert.deepEqual((await getObj('configmap', 'literal')).data, {
          a: '1',
          greeting: 'hello world',
        });

        const f = c.file(`cm-${v}/app.properties`, 'color=blue\nsize=3\n');
        c.file(`cm-${v}/other.txt`, 'hello');
        ok(await k('create', 'configmap', 'files', `--from-file=${f}`, `--from-file=renamed=${f}`));
        assert.deepEqual((await getObj('configmap', 'files')).data, {
          'app.properties': 'color=blue\nsize=3\n',
          renamed: 'color=blue\nsize=3\n',
        });
        ok(
          await k('create', 'configmap', 'dir', `--from-file=${f.replace(/app\.properties$/, '')}`),
        );
        assert.deepEqual(Object.keys((await getObj('configmap', 'dir')).data ?? {}), [
          'app.properties',
          'other.txt',
        ]);
        ok(await k('create', 'configmap', 'env', `--from-env-file=${f}`));
        assert.deepEqual((await getObj('configmap', 'env')).data, { color: 'blue', size: '3' });

        const table = ok(await k('get', 'configmaps'));
        assert.match(table.split('\n')[0] ?? '', /^NAME +DATA   AGE$/);
        assert.deepEqual(
          parseTable(table).map((r) => [r['NAME'], r['DATA']]),
          [
            ['dir', '2'],
            ['env', '2'],
            ['files', '2'],
            ['kube-root-ca.crt', '1'],
            ['literal', '2'],
          ],
        );
        const dup = await k('create', 'configmap', 'literal');
        assert.equal(
          fails(dup),
          'error: failed to create configmap: configmaps "literal" already exists\n',
        );
        const badKey = await k('create', 'configmap', 'bad', '--from-literal=no/slash=1');
        assert.match(fails(badKey), /no\/slash/);
      });

      test('create secret generic and tls', async () => {
        assert.equal(
          ok(
            await k(
              'create',
              'secret',
              'generic',
              'db-pass',
              '--from-literal=password=s3cr3t',
              '--from-literal=user=admin',
            ),
          ),
          'secret/db-pass created\n',
        );
        const s = await getObj('secret', 'db-pass');
        assert.equal(s.type, 'Opaque');
        assert.deepEqual(s.data, { password: b64('s3cr3t'), user: b64('admin') });
        assert.equal(
          ok(await k('get', 'secret', 'db-pass', '-o', 'jsonpath={.data.password}')),
          b64('s3cr3t'),
        );

        assert.equal(
          ok(
            await k(
              'create',
              'secret',
              'tls',
              'kubia-tls',
              `--cert=${certPath}`,
              `--key=${keyPath}`,
            ),
          ),
          'secret/kubia-tls created\n',
        );
        const tls = await getObj('secret', 'kubia-tls');
        assert.equal(tls.type, 'kubernetes.io/tls');
        assert.deepEqual(Object.keys(tls.data ?? {}).sort(), ['tls.crt', 'tls.key']);
        assert.equal(tls.data?.['tls.crt'], b64(readFileSync(certPath)));

        const table = ok(await k('get', 'secrets'));
        assert.match(table.split('\n')[0] ?? '', /^NAME +TYPE +DATA   AGE$/);
        const rows = parseTable(table).map((r) => [r['NAME'], r['TYPE'], r['DATA']]);
        assert.deepEqual(rows, [
          ['db-pass', 'Opaque', '2'],
          ['kubia-tls', 'kubernetes.io/tls', '2'],
        ]);
        // A tls secret must carry both keys: the server's validation.
        const bad = await k(
          'create',
          '-f',
          c.file(
            `bad-tls-${v}.yaml`,
            `apiVersion: v1\nkind: Secret\nmetadata:\n  name: half\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64('x')}\n`,
          ),
        );
        assert.match(
          fails(bad),
          /^The Secret "half" is invalid: data\[tls\.key\]: Required value\n$/,
        );
      });

      test('create service clusterip, nodeport (--node-port) and externalname', async () => {
        assert.equal(
          ok(await k('create', 'service', 'clusterip', 'cip', '--tcp=80:8080')),
          'service/cip created\n',
        );
        assert.equal(
          ok(
            await k(
              'create',
              'service',
              'nodeport',
              'np',
              '--tcp=80:8080',
              `--node-port=${30100 + v}`,
            ),
          ),
          'service/np created\n',
        );
        assert.equal(
          ok(await k('create', 'service', 'externalname', 'ext', '--external-name=db.example.com')),
          'service/ext created\n',
        );
        assert.equal(
          ok(await k('create', 'service', 'clusterip', 'headless', '--clusterip=None')),
          'service/headless created\n',
        );
        const out = ok(await k('get', 'services'));
        assert.match(
          out.split('\n')[0] ?? '',
          /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$/,
        );
        const rows = parseTable(out);
        const row = (n: string) => rows.find((r) => r['NAME'] === n) ?? {};
        assert.match(row('cip')['CLUSTER-IP'] ?? '', /^10\.\d+\.\d+\.\d+$/);
        assert.deepEqual(
          [row('cip')['TYPE'], row('cip')['EXTERNAL-IP'], row('cip')['PORT(S)']],
          ['ClusterIP', '<none>', '80/TCP'],
        );
        assert.deepEqual(
          [row('np')['TYPE'], row('np')['PORT(S)']],
          ['NodePort', `80:${30100 + v}/TCP`],
        );
        assert.deepEqual(
          [
            row('ext')['TYPE'],
            row('ext')['CLUSTER-IP'],
            row('ext')['EXTERNAL-IP'],
            row('ext')['PORT(S)'],
          ],
          ['ExternalName', '<none>', 'db.example.com', '<none>'],
        );
        assert.deepEqual(
          [row('headless')['TYPE'], row('headless')['CLUSTER-IP'], row('headless')['PORT(S)']],
          ['ClusterIP', 'None', '<none>'],
        );
        const cip = await getObj('service', 'cip');
        assert.deepEqual(cip.spec['ports'], [
          { name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 },
        ]);
        assert.deepEqual(cip.spec['selector'], { app: 'cip' });
        assert.deepEqual(cip.metadata.labels, { app: 'cip' });
        assert.deepEqual(cip.spec['ipFamilies'], ['IPv4']);
        assert.equal(cip.spec['ipFamilyPolicy'], 'SingleStack');
        assert.equal(cip.spec['internalTrafficPolicy'], 'Cluster');
        const np = await getObj('service', 'np');
        assert.equal(np.spec['externalTrafficPolicy'], 'Cluster');
        assert.equal(np.spec['ports'][0].nodePort, 30100 + v);

        // The same node port twice, and one outside the range.
        const taken = await k(
          'create',
          'service',
          'nodeport',
          'np2',
          '--tcp=81',
          `--node-port=${30100 + v}`,
        );
        assert.equal(
          fails(taken),
          `error: failed to create NodePort service: Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: ${30100 + v}: provided port is already allocated\n`,
        );
        const range = await k(
          'create',
          'service',
          'nodeport',
          'np3',
          '--tcp=81',
          '--node-port=40000',
        );
        assert.equal(
          fails(range),
          'error: failed to create NodePort service: Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767\n',
        );
      });

      test('create deployment, scale', async () => {
        assert.equal(
          ok(
            await k(
              'create',
              'deployment',
              'web',
              '--image=nginx:1.25',
              '--replicas=3',
              '--port=80',
            ),
          ),
          'deployment.apps/web created\n',
        );
        const d = await getObj('deployment', 'web');
        assert.deepEqual(d.metadata.labels, { app: 'web' });
        assert.deepEqual(d.spec['selector'], { matchLabels: { app: 'web' } });
        assert.equal(d.spec['replicas'], 3);
        assert.deepEqual(
          d.spec['template'].spec.containers.map((x: Record<string, unknown>) => [
            x['name'],
            x['image'],
            x['ports'],
          ]),
          [['nginx', 'nginx:1.25', [{ containerPort: 80, protocol: 'TCP' }]]],
        );
        const table = ok(await k('get', 'deployment', 'web'));
        assert.match(table.split('\n')[0] ?? '', /^NAME   READY   UP-TO-DATE   AVAILABLE   AGE$/);
        const row = parseTable(table)[0] ?? {};
        // No node runs pods: none is ready or available (a deployment controller may have
        // created them, hence UP-TO-DATE 0 or 3).
        assert.equal(row['READY'], '0/3');
        assert.match(row['UP-TO-DATE'] ?? '', /^[03]$/);
        assert.equal(row['AVAILABLE'], '0');
        const wide = ok(await k('get', 'deployment', 'web', '-o', 'wide'));
        assert.match(
          wide.split('\n')[0] ?? '',
          /^NAME   READY   UP-TO-DATE   AVAILABLE   AGE +CONTAINERS   IMAGES +SELECTOR$/,
        );
        assert.deepEqual(
          parseTable(wide).map((r) => [r['CONTAINERS'], r['IMAGES'], r['SELECTOR']]),
          [['nginx', 'nginx:1.25', 'app=web']],
        );

        assert.equal(
          ok(await k('scale', 'deployment', 'web', '--replicas=5')),
          'deployment.apps/web scaled\n',
        );
        assert.equal((await getObj('deployment', 'web')).spec['replicas'], 5);
        const pre = await k('scale', 'deployment', 'web', '--current-replicas=2', '--replicas=1');
        assert.equal(fails(pre), 'error: Expected replicas to be 2, was 5\n');
        assert.equal(
          ok(await k('scale', 'deployment/web', '--current-replicas=5', '--replicas=0')),
          'deployment.apps/web scaled\n',
        );
        const scale = JSON.parse(
          ok(await k('get', '--raw', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`)),
        ) as {
          kind: string;
          apiVersion: string;
          spec: { replicas: number };
          status: { selector: string };
        };
        assert.equal(scale.kind, 'Scale');
        assert.equal(scale.apiVersion, 'autoscaling/v1');
        assert.equal(scale.spec.replicas, 0);
        assert.equal(scale.status.selector, 'app=web');
        const missing = await k('scale', 'deployment', 'nope', '--replicas=1');
        // kubectl itself reports it; 1.33 adds the server's NotFound.
        assert.equal(
          fails(missing),
          `error: no objects passed to scale${v >= 33 ? ' deployments.apps "nope" not found' : ''}\n`,
        );

        // Protobuf bodies from 1.32+: a duplicate still gets kube's AlreadyExists.
        const dup = await k('create', 'deployment', 'web', '--image=nginx');
        assert.equal(
          fails(dup),
          'error: failed to create deployment: deployments.apps "web" already exists\n',
        );
      });

      test('expose deployment hello-world --type=NodePort --name=example-service (seed 004)', async () => {
        const hello = c.file(
          `hello-${v}.yaml`,
          `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello-world
spec:
  selector:
    matchLabels:
      run: load-balancer-example
  replicas: 2
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
`,
        );
        ok(await k('apply', '-f', hello));
        assert.equal(
          ok(
            await k(
              'expose',
              'deployment',
              'hello-world',
              '--type=NodePort',
              '--name=example-service',
            ),
          ),
          'service/example-service exposed\n',
        );
        const svc = await getObj('service', 'example-service');
        assert.deepEqual(svc.spec['selector'], { run: 'load-balancer-example' });
        assert.equal(svc.spec['type'], 'NodePort');
        const [port] = svc.spec['ports'] as {
          port: number;
          targetPort: number;
          protocol: string;
          nodePort: number;
        }[];
        assert.equal(port?.port, 8080);
        assert.equal(port?.targetPort, 8080);
        assert.equal(port?.protocol, 'TCP');
        assert.ok(
          (port?.nodePort ?? 0) >= 30000 && (port?.nodePort ?? 0) <= 32767,
          String(port?.nodePort),
        );

        // kubectl 1.33 reads EndpointSlices: once the controller has made an empty one for
        // the service, the Endpoints line is blank (no slice at all prints <none>).
        let sliced = false;
        for (let i = 0; i < 30 && !sliced; i++) {
          const slices = ok(
            await k(
              'get',
              'endpointslices',
              '-l',
              'kubernetes.io/service-name=example-service',
              '-o',
              'name',
            ),
          );
          sliced = slices.trim() !== '';
          if (!sliced) await new Promise((r) => setTimeout(r, 100));
        }
        const out = ok(await k('describe', 'services', 'example-service'));
        const ip = String(svc.spec['clusterIP']);
        const lines = [
          'Name:                     example-service',
          `Namespace:                ${ns}`,
          'Labels:                   <none>',
          'Annotations:              <none>',
          'Selector:                 run=load-balancer-example',
          'Type:                     NodePort',
          'IP Family Policy:         SingleStack',
          'IP Families:              IPv4',
          `IP:                       ${ip}`,
          `IPs:                      ${ip}`,
          'Port:                     <unset>  8080/TCP',
          'TargetPort:               8080/TCP',
          `NodePort:                 <unset>  ${port?.nodePort}/TCP`,
          `Endpoints:                ${v >= 33 && sliced ? '' : '<none>'}`,
          'Session Affinity:         None',
          'External Traffic Policy:  Cluster',
          // kubectl 1.31+ also prints the internal traffic policy.
          ...(v >= 31 ? ['Internal Traffic Policy:  Cluster'] : []),
          'Events:                   <none>',
          '',
        ];
        assert.equal(out, lines.join('\n'));

        // Exposing a labelled deployment copies its labels; ports come from the flags.
        ok(await k('label', 'deployment', 'hello-world', 'run=load-balancer-example'));
        assert.equal(
          ok(
            await k(
              'expose',
              'deployment',
              'hello-world',
              '--name=hello-80',
              '--port=80',
              '--target-port=8080',
            ),
          ),
          'service/hello-80 exposed\n',
        );
        const h80 = await getObj('service', 'hello-80');
        assert.deepEqual(h80.metadata.labels, { run: 'load-balancer-example' });
        assert.deepEqual(h80.spec['ports'], [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
        assert.equal(h80.spec['type'], 'ClusterIP');

        assert.equal(
          ok(await k('delete', 'services', 'example-service')),
          'service "example-service" deleted\n',
        );
        assert.equal(
          ok(await k('delete', 'deployment', 'hello-world')),
          'deployment.apps "hello-world" deleted\n',
        );
      });

      test('delete by name, by -l selector and --all', async () => {
        // Its own namespace: --all must not race the other tests.
        const ns = `del-${v}`;
        const k = (...args: string[]) => c.kubectl(v, ['-n', ns, ...args]);
        ok(await c.kubectl(v, ['create', 'namespace', ns]));
        for (const [name, app] of [
          ['a1', 'x'],
          ['a2', 'x'],
          ['b1', 'y'],
        ] as const)
          ok(await k('create', 'configmap', `del-${name}`, `--from-literal=app=${app}`));
        ok(await k('label', 'configmap', 'del-a1', 'del-a2', 'group=a'));
        ok(await k('run', 'victim', '--image=busybox'));

        assert.equal(ok(await k('delete', 'pod', 'victim')), 'pod "victim" deleted\n');
        assert.equal(
          ok(await k('delete', 'configmaps', '-l', 'group=a')),
          'configmap "del-a1" deleted\nconfigmap "del-a2" deleted\n',
        );
        const none = await k('delete', 'configmaps', '-l', 'group=a');
        assert.equal(none.code, 0);
        assert.equal(none.stdout, 'No resources found\n');
        const missing = await k('delete', 'configmap', 'del-a1');
        assert.equal(
          fails(missing),
          'Error from server (NotFound): configmaps "del-a1" not found\n',
        );
        assert.equal((await k('delete', 'configmap', 'del-a1', '--ignore-not-found')).stdout, '');

        ok(await k('create', 'secret', 'generic', 'del-s', '--from-literal=a=b'));
        const all = ok(await k('delete', 'secrets', '--all'));
        assert.ok(all.split('\n').includes('secret "del-s" deleted'), all);
        assert.equal((await k('get', 'secrets', '-o', 'name')).stdout, '');

        const ghost = `ghost-${v}`;
        ok(await c.kubectl(v, ['create', 'namespace', ghost]));
        assert.equal(
          ok(await c.kubectl(v, ['delete', 'namespace', ghost, '--wait=false'])),
          `namespace "${ghost}" deleted\n`,
        );
      });
    });
  }
});
