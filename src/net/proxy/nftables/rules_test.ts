import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyEndpoint, ProxyServicePort } from '../types.js';
import { endpointNames, hashAndTruncate, serviceChainNames } from './names.js';
import { baseScript, serviceRules } from './rules.js';

const ctx = { clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' };
const ep = (ip: string, o: Partial<ProxyEndpoint> = {}): ProxyEndpoint => ({
  ip,
  port: 8080,
  ready: true,
  serving: true,
  terminating: false,
  local: true,
  ...o,
});
const sp = (o: Partial<ProxyServicePort> = {}): ProxyServicePort => ({
  namespace: 'ns1',
  name: 'svc1',
  portName: 'p80',
  protocol: 'TCP',
  clusterIPs: ['10.96.0.10'],
  port: 80,
  externalIPs: [],
  loadBalancerIPs: [],
  loadBalancerSourceRanges: [],
  externalTrafficPolicy: 'Cluster',
  internalTrafficPolicy: 'Cluster',
  endpoints: [ep('10.244.0.5'), ep('10.244.0.6', { local: false })],
  ...o,
});

test("names are kube-proxy's: hash of the full name, then the name", () => {
  const n = serviceChainNames(sp());
  assert.match(n.cluster, /^service-[A-Z2-7]{8}-ns1\/svc1\/tcp\/p80$/);
  assert.equal(n.external.slice('external-'.length), n.cluster.slice('service-'.length));
  assert.match(
    endpointNames(sp(), ep('10.244.0.5')).chain,
    /^endpoint-[A-Z2-7]{8}-ns1\/svc1\/tcp\/p80__10\.244\.0\.5\/8080$/,
  );
  assert.ok(hashAndTruncate('x'.repeat(400)).length <= 240);
  assert.notEqual(hashAndTruncate('a'.repeat(300) + '1'), hashAndTruncate('a'.repeat(300) + '2'));
});

test('a ClusterIP service: map element to its chain, which picks an endpoint and DNATs', () => {
  const r = serviceRules(sp(), ctx);
  const n = serviceChainNames(sp());
  assert.deepEqual(r.elements, [
    { container: 'cluster-ips', key: '10.96.0.10', value: '' },
    { container: 'service-ips', key: '10.96.0.10 . tcp . 80', value: `goto ${n.cluster}` },
    { container: 'hairpin-endpoints', key: '10.244.0.5 . 10.244.0.5', value: '' },
    { container: 'hairpin-endpoints', key: '10.244.0.6 . 10.244.0.6', value: '' },
  ]);
  assert.deepEqual(r.chains.get(n.cluster), [
    'ip daddr 10.96.0.10 meta l4proto tcp th dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
    'meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.244.0.5 . 8080, 1 : 10.244.0.6 . 8080 }',
  ]);
  // One chain per service port: no chain per endpoint without affinity.
  assert.deepEqual([...r.chains.keys()], [n.cluster]);
  assert.equal(r.affinitySets.size, 0);
  const one = serviceRules(sp({ endpoints: [ep('10.244.0.5')] }), ctx);
  assert.equal(one.chains.get(n.cluster)?.[1], 'meta l4proto tcp dnat to 10.244.0.5:8080');
});

test('no ready endpoint: reject; terminating-but-serving ones only when none is ready', () => {
  const none = serviceRules(
    sp({ endpoints: [ep('10.244.0.5', { ready: false, serving: false })], nodePort: 30080 }),
    ctx,
  );
  assert.deepEqual(
    none.elements.filter((e) => e.container.startsWith('no-endpoint')),
    [
      {
        container: 'no-endpoint-services',
        key: '10.96.0.10 . tcp . 80',
        value: 'goto reject-chain',
      },
      { container: 'no-endpoint-nodeports', key: 'tcp . 30080', value: 'goto reject-chain' },
    ],
  );
  assert.equal(none.chains.size, 0);
  const term = serviceRules(
    sp({ endpoints: [ep('10.244.0.5', { ready: false, terminating: true })] }),
    ctx,
  );
  assert.deepEqual(
    term.chains.get(serviceChainNames(sp()).cluster)?.at(-1),
    ['meta l4proto tcp dnat to 10.244.0.5:8080'][0],
  );
});

test('a ready and a serving-terminating endpoint: DNAT to the ready one only', () => {
  const s = sp({
    endpoints: [
      ep('10.244.0.5', { ready: false, serving: true, terminating: true }),
      ep('10.244.0.6'),
    ],
  });
  const r = serviceRules(s, ctx);
  const n = serviceChainNames(s);
  assert.deepEqual(r.chains.get(n.cluster), [
    'ip daddr 10.96.0.10 meta l4proto tcp th dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
    'meta l4proto tcp dnat to 10.244.0.6:8080',
  ]);
  assert.ok(![...r.chains.values()].flat().some((rule) => rule.includes('10.244.0.5')));
  assert.deepEqual(
    r.elements.filter((e) => e.container === 'hairpin-endpoints').map((e) => e.key),
    ['10.244.0.6 . 10.244.0.6'],
  );
  // With affinity too: no chain, no affinity set for the terminating one.
  const a = serviceRules({ ...s, affinityTimeoutSeconds: 60 }, ctx);
  assert.deepEqual([...a.affinitySets.keys()], [endpointNames(s, ep('10.244.0.6')).affinitySet]);
  assert.ok(!a.chains.has(endpointNames(s, ep('10.244.0.5')).chain));
});

test('ClientIP affinity: a timed set per endpoint, checked before the random pick', () => {
  const s = sp({ affinityTimeoutSeconds: 60 });
  const r = serviceRules(s, ctx);
  const e5 = endpointNames(s, ep('10.244.0.5'));
  assert.equal(r.affinitySets.get(e5.affinitySet), 60);
  const svcChain = r.chains.get(serviceChainNames(s).cluster) ?? [];
  assert.equal(svcChain[1], `ip saddr @${e5.affinitySet} goto ${e5.chain}`);
  assert.match(svcChain.at(-1) ?? '', /^numgen random mod 2/);
  assert.deepEqual(r.chains.get(e5.chain), [
    `update @${e5.affinitySet} { ip saddr }`,
    'meta l4proto tcp dnat to 10.244.0.5:8080',
  ]);
});

test('NodePort, externalIPs, load balancer: Cluster policy masquerades; Local keeps local endpoints', () => {
  const s = sp({
    nodePort: 30080,
    externalIPs: ['203.0.113.1'],
    loadBalancerIPs: ['198.51.100.7'],
  });
  const n = serviceChainNames(s);
  const cluster = serviceRules(s, ctx);
  assert.deepEqual(cluster.chains.get(n.external), [
    'jump mark-for-masquerade',
    `goto ${n.cluster}`,
  ]);
  assert.ok(
    cluster.elements.some((e) => e.container === 'service-nodeports' && e.key === 'tcp . 30080'),
  );
  const local = serviceRules({ ...s, externalTrafficPolicy: 'Local' }, ctx);
  assert.deepEqual(local.chains.get(n.external), [
    `ip saddr 10.244.0.0/16 goto ${n.cluster} comment "short-circuit pod traffic"`,
    `fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
    `fib saddr type local goto ${n.cluster} comment "short-circuit local traffic"`,
    `goto ${n.local}`,
  ]);
  assert.match(
    local.chains.get(n.local)?.[0] ?? '',
    /^meta l4proto tcp dnat to 10\.244\.0\.5:8080$/,
  );
  // Local policy and no endpoint on this node: external traffic dropped, not rejected.
  const remote = serviceRules(
    { ...s, externalTrafficPolicy: 'Local', endpoints: [ep('10.244.1.6', { local: false })] },
    ctx,
  );
  assert.ok(
    remote.elements.some((e) => e.container === 'no-endpoint-nodeports' && e.value === 'drop'),
  );
  assert.ok(!remote.chains.has(n.local));
});

test('loadBalancerSourceRanges: a firewall chain dropping other sources', () => {
  const s = sp({ loadBalancerIPs: ['198.51.100.7'], loadBalancerSourceRanges: ['192.0.2.0/24'] });
  const r = serviceRules(s, ctx);
  const n = serviceChainNames(s);
  assert.deepEqual(r.chains.get(n.firewall), ['ip saddr != { 192.0.2.0/24 } drop']);
  assert.ok(
    r.elements.some((e) => e.container === 'firewall-ips' && e.value === `goto ${n.firewall}`),
  );
});

test('internalTrafficPolicy Local: the cluster IP goes to local endpoints only, or drops', () => {
  const s = sp({ internalTrafficPolicy: 'Local', endpoints: [ep('10.244.1.6', { local: false })] });
  const r = serviceRules(s, ctx);
  assert.deepEqual(r.elements.find((e) => e.container === 'no-endpoint-services')?.value, 'drop');
  assert.ok(!r.elements.some((e) => e.container === 'service-ips'));
  assert.equal(r.chains.size, 0);
});

test('internalTrafficPolicy Local with a local and a remote ready endpoint: DNAT to the local one', () => {
  const s = sp({
    internalTrafficPolicy: 'Local',
    endpoints: [ep('10.244.1.6', { local: false }), ep('10.244.0.5')],
  });
  const n = serviceChainNames(s);
  const r = serviceRules(s, ctx);
  assert.deepEqual(
    r.elements.filter((e) => e.container === 'service-ips' || e.container.startsWith('no-')),
    [{ container: 'service-ips', key: '10.96.0.10 . tcp . 80', value: `goto ${n.local}` }],
  );
  assert.deepEqual(r.chains.get(n.local), [
    'ip daddr 10.96.0.10 meta l4proto tcp th dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade',
    'meta l4proto tcp dnat to 10.244.0.5:8080',
  ]);
  // No chain that could pick the remote endpoint.
  assert.deepEqual([...r.chains.keys()], [n.local]);
  assert.ok(![...r.chains.values()].flat().some((rule) => rule.includes('10.244.1.6')));
  // Two local ones and a remote one: the random pick is over the local two.
  const two = serviceRules({ ...s, endpoints: [...s.endpoints, ep('10.244.0.7')] }, ctx).chains.get(
    n.local,
  );
  assert.equal(
    two?.at(-1),
    'meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.244.0.5 . 8080, 1 : 10.244.0.7 . 8080 }',
  );
  // A NodePort (Cluster external policy) still reaches every endpoint through the cluster chain.
  const np = serviceRules({ ...s, nodePort: 30080 }, ctx);
  assert.equal(
    np.chains.get(n.cluster)?.at(-1),
    'meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.244.1.6 . 8080, 1 : 10.244.0.5 . 8080 }',
  );
  assert.equal(np.elements.find((e) => e.container === 'service-ips')?.value, `goto ${n.local}`);
});

test('SCTP and UDP use their own protocol in keys and DNAT', () => {
  for (const protocol of ['UDP', 'SCTP'] as const) {
    const r = serviceRules(sp({ protocol }), ctx);
    const p = protocol.toLowerCase();
    assert.ok(r.elements.some((e) => e.key === `10.96.0.10 . ${p} . 80`));
    assert.ok(
      [...r.chains.values()]
        .flat()
        .some((rule) => rule.startsWith(`meta l4proto ${p} dnat ip to numgen random mod 2 map {`)),
    );
  }
});

test('the base table: hooks, dispatch maps, reject chain, masquerading by mark', () => {
  const text = baseScript(ctx).join('\n');
  for (const want of [
    'add chain ip skiff-proxy nat-prerouting { type nat hook prerouting priority -100; policy accept; }',
    'add rule ip skiff-proxy services ip daddr . meta l4proto . th dport vmap @service-ips',
    'add rule ip skiff-proxy services fib daddr type local meta l4proto . th dport vmap @service-nodeports',
    'add rule ip skiff-proxy masquerading ct status dnat ip saddr . ip daddr @hairpin-endpoints jump mark-for-masquerade',
    'add rule ip skiff-proxy masquerading mark and 0x00004000 == 0 return',
    'add rule ip skiff-proxy reject-chain reject',
    'add rule ip skiff-proxy filter-forward ct state new jump endpoints-check',
  ])
    assert.ok(text.includes(want), want);
});
