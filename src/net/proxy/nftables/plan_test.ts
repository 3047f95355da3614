import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyServicePort } from '../types.js';
import { emptyState, planSync, STALE_CHAIN_DELAY_MS } from './plan.js';
import { serviceRules } from './rules.js';
import { serviceChainNames, endpointNames } from './names.js';

const ctx = { clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12' };
const sp = (name: string, ips: string[], o: Partial<ProxyServicePort> = {}): ProxyServicePort => ({
  namespace: 'default',
  name,
  portName: '',
  protocol: 'TCP',
  clusterIPs: ['10.96.0.10'],
  port: 80,
  externalIPs: [],
  loadBalancerIPs: [],
  loadBalancerSourceRanges: [],
  externalTrafficPolicy: 'Cluster',
  internalTrafficPolicy: 'Cluster',
  endpoints: ips.map((ip) => ({
    ip,
    port: 8080,
    ready: true,
    serving: true,
    terminating: false,
    local: true,
  })),
  ...o,
});
const rules = (...ps: ProxyServicePort[]) =>
  new Map(ps.map((p) => [`default/${p.name}:${p.portName}/TCP`, serviceRules(p, ctx)]));

test('an endpoint added rewrites the service chain and adds its hairpin element; nothing else', () => {
  const a1 = sp('a', ['10.244.0.5']);
  const b = sp('b', ['10.244.0.7'], { clusterIPs: ['10.96.0.11'] });
  const first = planSync(emptyState(), rules(a1, b), [], ctx, 0, { kernel: undefined });
  const a2 = sp('a', ['10.244.0.5', '10.244.0.6']);
  const { script } = planSync(first.next, rules(a2), ['default/a:/TCP'], ctx, 10);
  const svcChain = serviceChainNames(a2).cluster;
  assert.equal(
    script,
    [
      `add chain ip skiff-proxy ${svcChain}`,
      `flush chain ip skiff-proxy ${svcChain}`,
      `add rule ip skiff-proxy ${svcChain} ip daddr 10.96.0.10 meta l4proto tcp th dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
      `add rule ip skiff-proxy ${svcChain} meta l4proto tcp dnat ip to numgen random mod 2 map { 0 : 10.244.0.5 . 8080, 1 : 10.244.0.6 . 8080 }`,
      'add element ip skiff-proxy hairpin-endpoints { 10.244.0.6 . 10.244.0.6 }',
      '',
    ].join('\n'),
  );
});

test('a removed endpoint chain (affinity) is flushed now and deleted a sync later', () => {
  const two = sp('a', ['10.244.0.5', '10.244.0.6'], { affinityTimeoutSeconds: 30 });
  const first = planSync(emptyState(), rules(two), [], ctx, 0, { kernel: undefined });
  const one = sp('a', ['10.244.0.5'], { affinityTimeoutSeconds: 30 });
  const gone = endpointNames(two, two.endpoints[1]!).chain;
  const p1 = planSync(first.next, rules(one), ['default/a:/TCP'], ctx, 100);
  assert.ok(p1.script.includes(`flush chain ip skiff-proxy ${gone}`));
  assert.ok(!p1.script.includes(`delete chain ip skiff-proxy ${gone}`));
  const p2 = planSync(p1.next, new Map(), [], ctx, 100 + STALE_CHAIN_DELAY_MS);
  assert.equal(p2.script, `delete chain ip skiff-proxy ${gone}\n`);
  assert.equal(p2.next.stale.size, 0);
});

test('an element shared by two ports (the cluster IP) stays until its last owner goes', () => {
  const http = sp('a', ['10.244.0.5'], { portName: 'http' });
  const https = sp('a', ['10.244.0.5'], { portName: 'https', port: 443 });
  const first = planSync(emptyState(), rules(http, https), [], ctx, 0, { kernel: undefined });
  const p1 = planSync(first.next, new Map(), ['default/a:https/TCP'], ctx, 1);
  assert.ok(
    p1.script.includes('delete element ip skiff-proxy service-ips { 10.96.0.10 . tcp . 443 }'),
  );
  assert.ok(!p1.script.includes('cluster-ips'));
  const p2 = planSync(p1.next, new Map(), ['default/a:http/TCP'], ctx, 2);
  assert.ok(p2.script.includes('delete element ip skiff-proxy cluster-ips { 10.96.0.10 }'));
});

test('endpoints gone: the map element moves from service-ips to no-endpoint-services', () => {
  const first = planSync(emptyState(), rules(sp('a', ['10.244.0.5'])), [], ctx, 0, {
    kernel: undefined,
  });
  const { script } = planSync(first.next, rules(sp('a', [])), ['default/a:/TCP'], ctx, 1);
  assert.ok(script.includes('delete element ip skiff-proxy service-ips { 10.96.0.10 . tcp . 80 }'));
  assert.ok(
    script.includes(
      'add element ip skiff-proxy no-endpoint-services { 10.96.0.10 . tcp . 80 : goto reject-chain }',
    ),
  );
});

test('a full sync after a restart rebuilds everything and clears what the table has of others', () => {
  const kernel = {
    chains: ['services', 'service-AAAAAAAA-default/old/tcp/'],
    sets: new Map([['affinity-X-default/old', 10]]),
  };
  const { script } = planSync(emptyState(), rules(sp('a', ['10.244.0.5'])), [], ctx, 0, { kernel });
  assert.ok(script.startsWith('add table ip skiff-proxy'));
  assert.ok(script.includes('flush map ip skiff-proxy service-ips'));
  assert.ok(script.includes('flush chain ip skiff-proxy service-AAAAAAAA-default/old/tcp/'));
  assert.ok(script.includes('delete set ip skiff-proxy affinity-X-default/old'));
  assert.ok(script.includes('add element ip skiff-proxy service-ips'));
});

test('an affinity timeout change remakes the sets and the chains that use them', () => {
  const s = sp('a', ['10.244.0.5'], { affinityTimeoutSeconds: 10 });
  const first = planSync(emptyState(), rules(s), [], ctx, 0, { kernel: undefined });
  const { script } = planSync(
    first.next,
    rules({ ...s, affinityTimeoutSeconds: 20 }),
    ['default/a:/TCP'],
    ctx,
    1,
  );
  const set = endpointNames(s, s.endpoints[0]!).affinitySet;
  assert.ok(script.indexOf(`delete set ip skiff-proxy ${set}`) < script.indexOf(`timeout 20s`));
  assert.ok(
    script.includes(`flush chain ip skiff-proxy ${endpointNames(s, s.endpoints[0]!).chain}`),
  );
});
