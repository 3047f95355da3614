// End-to-end: seed 001's Ingresses (section 5.4) on a real node, applied as written
// (extensions/v1beta1), served by the node's ingress controller (nginx configured from the
// API). The cluster runs in its own network namespace; a second namespace linked to it is
// the client's machine, resolving the seed's names with `curl --resolve` to the ADDRESS
// that `kubectl get ingress` shows.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  hasKubectl,
  inNetns,
  nodeSkipReason,
  ok,
  parseTable,
  run,
  SKIFF_BIN,
  startNodeCluster,
  type TestCluster,
  type TestNetns,
  until,
} from './harness.js';
import { linkOutside } from '../support/services-e2e.js';
import { NO_LUA_ENV } from '../../src/net/ingress/index.js';

const KUBECTL = 33;
/** The node runs the reload-only data plane (SKIFF_INGRESS_NO_LUA in the environment). */
const NO_LUA = !!process.env[NO_LUA_ENV];
const skip = !hasKubectl(KUBECTL)
  ? 'kubectl 1.33 is not installed'
  : (nodeSkipReason() ??
    (spawnSync('sh', ['-c', 'command -v nginx']).status !== 0 ? 'nginx is not installed' : false));

/** Seed 001's kubia RC with section 5.5's readiness probe. */
const KUBIA_RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: kubia
spec:
  replicas: 3
  selector:
    app: kubia
  template:
    metadata:
      labels:
        app: kubia
    spec:
      containers:
      - name: kubia
        image: ${IMAGES.kubia}
        readinessProbe:
          exec:
            command:
            - ls
            - /var/ready
          periodSeconds: 1
        ports:
        - containerPort: 8080
`;

const KUBIA_NODEPORT = `apiVersion: v1
kind: Service
metadata:
  name: kubia-nodeport
spec:
  type: NodePort
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30123
  selector:
    app: kubia
`;

/** Seed 001's kubia-ingress.yaml, as written. */
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

/** Seed 001's kubia-ingress-tls.yaml, as written. */
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

/** A pod answering its own name on /, /kubia/, /foo/ and /bar/ (busybox httpd). */
const namedPod = (name: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  containers:
  - name: web
    image: ${IMAGES.kubia}
    command: ["sh", "-c", "for d in / /kubia/ /foo/ /bar/; do mkdir -p /w$d; echo ${name} > /w\${d}index.html; done; exec httpd -f -p 8080 -h /w"]
    ports:
    - name: web
      containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
  - name: http
    port: 80
    targetPort: web
`;

/** Seed 001's "several services through one Ingress" examples, together. */
const MULTI_INGRESS = `apiVersion: extensions/v1beta1
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
          servicePort: http
`;

describe(
  'seed 001 Ingresses through the node ingress controller',
  { skip, timeout: 900_000 },
  () => {
    let c: TestCluster;
    let outside: TestNetns;
    let address = '';
    const kubectl = (args: string[], input?: string) =>
      c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
    const apply = async (yaml: string) => ok(await kubectl(['apply', '-f', '-'], yaml));
    /** curl from the client's machine, the name resolved to the Ingress's ADDRESS. */
    const curl = async (url: string, extra: string[] = []) => {
      const u = new URL(url);
      const port = u.port || (u.protocol === 'https:' ? '443' : '80');
      const r = await run(
        ...inNetns(outside.path, 'curl', [
          '-s',
          '--max-time',
          '5',
          '-w',
          '\n%{http_code}',
          '--resolve',
          `${u.hostname}:${port}:${address}`,
          ...extra,
          url,
        ]),
        { timeoutMs: 20_000 },
      );
      const lines = r.stdout.split('\n');
      return { status: Number(lines.pop()), body: lines.join('\n'), stderr: r.stderr };
    };
    const hits = (text: string) => [...text.matchAll(/You've hit (\S+)/g)].map((m) => m[1]!);
    const kubiaPods = async (): Promise<string[]> =>
      parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia']))).map((r) => r['NAME']!);
    const readyPods = async (n: number): Promise<string[]> =>
      until(`${n} ready kubia pods`, async () => {
        const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia'])));
        const ready = rows.filter((r) => r['READY'] === '1/1');
        return ready.length === n ? ready.map((r) => r['NAME']!) : undefined;
      });
    const log = () =>
      readFileSync(join(c.dataDir, 'skiff.log'), 'utf8')
        .split('\n')
        .filter((l) => /ingress|nginx/.test(l))
        .slice(-20)
        .join('\n');

    /** The serving nginx workers (a reload starts new ones). */
    const workers = () => {
      const master = readFileSync(join(c.dataDir, 'ingress', 'nginx.pid'), 'utf8').trim();
      return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8')
        .split(' ')
        .filter((pid) => {
          try {
            return pid && !/shutting down/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
          } catch {
            return false; // gone
          }
        })
        .sort()
        .join(' ');
    };
    /** The configuration generation the workers answer (each reload bumps it). */
    const generation = async () =>
      ok(
        await run(
          'curl',
          [
            '-s',
            '--max-time',
            '5',
            '--unix-socket',
            join(c.dataDir, 'ingress', 'status.sock'),
            'http://x/generation',
          ],
          { timeoutMs: 20_000 },
        ),
      );

    before(async () => {
      const images = await ensureTestImages({ images: [IMAGES.kubia] });
      c = startNodeCluster({ images: [images.archives[IMAGES.kubia]!] });
      outside = linkOutside(c.netns ?? '');
    });

    after(() => {
      c?.stop();
      outside?.remove();
    });

    test('the node runs the ingress controller on ports 80 and 443', () => {
      const text = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8');
      assert.match(text, /✓ ingress controller on ports 80 and 443/);
    });

    test('5.4.1-5.4.2: kubia-ingress.yaml as written; ADDRESS filled; curl reaches the pods', async () => {
      await apply(KUBIA_RC);
      await apply(KUBIA_NODEPORT);
      for (const pod of await until('three kubia pods running', async () => {
        const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia'])));
        return rows.length === 3 && rows.every((r) => r['STATUS'] === 'Running')
          ? rows.map((r) => r['NAME']!)
          : undefined;
      }))
        ok(await kubectl(['exec', pod, '--', 'touch', '/var/ready']));
      await readyPods(3);
      const applied = await kubectl(['apply', '-f', '-'], KUBIA_INGRESS);
      assert.equal(applied.stdout, 'ingress.extensions/kubia created\n');
      const row = await until('an ADDRESS', async () => {
        const [r] = parseTable(ok(await kubectl(['get', 'ingresses'])));
        return r?.['ADDRESS'] ? r : undefined;
      });
      assert.equal(row['NAME'], 'kubia');
      assert.equal(row['HOSTS'], 'kubia.example.com');
      assert.equal(row['PORTS'], '80');
      address = row['ADDRESS']!;
      const seen = await until('answers from every pod', async () => {
        const who = new Set<string>();
        for (let i = 0; i < 12; i++)
          for (const h of hits((await curl('http://kubia.example.com')).body)) who.add(h);
        return who.size === 3 ? who : undefined;
      });
      const pods = await kubiaPods();
      for (const p of seen) assert.ok(pods.includes(p), `${p} is one of ${pods.join(', ')}`);
      // A name no rule has: the 404 of no default backend.
      assert.equal((await curl('http://other.example.com')).status, 404, log());
    });

    test('5.5: a pod that goes not-ready leaves the rotation, and comes back', async () => {
      const [gone] = await readyPods(3);
      ok(await kubectl(['exec', gone!, '--', 'rm', '/var/ready']));
      await readyPods(2);
      await until(`no answer from ${gone}`, async () => {
        const who: string[] = [];
        for (let i = 0; i < 12; i++)
          who.push(...hits((await curl('http://kubia.example.com')).body));
        return who.length === 12 && !who.includes(gone!) ? true : undefined;
      });
      ok(await kubectl(['exec', gone!, '--', 'touch', '/var/ready']));
      await until(`${gone} answers again`, async () => {
        for (let i = 0; i < 12; i++)
          if (hits((await curl('http://kubia.example.com')).body).includes(gone!)) return true;
        return undefined;
      });
    });

    test('scaled up: the new pod gets its share at once, and nginx is not reloaded', async () => {
      const pods = await readyPods(3);
      const before = { workers: workers(), generation: await generation() };
      ok(await kubectl(['scale', 'rc', 'kubia', '--replicas=4']));
      const added = await until('a fourth kubia pod running', async () => {
        const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', 'app=kubia'])));
        return rows.find((r) => !pods.includes(r['NAME']!) && r['STATUS'] === 'Running')?.['NAME'];
      });
      ok(await kubectl(['exec', added, '--', 'touch', '/var/ready']));
      await readyPods(4);
      await until(`${added} answers through the ingress`, async () => {
        for (let i = 0; i < 12; i++)
          if (hits((await curl('http://kubia.example.com')).body).includes(added)) return true;
        return undefined;
      });
      const after = { workers: workers(), generation: await generation() };
      if (NO_LUA) assert.notDeepEqual(after, before, 'without Lua every change reloads nginx');
      else {
        assert.deepEqual(
          after,
          before,
          'the same nginx workers and configuration generation: no reload',
        );
        const log = readFileSync(join(c.dataDir, 'skiff.log'), 'utf8');
        assert.doesNotMatch(log, /no usable Lua module/);
      }
    });

    test('5.4.3: several hosts and paths to several services (by port number and name)', async () => {
      await apply(namedPod('foo') + '---\n' + namedPod('bar'));
      await apply(
        namedPod('kubia')
          .replace('app: kubia\n', 'app: kubia-one\n')
          .replace('app: kubia\n', 'app: kubia-one\n'),
      );
      await apply(MULTI_INGRESS);
      const body = async (url: string) => {
        const r = await curl(url);
        return r.status === 200 ? r.body.trim() : String(r.status);
      };
      // Every backend pod ready and its route live.
      await until('the multi ingress routes', async () =>
        (await body('http://foo.example.com/')) === 'foo' &&
        (await body('http://kubia.example.com/kubia/')) === 'kubia' &&
        (await body('http://bar.example.com/')) === 'bar'
          ? true
          : undefined,
      );
      assert.equal(await body('http://kubia.example.com/kubia/'), 'kubia');
      assert.equal(await body('http://kubia.example.com/bar/'), 'bar');
      assert.equal(await body('http://bar.example.com/foo/'), 'bar');
      assert.equal(await body('http://foo.example.com/bar/'), 'foo');
      // Rules of both Ingresses for kubia.example.com are merged: "/" stays the RC's.
      assert.match(await body('http://kubia.example.com/'), /^You've hit kubia-/);
      ok(await kubectl(['delete', 'ingress', 'multi']));
    });

    test('a default backend, and a missing service reported as a Warning while the rest routes', async () => {
      await apply(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: fallback
spec:
  defaultBackend:
    service:
      name: foo
      port:
        number: 80
  rules:
  - host: broken.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: nosuch
            port:
              number: 80
`);
      await until('the default backend answers unknown names', async () =>
        (await curl('http://unknown.example.com/')).body.trim() === 'foo' ? true : undefined,
      );
      assert.equal((await curl('http://broken.example.com/')).status, 503);
      assert.match((await curl('http://kubia.example.com/')).body, /You've hit kubia-/);
      const events = await until('a Warning event on the Ingress', async () => {
        const out = ok(
          await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=fallback']),
        );
        return /ServiceNotFound/.test(out) ? out : undefined;
      });
      assert.match(
        events,
        /Warning\s+ServiceNotFound\s+ingress\/fallback\s+path \/: service "default\/nosuch" not found/,
      );
      ok(await kubectl(['delete', 'ingress', 'fallback']));
    });

    test("5.4.4: the seed's openssl certificate in tls-secret, kubia-ingress-tls.yaml applied", async () => {
      const dir = c.file('tls/.keep', '').replace(/\/\.keep$/, '');
      const key = join(dir, 'tls.key');
      const cert = join(dir, 'tls.cert');
      ok(await run('openssl', ['genrsa', '-out', key, '2048'], { timeoutMs: 30_000 }), 'openssl');
      ok(
        await run(
          'openssl',
          [
            'req',
            '-new',
            '-x509',
            '-key',
            key,
            '-out',
            cert,
            '-days',
            '360',
            '-subj',
            '/CN=kubia.example.com',
          ],
          { timeoutMs: 30_000 },
        ),
        'openssl',
      );
      assert.equal(
        ok(
          await kubectl([
            'create',
            'secret',
            'tls',
            'tls-secret',
            `--cert=${cert}`,
            `--key=${key}`,
          ]),
        ),
        'secret/tls-secret created\n',
      );
      assert.equal(
        ok(await kubectl(['apply', '-f', '-'], KUBIA_INGRESS_TLS)),
        'ingress.extensions/kubia configured\n',
      );
      const r = await until("HTTPS with the seed's certificate", async () => {
        const r = await curl('https://kubia.example.com/', ['-k', '-v']);
        return r.status === 200 && /subject: CN=kubia\.example\.com/.test(r.stderr) ? r : undefined;
      });
      assert.match(r.body, /^You've hit kubia-/);
      // The seed's certificate itself, trusted as its own CA: no -k needed.
      const strict = await curl('https://kubia.example.com/', ['--cacert', cert]);
      assert.equal(strict.status, 200, strict.stderr);
      // Plain HTTP now redirects (with nginx's Lua module the certificate and the redirect
      // are handed to the workers one after the other: wait for that too).
      const redirect = await until('HTTP redirected to HTTPS', async () => {
        const r = await curl('http://kubia.example.com/x?y=1', ['-D', '-']);
        return r.status === 308 ? r : undefined;
      });
      assert.equal(redirect.status, 308);
      assert.match(redirect.body, /location: https:\/\/kubia\.example\.com\/x\?y=1/i);
      const [row] = parseTable(ok(await kubectl(['get', 'ingress', 'kubia'])));
      assert.equal(row?.['PORTS'], '80, 443');
    });

    test('a TLS host without a secret: the local ingress CA; skiff trust, then curl without -k', async () => {
      await apply(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: trusted
spec:
  tls:
  - hosts:
    - trusted.example.com
  rules:
  - host: trusted.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: foo
            port:
              name: http
`);
      await until('the local CA certificate served', async () => {
        const r = await curl('https://trusted.example.com/', ['-k', '-v']);
        return r.status === 200 && /issuer: CN=skiff-ingress-ca/.test(r.stderr) ? r : undefined;
      });
      // Untrusted by default.
      assert.equal((await curl('https://trusted.example.com/')).status, 0);
      // The machine's trust store is never touched: a private mount namespace with copies.
      const copies = c.file('truststore/.keep', '').replace(/\/\.keep$/, '');
      const script = [
        `mkdir -p ${copies}/local ${copies}/certs`,
        `cp -a /usr/local/share/ca-certificates/. ${copies}/local/`,
        `cp -a /etc/ssl/certs/. ${copies}/certs/`,
        `mount --bind ${copies}/local /usr/local/share/ca-certificates`,
        `mount --bind ${copies}/certs /etc/ssl/certs`,
        `${process.execPath} ${SKIFF_BIN} trust --data-dir ${c.dataDir} || exit 9`,
        `nsenter --net=${outside.path} curl -s --max-time 5 --resolve trusted.example.com:443:${address} https://trusted.example.com/; echo "trusted rc=$?"`,
        `${process.execPath} ${SKIFF_BIN} untrust --data-dir ${c.dataDir} || exit 9`,
        `nsenter --net=${outside.path} curl -s --max-time 5 --resolve trusted.example.com:443:${address} https://trusted.example.com/; echo "untrusted rc=$?"`,
      ].join('\n');
      const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /The Skiff ingress CA is trusted by this machine/);
      assert.match(r.stdout, /certutil -d sql:\$HOME\/\.pki\/nssdb/);
      assert.match(r.stdout, /^foo\ntrusted rc=0$/m);
      assert.match(r.stdout, /The Skiff ingress CA is no longer trusted/);
      assert.match(r.stdout, /^untrusted rc=60$/m);
      assert.ok(
        !readdirSync('/usr/local/share/ca-certificates').some((f) => f.startsWith('skiff-')),
        'the machine trust store is unchanged',
      );
    });

    test('Ingress edits (a new host, a new path, a backend switch, TLS on) are served; with Lua without a reload', async (t) => {
      const before = { workers: workers(), generation: await generation() };
      const edits = (paths: string, tls = '') => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: edits
spec:${tls}
  rules:
  - host: edits.example.com
    http:
      paths:${paths}
`;
      const route = (path: string, service: string) => `
      - path: ${path}
        pathType: Prefix
        backend:
          service:
            name: ${service}
            port:
              number: 80`;
      const body = async (url: string, extra: string[] = []) => {
        const r = await curl(url, extra);
        return r.status === 200 ? r.body.trim() : String(r.status);
      };
      const ca = join(c.dataDir, 'pki', 'ingress-ca.crt');
      const times: string[] = [];
      /** Applies an edit; resolves once every check answers as the edit says. */
      const edit = async (what: string, yaml: string, checks: [string, string[], string][]) => {
        const t0 = performance.now();
        await apply(yaml);
        await until(what, async () => {
          for (const [url, extra, want] of checks)
            if ((await body(url, extra)) !== want) return undefined;
          return true;
        });
        times.push(`${what} ${(performance.now() - t0).toFixed(0)} ms`);
      };
      await edit('a new host', edits(route('/', 'foo')), [
        ['http://edits.example.com/bar/', [], 'foo'],
      ]);
      await edit('a new path', edits(route('/', 'foo') + route('/bar', 'bar')), [
        ['http://edits.example.com/bar/', [], 'bar'],
        ['http://edits.example.com/foo/', [], 'foo'],
      ]);
      await edit('a backend switch', edits(route('/', 'bar') + route('/bar', 'bar')), [
        ['http://edits.example.com/foo/', [], 'bar'],
      ]);
      await edit(
        'TLS on (the local CA) and the redirect',
        edits(
          route('/', 'bar') + route('/bar', 'bar'),
          `
  tls:
  - hosts:
    - edits.example.com`,
        ),
        [
          ['https://edits.example.com/foo/', ['--cacert', ca], 'bar'],
          ['http://edits.example.com/foo/', [], '308'],
        ],
      );
      t.diagnostic(`kubectl apply → served (polled every 300 ms): ${times.join(', ')}`);
      // The other routes are as they were.
      assert.equal(await body('http://foo.example.com/', []), '404');
      assert.match(await body('https://kubia.example.com/', ['-k']), /^You've hit kubia-/);
      const after = { workers: workers(), generation: await generation() };
      if (NO_LUA) assert.notDeepEqual(after, before, 'without Lua every edit reloads nginx');
      else
        assert.deepEqual(
          after,
          before,
          'the same nginx workers and configuration generation: no reload',
        );
      ok(await kubectl(['delete', 'ingress', 'edits']));
      await until('the deleted Ingress no longer routes', async () =>
        (await body('http://edits.example.com/')) === '404' ? true : undefined,
      );
    });
  },
);
