// Ingress through the real kubectl 1.27, 1.30 and 1.33: seed 001's extensions/v1beta1
// manifests applied as written (client-side and server-side), kube-apiserver's deprecation
// warnings as kubectl prints them, the object read back in v1 with its fields converted,
// every field round-tripped through the legacy versions, `kubectl get ingress` columns,
// discovery and explain of the legacy versions, and the default IngressClass `skiff`.

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
  type TestCluster,
} from './harness.js';

let c: TestCluster;
before(() => {
  c = startCluster();
});
after(() => c?.stop());

const EXT_WARNING =
  'Warning: extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress\n';
const BETA_WARNING =
  'Warning: networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress\n';

/** Seed 001, section 5.4.1: kubia-ingress.yaml, as written. */
const KUBIA_INGRESS = `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
`;

/** Seed 001, section 5.4.4: kubia-ingress-tls.yaml, as written. */
const KUBIA_INGRESS_TLS = `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: kubia
spec:
  tls:
  - hosts:
    - kubia.example.com
    secretName: tls-secret
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: kubia-nodeport
          servicePort: 80
`;

/** Seed 001, section 5.4.3: several hosts and paths (its two fragments in one Ingress). */
const MULTI = `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: multi
spec:
  rules:
  - host: kubia.example.com
    http:
      paths:
      - path: /kubia
        backend:
          serviceName: kubia
          servicePort: 80
      - path: /bar
        backend:
          serviceName: bar
          servicePort: 80
  - host: foo.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: foo
          servicePort: 80
  - host: bar.example.com
    http:
      paths:
      - path: /
        backend:
          serviceName: bar
          servicePort: 80
`;

/** A v1 Ingress using every field of the spec and status. */
const EVERY_FIELD = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: every
  labels:
    app: every
spec:
  ingressClassName: other
  defaultBackend:
    resource:
      apiGroup: k8s.example.com
      kind: StorageBucket
      name: static-assets
  tls:
  - hosts:
    - a.example.com
    - '*.b.example.com'
    secretName: tls-a
  - hosts:
    - c.example.com
  rules:
  - host: a.example.com
    http:
      paths:
      - path: /exact
        pathType: Exact
        backend:
          service:
            name: web
            port:
              name: http
      - path: /prefix
        pathType: Prefix
        backend:
          service:
            name: api
            port:
              number: 8080
  - host: '*.b.example.com'
    http:
      paths:
      - pathType: ImplementationSpecific
        backend:
          resource:
            kind: Bucket
            name: b
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: fallback
            port:
              number: 80
`;

type Obj = Record<string, any>;

describe('kubectl and Ingress versions', { concurrency: true }, () => {
  for (const v of VERSIONS) {
    describe(`kubectl 1.${v}`, { skip: !hasKubectl(v), concurrency: true }, () => {
      const k = (ns: string, args: string[]) => c.kubectl(v, ['-n', ns, ...args]);
      const newNs = async (ns: string) => ok(await c.kubectl(v, ['create', 'namespace', ns]));
      const file = (ns: string, name: string, content: string) =>
        c.file(`${v}/${ns}/${name}`, content);
      const json = async (ns: string, ...what: string[]): Promise<{ obj: Obj; stderr: string }> => {
        const r = await k(ns, ['get', ...what, '-o', 'json']);
        return { obj: JSON.parse(ok(r)) as Obj, stderr: r.stderr };
      };

      test("seed 001's kubia-ingress.yaml and kubia-ingress-tls.yaml apply as written", async () => {
        const ns = `seed-${v}`;
        await newNs(ns);
        const created = await k(ns, ['apply', '-f', file(ns, 'kubia-ingress.yaml', KUBIA_INGRESS)]);
        assert.equal(ok(created), 'ingress.extensions/kubia created\n');
        // kubectl prints each distinct warning once.
        assert.equal(created.stderr, EXT_WARNING);

        // Read back in v1 (what `kubectl get ingress` uses), without any warning.
        const v1 = await json(ns, 'ingress', 'kubia');
        assert.equal(v1.stderr, '');
        assert.equal(v1.obj['apiVersion'], 'networking.k8s.io/v1');
        assert.deepEqual(v1.obj['spec'], {
          rules: [
            {
              host: 'kubia.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'ImplementationSpecific',
                    backend: { service: { name: 'kubia-nodeport', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        });
        const table = await k(ns, ['get', 'ingresses']);
        assert.equal(table.stderr, '');
        assert.match(ok(table), /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/);
        const [row] = parseTable(table.stdout);
        assert.deepEqual(
          { ...row, AGE: '' },
          {
            NAME: 'kubia',
            CLASS: '<none>',
            HOSTS: 'kubia.example.com',
            ADDRESS: '',
            PORTS: '80',
            AGE: '',
          },
        );
        assert.match(row?.['AGE'] ?? '', new RegExp(`^${AGE}$`));

        // Section 5.4.4: the same Ingress, now with TLS, through `kubectl apply`.
        const tlsFile = file(ns, 'kubia-ingress-tls.yaml', KUBIA_INGRESS_TLS);
        const configured = await k(ns, ['apply', '-f', tlsFile]);
        assert.equal(ok(configured), 'ingress.extensions/kubia configured\n');
        assert.equal(configured.stderr, EXT_WARNING);
        const withTls = await json(ns, 'ingress', 'kubia');
        assert.deepEqual(withTls.obj['spec'].tls, [
          { hosts: ['kubia.example.com'], secretName: 'tls-secret' },
        ]);
        assert.equal(withTls.obj['metadata'].generation, 2);
        assert.equal(parseTable(ok(await k(ns, ['get', 'ing'])))[0]?.['PORTS'], '80, 443');
        // Applying the same file again: kubectl sends the rules list (atomic, and the live one
        // has the defaulted pathType), which writes nothing.
        const rv = withTls.obj['metadata'].resourceVersion as string;
        assert.equal(
          ok(await k(ns, ['apply', '-f', tlsFile])),
          'ingress.extensions/kubia configured\n',
        );
        assert.equal((await json(ns, 'ingress', 'kubia')).obj['metadata'].resourceVersion, rv);

        // The legacy versions, asked for by name: their fields, and their warnings.
        const ext = await json(ns, 'ingresses.v1beta1.extensions', 'kubia');
        assert.equal(ext.stderr, EXT_WARNING);
        assert.equal(ext.obj['apiVersion'], 'extensions/v1beta1');
        assert.deepEqual(ext.obj['spec'].rules[0].http.paths[0].backend, {
          serviceName: 'kubia-nodeport',
          servicePort: 80,
        });
        const beta = await json(ns, 'ingresses.v1beta1.networking.k8s.io', 'kubia');
        assert.equal(beta.stderr, BETA_WARNING);
        assert.equal(beta.obj['apiVersion'], 'networking.k8s.io/v1beta1');
        assert.deepEqual(beta.obj['spec'], ext.obj['spec']);

        const deleted = await k(ns, ['delete', '-f', tlsFile]);
        assert.equal(ok(deleted), 'ingress.extensions "kubia" deleted\n');
        assert.equal(deleted.stderr, EXT_WARNING);
        assert.match(
          fails(await k(ns, ['get', 'ingress', 'kubia'])),
          /ingresses.networking.k8s.io "kubia" not found/,
        );
      });

      test('the multi-host, multi-path example and server-side apply', async () => {
        const ns = `multi-${v}`;
        await newNs(ns);
        const r = await k(ns, ['apply', '--server-side', '-f', file(ns, 'multi.yaml', MULTI)]);
        assert.equal(ok(r), 'ingress.extensions/multi serverside-applied\n');
        assert.equal(r.stderr, EXT_WARNING);
        const { obj } = await json(ns, 'ingress', 'multi');
        const routes = (obj['spec'].rules as Obj[]).flatMap((rule) =>
          (rule['http'].paths as Obj[]).map(
            (p) =>
              `${String(rule['host'])}${String(p['path'])} ${String(p['pathType'])} → ${String(p['backend'].service.name)}:${String(p['backend'].service.port.number)}`,
          ),
        );
        assert.deepEqual(routes, [
          'kubia.example.com/kubia ImplementationSpecific → kubia:80',
          'kubia.example.com/bar ImplementationSpecific → bar:80',
          'foo.example.com/ ImplementationSpecific → foo:80',
          'bar.example.com/ ImplementationSpecific → bar:80',
        ]);
        const [row] = parseTable(ok(await k(ns, ['get', 'ingress', 'multi'])));
        assert.equal(row?.['HOSTS'], 'kubia.example.com,foo.example.com,bar.example.com');
      });

      test('every field survives a round trip through both legacy versions', async () => {
        const ns = `every-${v}`;
        await newNs(ns);
        // create, not apply: `replace` would rewrite apply's annotation.
        ok(await k(ns, ['create', '-f', file(ns, 'every.yaml', EVERY_FIELD)]));
        const before = (await json(ns, 'ingress', 'every')).obj;
        assert.equal(before['spec'].ingressClassName, 'other');
        for (const resource of [
          'ingresses.v1beta1.extensions',
          'ingresses.v1beta1.networking.k8s.io',
        ]) {
          const legacy = (await json(ns, resource, 'every')).obj;
          assert.deepEqual(legacy['spec'].backend, {
            servicePort: 0,
            resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' },
          });
          assert.deepEqual(
            (legacy['spec'].rules[0].http.paths as Obj[]).map((p) => p['backend']),
            [
              { serviceName: 'web', servicePort: 'http' },
              { serviceName: 'api', servicePort: 8080 },
            ],
          );
          // Written back as read: the spec is the same, and so is the generation (kubectl
          // replace records its manager in managedFields, so the resourceVersion moves).
          const replaced = await k(ns, [
            'replace',
            '-f',
            file(ns, `${resource}.json`, JSON.stringify(legacy)),
          ]);
          assert.match(
            ok(replaced),
            /^ingress\.(extensions|networking\.k8s\.io)\/every replaced\n$/,
          );
          const after = (await json(ns, 'ingress', 'every')).obj;
          assert.deepEqual(after['spec'], before['spec']);
          const { resourceVersion: _a, ...metaAfter } = after['metadata'] as Obj;
          const { resourceVersion: _b, ...metaBefore } = before['metadata'] as Obj;
          assert.deepEqual(metaAfter, metaBefore);
        }
      });

      test('discovery and explain of the legacy versions; `ing` means v1', async () => {
        const versions = ok(await c.kubectl(v, ['api-versions'])).split('\n');
        assert.ok(versions.includes('extensions/v1beta1'));
        assert.ok(versions.includes('networking.k8s.io/v1beta1'));
        const resources = parseTable(
          ok(await c.kubectl(v, ['api-resources', '--api-group=extensions'])),
        );
        assert.deepEqual(
          resources.map((r) => `${r['NAME']} ${r['APIVERSION']} ${r['KIND']}`),
          ['ingresses extensions/v1beta1 Ingress'],
        );
        const explained = await c.kubectl(v, [
          'explain',
          'ingress.spec.backend',
          '--api-version=extensions/v1beta1',
        ]);
        assert.match(ok(explained), /serviceName\s+<string>/);
        assert.match(explained.stdout, /servicePort\s+<(IntOrString|Object|string)>/);
        const ns = `short-${v}`;
        await newNs(ns);
        const short = await k(ns, ['get', 'ing']);
        assert.equal(short.stderr, 'No resources found in short-' + v + ' namespace.\n');
      });

      test('the default IngressClass skiff is given to new networking.k8s.io Ingresses', async () => {
        const classes = parseTable(ok(await c.kubectl(v, ['get', 'ingressclass'])));
        assert.deepEqual(
          classes.map((r) => `${r['NAME']} ${r['CONTROLLER']} ${r['PARAMETERS']}`),
          ['skiff skiff.dev/ingress-controller <none>'],
        );
        const ns = `class-${v}`;
        await newNs(ns);
        assert.equal(
          ok(await k(ns, ['create', 'ingress', 'simple', '--rule=foo.example.com/bar=svc1:8080'])),
          'ingress.networking.k8s.io/simple created\n',
        );
        const [row] = parseTable(ok(await k(ns, ['get', 'ingress', 'simple'])));
        assert.equal(row?.['CLASS'], 'skiff');
        assert.equal(row?.['HOSTS'], 'foo.example.com');
      });
    });
  }
});
