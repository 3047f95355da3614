// `skiff url svc/NAME [-n NS]` against a running cluster: the URLs a person on the host can
// open, and why there is none.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, ok, runSkiff, startCluster, until, type TestCluster } from './harness.js';

const K = hasKubectl(33) ? 33 : 27;

describe('skiff url', () => {
  let c: TestCluster;
  const url = (...args: string[]) => runSkiff(['url', ...args, '--data-dir', c.dataDir]);
  const kubectl = (args: string[], input?: string) => c.kubectl(K, args, input ? { input } : {});
  before(() => {
    c = startCluster({ upArgs: ['--lb-pool', '203.0.113.16/30'] });
  });
  after(() => c.stop());

  test('says why when no ready pod answers', async () => {
    ok(await kubectl(['create', 'service', 'nodeport', 'kubia', '--tcp=80:8080']));
    const r = url('svc/kubia');
    assert.equal(r.code, 1, r.stdout);
    assert.equal(
      r.stderr.trim(),
      'error: service default/kubia has no running pod ready to answer: no ready pod matches its selector app=kubia (see: kubectl get pods -n default -l app=kubia)',
    );
  });

  test('prints cluster IP, NodePort on 127.0.0.1 and load-balancer URLs, https for 443', async () => {
    ok(await kubectl(['create', 'namespace', 'shop']));
    // A selector-less service with manual Endpoints (seed 001's external-service).
    ok(
      await kubectl(
        ['apply', '-n', 'shop', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: 'web' },
              spec: {
                type: 'LoadBalancer',
                ports: [
                  { name: 'http', port: 80 },
                  { name: 'tls', port: 443 },
                ],
              },
            },
            {
              apiVersion: 'v1',
              kind: 'Endpoints',
              metadata: { name: 'web' },
              subsets: [
                {
                  addresses: [{ ip: '192.0.2.50' }],
                  ports: [
                    { name: 'http', port: 80 },
                    { name: 'tls', port: 443 },
                  ],
                },
              ],
            },
          ],
        }),
      ),
    );
    const spec = JSON.parse(ok(await kubectl(['get', 'svc', 'web', '-n', 'shop', '-o', 'json'])))
      .spec as { clusterIP: string; ports: { nodePort: number }[] };
    const [http, tls] = spec.ports.map((p) => p.nodePort);
    const want = [
      `http://${spec.clusterIP}:80`,
      `https://${spec.clusterIP}:443`,
      `http://127.0.0.1:${http}`,
      `https://127.0.0.1:${tls}`,
      'http://203.0.113.17:80',
      'https://203.0.113.17:443',
    ].join('\n');
    // The load-balancer address and the mirrored EndpointSlice arrive from controllers.
    const printed = await until('skiff url to print every URL', async () => {
      for (const args of [
        ['svc/web', '-n', 'shop'],
        ['service/web', '--namespace', 'shop'],
        ['web', '-nshop'],
      ]) {
        const r = url(...args);
        if (r.code !== 0 || r.stdout.trim() !== want) return undefined;
      }
      return true;
    });
    assert.equal(printed, true);
  });

  test('not found, ExternalName and usage errors', async () => {
    let r = url('svc/nothing', '-n', 'shop');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: service "nothing" not found in namespace "shop"');
    ok(await kubectl(['create', 'service', 'externalname', 'ext', '--external-name=example.com']));
    r = url('svc/ext');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: service default\/ext is of type ExternalName: .* it names example\.com$/m,
    );
    for (const [args, message] of [
      [[], /^error: no service given \(svc\/NAME\)$/m],
      [['pod/x'], /^error: "pod\/x" is not a service \(svc\/NAME\)$/m],
      [['svc/a', '--colour', 'red'], /^error: unknown flag: --colour$/m],
    ] as [string[], RegExp][]) {
      r = url(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
    }
  });
});

test('skiff url without a cluster says so', () => {
  const r = runSkiff(['url', 'svc/kubia', '--data-dir', '/nonexistent/skiff-url']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr.trim(),
    'error: no cluster in /nonexistent/skiff-url; start one with: skiff up --data-dir /nonexistent/skiff-url',
  );
});
