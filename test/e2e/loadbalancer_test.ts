// The built-in load balancer through `skiff up` and kubectl: --lb-pool addresses shown as
// EXTERNAL-IP, <pending> with an event saying why, --disable-load-balancer, bad flags.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasKubectl,
  ok,
  parseTable,
  runSkiff,
  startCluster,
  until,
  type TestCluster,
} from './harness.js';

const K = hasKubectl(33) ? 33 : 27;

/** A Node object that reports Ready, standing in for a node agent. */
async function readyNode(c: TestCluster, name: string, ip: string): Promise<void> {
  ok(
    await c.kubectl(K, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } }),
    }),
  );
  ok(
    await c.kubectl(K, [
      'patch',
      'node',
      name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          addresses: [{ type: 'InternalIP', address: ip }],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
    ]),
  );
}

const externalIP = async (c: TestCluster, name: string): Promise<string | undefined> =>
  parseTable(ok(await c.kubectl(K, ['get', 'svc', name])))[0]?.['EXTERNAL-IP'];

describe('load balancer with --lb-pool', () => {
  let c: TestCluster;
  before(() => {
    c = startCluster({ upArgs: ['--lb-pool', '203.0.113.8/30'] });
  });
  after(() => c.stop());

  test('each LoadBalancer service shows a pool address as EXTERNAL-IP; <pending> once the pool is used up', async () => {
    ok(await c.kubectl(K, ['create', 'service', 'loadbalancer', 'kubia', '--tcp=80:8080']));
    await until('kubia EXTERNAL-IP', async () =>
      (await externalIP(c, 'kubia')) === '203.0.113.9' ? true : undefined,
    );
    ok(await c.kubectl(K, ['create', 'service', 'loadbalancer', 'kubia-2', '--tcp=80:8080']));
    await until('kubia-2 EXTERNAL-IP', async () =>
      (await externalIP(c, 'kubia-2')) === '203.0.113.10' ? true : undefined,
    );
    ok(await c.kubectl(K, ['create', 'service', 'loadbalancer', 'kubia-3', '--tcp=80:8080']));
    const described = await until('kubia-3 warning', async () => {
      const out = ok(await c.kubectl(K, ['describe', 'svc', 'kubia-3']));
      return /SyncLoadBalancerFailed/.test(out) ? out : undefined;
    });
    assert.match(
      described,
      /Warning\s+SyncLoadBalancerFailed\s+\S+\s+service-lb-controller\s+Error syncing load balancer: failed to ensure load balancer: no address is left in the pool 203\.0\.113\.8\/30 \(2 in use\)/,
    );
    assert.equal(await externalIP(c, 'kubia-3'), '<pending>');
    // Changing the type gives the address back; the pending service gets it.
    ok(await c.kubectl(K, ['patch', 'svc', 'kubia', '-p', '{"spec":{"type":"ClusterIP"}}']));
    await until('kubia-3 EXTERNAL-IP', async () =>
      (await externalIP(c, 'kubia-3')) === '203.0.113.9' ? true : undefined,
    );
    assert.equal(await externalIP(c, 'kubia'), '<none>');
  });
});

describe('load balancer on node addresses, and --disable-load-balancer', () => {
  let on: TestCluster;
  let off: TestCluster;
  before(() => {
    on = startCluster({ upArgs: [] });
    off = startCluster({ upArgs: ['--disable-load-balancer'] });
  });
  after(() => {
    on.stop();
    off.stop();
  });

  test("a LoadBalancer gets the node's InternalIP; a second one on the same port stays <pending>, saying why", async () => {
    await readyNode(on, 'node-1', '198.51.100.7');
    ok(await on.kubectl(K, ['create', 'service', 'loadbalancer', 'first', '--tcp=80:8080']));
    await until('first EXTERNAL-IP', async () =>
      (await externalIP(on, 'first')) === '198.51.100.7' ? true : undefined,
    );
    ok(await on.kubectl(K, ['create', 'service', 'loadbalancer', 'second', '--tcp=80:9090']));
    const described = await until('second warning', async () => {
      const out = ok(await on.kubectl(K, ['describe', 'svc', 'second']));
      return /SyncLoadBalancerFailed/.test(out) ? out : undefined;
    });
    assert.match(
      described,
      /failed to ensure load balancer: port 80\/TCP of node node-1 \(198\.51\.100\.7\) is used by load balancer default\/first/,
    );
    assert.equal(await externalIP(on, 'second'), '<pending>');
  });

  test('with --disable-load-balancer the service stays <pending> and nothing reports on it', async () => {
    await readyNode(off, 'node-1', '198.51.100.7');
    ok(await off.kubectl(K, ['create', 'service', 'loadbalancer', 'kubia', '--tcp=80:8080']));
    // The endpoints controller has handled the service by the time its Endpoints exist.
    await until('kubia endpoints', async () =>
      (await off.kubectl(K, ['get', 'endpoints', 'kubia'])).code === 0 ? true : undefined,
    );
    assert.equal(await externalIP(off, 'kubia'), '<pending>');
    const events = ok(
      await off.kubectl(K, ['get', 'events', '--field-selector', 'involvedObject.name=kubia']),
    );
    assert.doesNotMatch(events, /LoadBalancer/);
  });
});

test('--lb-pool must be an IPv4 CIDR, and cannot go with --disable-load-balancer', () => {
  const cases: [string[], RegExp][] = [
    [
      ['--lb-pool', '10.0.0.0/33'],
      /^error: flag --lb-pool: "10\.0\.0\.0\/33" is not an IPv4 CIDR \(as 192\.168\.49\.240\/28\)$/m,
    ],
    [['--lb-pool', 'pool'], /^error: flag --lb-pool: "pool" is not an IPv4 CIDR/m],
    [
      ['--lb-pool', '10.0.0.0/29', '--disable-load-balancer'],
      /^error: --lb-pool and --disable-load-balancer cannot be used together$/m,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runSkiff(['up', '--data-dir', '/nonexistent/skiff-lb', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
