import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyEndpoint } from '../types.js';
import { createBalancer, endpointId } from './balancer.js';
import { endpoint as ep, servicePort } from './fixtures_test.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const node = { addresses: ['192.0.2.1'], clusterCIDR: '10.244.0.0/16' };

test('without affinity, connections spread over every ready endpoint', () => {
  const b = createBalancer({ node, now: () => 0, random: seeded(1) });
  const sp = servicePort({ endpoints: [ep('10.244.0.2'), ep('10.244.0.3'), ep('10.244.0.4')] });
  const firsts = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const plan = b.plan(sp, 'cluster', '10.244.0.9');
    assert.equal(plan.length, 3);
    firsts.add(endpointId(plan[0] as ProxyEndpoint));
  }
  assert.equal(firsts.size, 3);
});

test('ClientIP affinity keeps a client on its endpoint until timeoutSeconds pass unused', () => {
  let now = 0;
  const b = createBalancer({ node, now: () => now, random: seeded(7) });
  const sp = servicePort({
    affinityTimeoutSeconds: 10,
    endpoints: [ep('10.244.0.2'), ep('10.244.0.3'), ep('10.244.0.4')],
  });
  const first = b.plan(sp, 'cluster', '10.244.0.9')[0] as ProxyEndpoint;
  b.connected(sp, '10.244.0.9', first);
  for (let i = 0; i < 20; i++) {
    now += 9_000; // each connection restarts the timeout
    const next = b.plan(sp, 'cluster', '10.244.0.9')[0] as ProxyEndpoint;
    assert.equal(endpointId(next), endpointId(first));
    b.connected(sp, '10.244.0.9', next);
  }
  // Another client is balanced on its own.
  const others = new Set<string>();
  for (let i = 0; i < 30; i++)
    others.add(endpointId(b.plan(sp, 'cluster', `10.244.1.${i}`)[0] as ProxyEndpoint));
  assert.ok(others.size > 1);
  // Past the timeout the choice is free again.
  now += 10_001;
  const after = new Set<string>();
  for (let i = 0; i < 30; i++)
    after.add(endpointId(b.plan(sp, 'cluster', '10.244.0.9')[0] as ProxyEndpoint));
  assert.ok(after.size > 1);
});

test('an affinity endpoint that is no longer ready is not used', () => {
  const b = createBalancer({ node, now: () => 0, random: seeded(3) });
  const a = ep('10.244.0.2');
  const sp = servicePort({ affinityTimeoutSeconds: 100, endpoints: [a, ep('10.244.0.3')] });
  b.connected(sp, '10.244.0.9', a);
  const gone = servicePort({
    affinityTimeoutSeconds: 100,
    endpoints: [ep('10.244.0.2', { ready: false, serving: false }), ep('10.244.0.3')],
  });
  assert.deepEqual(b.plan(gone, 'cluster', '10.244.0.9').map(endpointId), ['10.244.0.3:8080']);
});

test('externalTrafficPolicy Local: outside clients get local endpoints, pods and the node all', () => {
  const b = createBalancer({ node, now: () => 0, random: seeded(5) });
  const sp = servicePort({
    externalTrafficPolicy: 'Local',
    endpoints: [ep('10.244.0.2'), ep('10.244.1.2', { local: false })],
  });
  assert.deepEqual(b.plan(sp, 'external', '198.51.100.20').map(endpointId), ['10.244.0.2:8080']);
  for (const client of ['10.244.3.3', '127.0.0.1', '192.0.2.1', '::ffff:10.244.0.7'])
    assert.equal(b.plan(sp, 'external', client).length, 2, client);
  const remoteOnly = servicePort({
    externalTrafficPolicy: 'Local',
    endpoints: [ep('10.244.1.2', { local: false })],
  });
  assert.deepEqual(b.plan(remoteOnly, 'external', '198.51.100.20'), []);
});

test('prune drops affinity of service ports that are gone', () => {
  const b = createBalancer({ node, now: () => 0, random: () => 0 });
  const a = ep('10.244.0.2');
  const sp = servicePort({ affinityTimeoutSeconds: 100, endpoints: [a, ep('10.244.0.3')] });
  b.connected(sp, '10.244.0.9', a);
  assert.equal(
    endpointId(b.plan(sp, 'cluster', '10.244.0.9')[0] as ProxyEndpoint),
    '10.244.0.2:8080',
  );
  b.prune(new Set());
  // random() = 0 turns [a, b] into [b, a]: with no affinity left, b comes first.
  assert.equal(
    endpointId(b.plan(sp, 'cluster', '10.244.0.9')[0] as ProxyEndpoint),
    '10.244.0.3:8080',
  );
});
