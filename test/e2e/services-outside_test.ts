// End-to-end: services reached from outside the cluster and from pods, on a real node with
// the nftables service proxy and `--lb-pool` addresses taken from the node's LAN (as one
// would on a home network), so the machine outside finds them by ARP, not by a route:
// seed 004's hello-world NodePort and frontend/backend LoadBalancer, seed 002's API access
// from a pod through the cluster IP of `kubernetes`, `skiff url` URLs opened with curl, and
// the bad input while other services keep serving.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import { hits, KUBIA_RC, linkOutside, NODE_SIDE, service } from '../support/services-e2e.js';
import {
  hasKubectl,
  inNetns,
  nodeSkipReason,
  ok,
  parseTable,
  run,
  runSkiff,
  startNodeCluster,
  type TestCluster,
  type TestNetns,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);
/** On the LAN of the node and the outside machine (192.168.88.0/24). */
const POOL = '192.168.88.240/29';
const inPool = /^192\.168\.88\.24[1-6]$/;
const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A Deployment of kubia's image whose container runs `script` (busybox sh). */
const deployment = (
  name: string,
  labels: Record<string, string>,
  replicas: number,
  port: { name?: string; containerPort: number },
  script: string,
): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name,
              image: IMAGES.kubia,
              command: ['sh', '-c', script],
              ports: [port],
            },
          ],
        },
      },
    },
  });

/** busybox httpd serving `body` at / on `port`, as the seed's sample apps answer. */
const staticServer = (port: number, body: string) =>
  `mkdir -p /www && printf '%s\\n' '${body}' > /www/index.html && exec httpd -f -p ${port} -h /www`;

/** nginx of seed 004's frontend, as a CGI: every request is passed to http://hello/. */
const FRONTEND =
  'mkdir -p /www/cgi-bin && ' +
  `printf '#!/bin/sh\\nprintf "Content-Type: application/json\\\\r\\\\n\\\\r\\\\n"\\nexec curl -s --max-time 5 http://hello/\\n' > /www/cgi-bin/index.cgi && ` +
  'chmod +x /www/cgi-bin/index.cgi && exec httpd -f -p 80 -h /www';

describe(
  'services from outside, seeds 002 and 004 (nftables, --lb-pool)',
  { skip, timeout: 900_000 },
  () => {
    let c: TestCluster;
    let outside: TestNetns;
    const kubectl = (args: string[], input?: string) =>
      c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
    const apply = async (manifest: string) => ok(await kubectl(['apply', '-f', '-'], manifest));
    const jsonpath = async (what: string[], path: string) =>
      ok(await kubectl(['get', ...what, '-o', `jsonpath=${path}`]));
    const inPod = (pod: string, script: string) => kubectl(['exec', pod, '--', 'sh', '-c', script]);
    const fromOutside = (cmd: string, args: string[]) =>
      run(...inNetns(outside.path, cmd, args), { timeoutMs: 20_000 });
    const curlOutside = async (url: string) =>
      (await fromOutside('curl', ['-s', '--max-time', '5', url])).stdout;
    const readyPods = async (selector: string, n: number): Promise<string[]> =>
      until(
        `${n} ready pods ${selector}`,
        async () => {
          const rows = parseTable(ok(await kubectl(['get', 'pods', '-l', selector])));
          const ready = rows.filter((r) => r['READY'] === '1/1' && r['STATUS'] === 'Running');
          return ready.length === n && rows.length === n ? ready.map((r) => r['NAME']!) : undefined;
        },
        120_000,
      );
    const externalIP = (svc: string) =>
      until(`${svc} EXTERNAL-IP`, async () => {
        const ip = parseTable(ok(await kubectl(['get', 'svc', svc])))[0]?.['EXTERNAL-IP'];
        return ip && ip !== '<pending>' ? ip : undefined;
      });
    const proxyLog = () =>
      readFileSync(join(c.dataDir, 'skiff.log'), 'utf8')
        .split('\n')
        .filter((l) => /proxy|balancer/.test(l))
        .slice(-20)
        .join('\n');

    before(async () => {
      const images = await ensureTestImages({ images: [IMAGES.kubia] });
      c = startNodeCluster({
        images: [images.archives[IMAGES.kubia]!],
        upArgs: ['--lb-pool', POOL],
      });
      outside = linkOutside(c.netns ?? '', 'skiff-e2e-lout');
    });

    after(() => {
      c?.stop();
      outside?.remove();
    });

    test('seed 004: hello-world exposed as a NodePort answers from another machine', async () => {
      await apply(
        deployment(
          'hello-world',
          { run: 'load-balancer-example' },
          2,
          { containerPort: 8080 },
          staticServer(8080, 'Hello Kubernetes!'),
        ),
      );
      assert.equal(
        ok(
          await kubectl([
            'expose',
            'deployment',
            'hello-world',
            '--type=NodePort',
            '--name=example-service',
          ]),
        ),
        'service/example-service exposed\n',
      );
      await readyPods('run=load-balancer-example', 2);
      const nodePort = await jsonpath(['svc', 'example-service'], '{.spec.ports[0].nodePort}');
      const body = await until('Hello Kubernetes! from outside', async () => {
        const b = await curlOutside(`http://${NODE_SIDE}:${nodePort}`);
        return b.includes('Hello') ? b : undefined;
      });
      assert.equal(body, 'Hello Kubernetes!\n');
    });

    test("seed 004: the frontend LoadBalancer's EXTERNAL-IP (a pool address on the LAN) answers from outside, through the backend `hello` found by name", async () => {
      await apply(
        deployment(
          'hello',
          { app: 'hello', tier: 'backend', track: 'stable' },
          3,
          { name: 'http', containerPort: 80 },
          staticServer(80, '{"message":"Hello"}'),
        ),
      );
      await apply(
        service(
          'hello',
          '  selector:\n    app: hello\n    tier: backend\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: http\n',
        ),
      );
      await apply(
        deployment(
          'frontend',
          { app: 'hello', tier: 'frontend', track: 'stable' },
          1,
          { containerPort: 80 },
          FRONTEND,
        ),
      );
      await apply(
        service(
          'frontend',
          '  selector:\n    app: hello\n    tier: frontend\n  ports:\n  - protocol: TCP\n    port: 80\n    targetPort: 80\n  type: LoadBalancer\n',
        ),
      );
      const ip = await externalIP('frontend');
      assert.match(ip, inPool);
      await readyPods('app=hello,tier=backend', 3);
      await readyPods('app=hello,tier=frontend', 1);
      const body = await until('{"message":"Hello"} from outside', async () => {
        const b = await curlOutside(`http://${ip}`);
        return b.includes('Hello') ? b : undefined;
      }).catch((e: Error) => assert.fail(`${e.message}\n${proxyLog()}`));
      assert.equal(body, '{"message":"Hello"}\n');
    });

    test('seed 002: API access from a pod, by kubernetes.default.svc and by $KUBERNETES_SERVICE_HOST', async () => {
      const [pod] = await readyPods('app=hello,tier=frontend', 1);
      const curl = (url: string) =>
        `curl -sS --max-time 10 --cacert ${SA}/ca.crt -H "Authorization: Bearer $TOKEN" ${url}`;
      const script =
        `TOKEN=$(cat ${SA}/token); echo "host=$KUBERNETES_SERVICE_HOST"; ` +
        `${curl('https://kubernetes.default.svc/api')}; echo; ` +
        `${curl('https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api')}`;
      type Versions = { kind: string; versions: string[] };
      let last = '';
      const answers = await until('both answers', async () => {
        const r = await inPod(pod!, script);
        last = r.stdout + r.stderr;
        const [host, ...bodies] = r.stdout.split('\n').filter(Boolean);
        try {
          return { host, bodies: bodies.map((b) => JSON.parse(b) as Versions) };
        } catch {
          return undefined;
        }
      }).catch((e: Error) => assert.fail(`${e.message}\n${last}`));
      assert.equal(answers.host, 'host=10.96.0.1');
      assert.equal(answers.bodies.length, 2);
      for (const body of answers.bodies) {
        assert.equal(body.kind, 'APIVersions');
        assert.deepEqual(body.versions, ['v1']);
      }
    });

    test('skiff url svc/frontend prints URLs that curl opens on the host', async () => {
      const lb = await externalIP('frontend');
      const printed = await until('skiff url to list the load balancer', async () => {
        const r = runSkiff(['url', 'svc/frontend', '--data-dir', c.dataDir], {}, c.netns);
        return r.code === 0 && r.stdout.includes(`http://${lb}:80`) ? r.stdout : undefined;
      });
      const urls = printed.trim().split('\n');
      assert.equal(urls.length, 3, printed);
      for (const url of urls) {
        const r = await c.exec('curl', ['-s', '--max-time', '5', url]);
        assert.equal(r.stdout, '{"message":"Hello"}\n', `${url}: ${r.stderr}`);
      }
    });

    test('a pod deleted with a grace period serves while no ready endpoint is left, then stops', async () => {
      // Two bare pods (no controller to replace them) whose server ignores SIGTERM, as one
      // finishing its requests would: each runs until its grace period is over.
      const pod = (name: string) =>
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels: { app: 'kubia-term' } },
          spec: {
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'kubia',
                image: IMAGES.kubia,
                command: ['sh', '-c', 'trap "" TERM; exec httpd -f -p 8080 -h /srv/kubia'],
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        });
      await apply(pod('kubia-term-a'));
      await apply(pod('kubia-term-b'));
      await apply(
        service(
          'kubia-term',
          '  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia-term\n',
        ),
      );
      await readyPods('app=kubia-term', 2);
      const ip = await jsonpath(['svc', 'kubia-term'], '{.spec.clusterIP}');
      /** n requests from the node: the pods that answered (a refusal or timeout is none). */
      const ask = async (n: number) =>
        hits(
          (
            await c.exec('sh', [
              '-c',
              `for i in $(seq ${n}); do curl -s --max-time 3 http://${ip}; done`,
            ])
          ).stdout,
        );
      /** "name ready serving terminating" per endpoint of the service's slices. */
      const conditions = async () =>
        (
          await jsonpath(
            ['endpointslices', '-l', 'kubernetes.io/service-name=kubia-term'],
            '{range .items[*].endpoints[*]}{.targetRef.name} {.conditions.ready} {.conditions.serving} {.conditions.terminating}{"\\n"}{end}',
          )
        )
          .split('\n')
          .filter(Boolean)
          .sort();
      await until('answers from both pods', async () =>
        new Set(await ask(12)).size === 2 ? true : undefined,
      );
      // One pod deleted: terminating but still serving, it gets nothing while a ready one is left.
      ok(await kubectl(['delete', 'pod', 'kubia-term-b', '--wait=false']));
      await until('kubia-term-b terminating in the slice', async () =>
        (await conditions()).includes('kubia-term-b false true true') ? true : undefined,
      );
      await until('every answer from kubia-term-a', async () => {
        const who = await ask(8);
        return who.length === 8 && who.every((p) => p === 'kubia-term-a') ? true : undefined;
      });
      // The other deleted too: no endpoint is ready, and both still answer (kube-proxy's
      // fallback to serving terminating endpoints), kubia-term-b among them again.
      ok(await kubectl(['delete', 'pod', 'kubia-term-a', '--wait=false']));
      await until('both terminating in the slice', async () => {
        const now = await conditions();
        return now.join() === 'kubia-term-a false true true,kubia-term-b false true true'
          ? true
          : undefined;
      });
      let unanswered = 0;
      await until('kubia-term-b answering again', async () => {
        const who = await ask(6);
        unanswered += 6 - who.length;
        return who.includes('kubia-term-b') ? true : undefined;
      });
      assert.equal(unanswered, 0, 'every request answered while the pods terminate');
      // Once their grace period is over the pods go, and the service refuses at once.
      await until(
        'the pods gone',
        async () => {
          const r = ok(await kubectl(['get', 'pods', '-l', 'app=kubia-term', '-o', 'name']));
          return r === '' ? true : undefined;
        },
        120_000,
      );
      const refused = await until('the service refusing', async () => {
        const r = await c.exec('sh', ['-c', `curl -s --max-time 3 http://${ip}; echo "exit $?"`]);
        return /exit 7/.test(r.stdout) ? r.stdout : undefined;
      });
      assert.equal(refused, 'exit 7\n');
      ok(await kubectl(['delete', 'svc', 'kubia-term']));
    });

    describe('bad input: a clear Status or event, and other services keep serving', () => {
      let kubiaIP = '';
      let client = '';
      /** kubia answers from a pod by its cluster IP, and from outside by its pool address. */
      const othersServe = async () => {
        const inside = await inPod(client, `curl -s --max-time 5 http://${kubiaIP}`);
        assert.match(inside.stdout, /^You've hit kubia-/, proxyLog());
        const ip = await externalIP('kubia');
        assert.match(await curlOutside(`http://${ip}`), /^You've hit kubia-/, proxyLog());
      };

      before(async () => {
        await apply(KUBIA_RC);
        await apply(
          service(
            'kubia',
            '  type: LoadBalancer\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
          ),
        );
        client = (await readyPods('app=kubia', 3))[0]!;
        kubiaIP = await jsonpath(['svc', 'kubia'], '{.spec.clusterIP}');
        await until('kubia serving', async () => {
          const r = await inPod(client, `curl -s --max-time 5 http://${kubiaIP}`);
          return hits(r.stdout).length ? true : undefined;
        });
      });

      test('a NodePort outside the range: 422 Invalid, nothing made', async () => {
        const r = await kubectl(
          ['apply', '-f', '-'],
          service(
            'kubia-far',
            '  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 40000\n  selector:\n    app: kubia\n',
          ),
        );
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr.trim(),
          'The Service "kubia-far" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
        );
        assert.equal((await kubectl(['get', 'svc', 'kubia-far'])).code, 1);
        await othersServe();
      });

      test('an Endpoints object with a nonsense address: refused if not an IP, harmless if one', async () => {
        const endpoints = (ip: string) =>
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Endpoints',
            metadata: { name: 'nonsense' },
            subsets: [{ addresses: [{ ip }], ports: [{ port: 80 }] }],
          });
        await apply(service('nonsense', '  ports:\n  - port: 80\n'));
        const bad = await kubectl(['apply', '-f', '-'], endpoints('not-an-address'));
        assert.equal(bad.code, 1);
        assert.match(
          bad.stderr,
          /^\* subsets\[0\]\.addresses\[0\]\.ip: Invalid value: "not-an-address": must be a valid IP address$/m,
        );
        // A valid IP that no endpoint can have: the limited broadcast address.
        await apply(endpoints('255.255.255.255'));
        await until('the nonsense EndpointSlice mirrored', async () => {
          const ips = await jsonpath(
            ['endpointslices', '-l', 'kubernetes.io/service-name=nonsense'],
            '{.items[*].endpoints[*].addresses[*]}',
          );
          return ips === '255.255.255.255' ? true : undefined;
        });
        const ip = await jsonpath(['svc', 'nonsense'], '{.spec.clusterIP}');
        const r = await inPod(client, `curl -s --max-time 3 http://${ip}; echo "exit $?"`);
        assert.doesNotMatch(r.stdout, /exit 0/);
        await othersServe();
      });

      test('generated: seeded bad NodePorts and Endpoints addresses are each refused with 422, and nothing is made', async () => {
        // A small deterministic generator (mulberry32), so a failure names a case to replay.
        let seed = 0x5e1f11;
        const next = () => {
          seed = (seed + 0x6d2b79f5) | 0;
          let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
        const before = ok(await kubectl(['get', 'svc,endpoints', '-o', 'name']));
        for (let i = 0; i < 24; i++) {
          const name = `fuzz-${i}`;
          if (i % 2 === 0) {
            const nodePort = pick([
              1 + Math.floor(next() * 29999),
              32768 + Math.floor(next() * 32767),
            ]);
            const r = await kubectl(
              ['create', '-f', '-'],
              service(
                name,
                `  type: NodePort\n  ports:\n  - port: 80\n    nodePort: ${nodePort}\n`,
              ),
            );
            assert.equal(r.code, 1, `case ${i}: nodePort ${nodePort}`);
            assert.match(
              r.stderr,
              new RegExp(`spec\\.ports\\[0\\]\\.nodePort: Invalid value: ${nodePort}: `),
              `case ${i}`,
            );
          } else {
            const octet = () => Math.floor(next() * 256);
            const ip = pick([
              `${octet()}.${octet()}.${octet()}`,
              `${octet()}.${octet()}.${octet()}.${octet() + 256}`,
              `127.${octet()}.${octet()}.${octet()}`,
              `169.254.${octet()}.${octet()}`,
              // Link-local multicast only: kube takes other multicast addresses.
              `224.0.0.${octet()}`,
              '0.0.0.0',
              `host-${octet()}`,
            ]);
            const r = await kubectl(
              ['create', '-f', '-'],
              JSON.stringify({
                apiVersion: 'v1',
                kind: 'Endpoints',
                metadata: { name },
                subsets: [{ addresses: [{ ip }], ports: [{ port: 80 }] }],
              }),
            );
            assert.equal(r.code, 1, `case ${i}: ${ip}`);
            assert.match(
              r.stderr,
              /^The Endpoints "fuzz-\d+" is invalid: /,
              `case ${i}: ${ip}: ${r.stderr}`,
            );
          }
        }
        assert.equal(ok(await kubectl(['get', 'svc,endpoints', '-o', 'name'])), before);
        await othersServe();
      });

      test('two LoadBalancers on one port: each gets its own pool address', async () => {
        await apply(
          service(
            'kubia-2',
            '  type: LoadBalancer\n  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
          ),
        );
        const [one, two] = [await externalIP('kubia'), await externalIP('kubia-2')];
        assert.notEqual(one, two);
        assert.match(two, inPool);
        await until('kubia-2 from outside', async () =>
          hits(await curlOutside(`http://${two}`)).length ? true : undefined,
        );
        // Deleted, its address is given up: the node no longer answers for it.
        ok(await kubectl(['delete', 'svc', 'kubia-2']));
        await until('the address of kubia-2 released', async () => {
          const r = await c.exec('ip', ['-br', 'addr', 'show', 'dev', 'skiff-lb0']);
          return r.code === 0 && !r.stdout.includes(`${two}/32`) ? true : undefined;
        });
        await othersServe();
      });

      test('a service with 5,000 ports (an event: no EndpointSlice can hold them) and one with 10,000 endpoints', async () => {
        const ports = Array.from({ length: 5000 }, (_, i) => ({
          name: `p${i}`,
          port: 10000 + i,
          targetPort: 8080,
        }));
        // create, not apply: the last-applied annotation of 5,000 ports would pass its size limit.
        const create = async (manifest: string) =>
          ok(await kubectl(['create', '-f', '-'], manifest));
        await create(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'many-ports' },
            spec: { selector: { app: 'kubia' }, ports },
          }),
        );
        await apply(service('many-endpoints', '  ports:\n  - name: http\n    port: 80\n'));
        const slices = Array.from({ length: 10 }, (_, s) => ({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: `many-endpoints-${s}`,
            labels: { 'kubernetes.io/service-name': 'many-endpoints' },
          },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
          endpoints: Array.from({ length: 1000 }, (_, i) => ({
            addresses: [`10.${100 + s}.${Math.floor(i / 250)}.${(i % 250) + 1}`],
            conditions: { ready: true },
          })),
        }));
        await create(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: slices }));
        // As kube's EndpointSlice controller: a slice holds at most 100 ports, so this
        // service gets none, and an event says why.
        const event = await until('an event on many-ports', async () => {
          const r = await kubectl([
            'get',
            'events',
            '--field-selector',
            'involvedObject.name=many-ports',
            '-o',
            'jsonpath={.items[0].type} {.items[0].reason}: {.items[0].message}',
          ]);
          return r.stdout.includes('Warning') ? r.stdout : undefined;
        });
        assert.match(
          event,
          /^Warning FailedToUpdateEndpointSlices: Error updating Endpoint Slices for Service default\/many-ports: .*ports: Too many: 5000: must have at most 100 items/,
        );
        const many = await jsonpath(
          ['endpointslices', '-l', 'kubernetes.io/service-name=many-endpoints'],
          '{.items[*].endpoints[*].addresses[0]}',
        );
        assert.equal(many.split(' ').length, 10_000);
        // The service of 10,000 endpoints is programmed itself: its cluster IP in the
        // dispatch map, its chain picking among all of them.
        const manyIP = await jsonpath(['svc', 'many-endpoints'], '{.spec.clusterIP}');
        await until(
          'many-endpoints in the service map, over 10,000 endpoints',
          async () => {
            const map = await c.exec('nft', ['list', 'map', 'ip', 'skiff-proxy', 'service-ips']);
            const element = map.stdout.match(
              new RegExp(`${manyIP.replace(/\./g, '\\.')} \\. tcp \\. 80 : goto "?([^\\s,"]+)`),
            );
            if (!element) return undefined;
            const chain = await c.exec('nft', ['list', 'chain', 'ip', 'skiff-proxy', element[1]!]);
            return /numgen random mod 10000 map/.test(chain.stdout) ? true : undefined;
          },
          120_000,
        );
        await othersServe();
        // A change after them still applies: a new service answers.
        await apply(
          service(
            'kubia-after',
            '  ports:\n  - port: 80\n    targetPort: 8080\n  selector:\n    app: kubia\n',
          ),
        );
        const after = await jsonpath(['svc', 'kubia-after'], '{.spec.clusterIP}');
        await until('a service made after them answers', async () => {
          const r = await inPod(client, `curl -s --max-time 5 http://${after}`);
          return hits(r.stdout).length ? true : undefined;
        });
      });
    });
  },
);
