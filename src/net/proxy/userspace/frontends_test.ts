import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servicePortKey, type ProxyServicePort } from '../types.js';
import { servicePort } from './fixtures_test.js';
import { frontendTable } from './frontends.js';

const stateOf = (...sps: ProxyServicePort[]) => new Map(sps.map((sp) => [servicePortKey(sp), sp]));
const node = { addresses: ['192.0.2.1'] };

test('a ClusterIP service port listens on its cluster IP, which goes on the interface', () => {
  const t = frontendTable(stateOf(servicePort()), node);
  assert.deepEqual([...t.frontends.keys()], ['TCP 10.96.0.10:80']);
  assert.deepEqual(t.frontends.get('TCP 10.96.0.10:80')?.scope, 'cluster');
  assert.deepEqual([...t.addresses], ['10.96.0.10']);
  assert.deepEqual(t.problems, []);
});

test('NodePort: TCP on 0.0.0.0, UDP on each node address and 127.0.0.1, both external', () => {
  const t = frontendTable(
    stateOf(
      servicePort({ nodePort: 30123 }),
      servicePort({
        name: 'dns',
        protocol: 'UDP',
        port: 53,
        clusterIPs: ['10.96.0.53'],
        nodePort: 30053,
      }),
    ),
    node,
  );
  assert.deepEqual([...t.frontends.values()].map((f) => `${f.id} ${f.scope}`).sort(), [
    'TCP 0.0.0.0:30123 external',
    'TCP 10.96.0.10:80 cluster',
    'UDP 10.96.0.53:53 cluster',
    'UDP 127.0.0.1:30053 external',
    'UDP 192.0.2.1:30053 external',
  ]);
});

test("UDP NodePorts: every local IPv4 address given, not only the node's reported one", () => {
  const t = frontendTable(
    stateOf(
      servicePort({ protocol: 'UDP', port: 53, clusterIPs: ['10.96.0.53'], nodePort: 30053 }),
    ),
    node,
    ['10.244.0.1', '192.0.2.1', '127.0.0.1', 'fe80::1', '198.51.100.20'],
  );
  assert.deepEqual([...t.frontends.keys()].filter((id) => id.endsWith(':30053')).sort(), [
    'UDP 10.244.0.1:30053',
    'UDP 127.0.0.1:30053',
    'UDP 192.0.2.1:30053',
    'UDP 198.51.100.20:30053',
  ]);
  // Local addresses are the node's own: none goes on the service-address interface.
  assert.deepEqual([...t.addresses], ['10.96.0.53']);
});

test('externalIPs and load-balancer IPs are external; node addresses stay off the interface', () => {
  const t = frontendTable(
    stateOf(
      servicePort({
        externalIPs: ['198.51.100.7'],
        loadBalancerIPs: ['192.0.2.1', '198.51.100.8'],
        loadBalancerSourceRanges: ['192.0.2.0/24'],
      }),
    ),
    node,
  );
  assert.deepEqual([...t.addresses].sort(), ['10.96.0.10', '198.51.100.7', '198.51.100.8']);
  assert.equal(t.frontends.get('TCP 198.51.100.7:80')?.sourceRanges, undefined);
  assert.deepEqual(t.frontends.get('TCP 192.0.2.1:80')?.sourceRanges, ['192.0.2.0/24']);
  assert.equal(t.frontends.get('TCP 198.51.100.8:80')?.scope, 'external');
});

test('SCTP and a frontend taken by another service port are reported, the rest served', () => {
  const t = frontendTable(
    stateOf(
      servicePort({ name: 'a', externalIPs: ['198.51.100.7'] }),
      servicePort({ name: 'b', clusterIPs: ['10.96.0.11'], externalIPs: ['198.51.100.7'] }),
      servicePort({ name: 'c', protocol: 'SCTP', clusterIPs: ['10.96.0.12'] }),
    ),
    node,
  );
  assert.deepEqual(t.problems, [
    { key: 'default/b:/TCP', reason: 'TCP 198.51.100.7:80 is already served for default/a:/TCP' },
    { key: 'default/c:/SCTP', reason: 'SCTP is not available in userspace mode' },
  ]);
  assert.equal(t.frontends.get('TCP 198.51.100.7:80')?.key, 'default/a:/TCP');
  assert.ok(t.frontends.has('TCP 10.96.0.11:80'));
  assert.ok(!t.addresses.has('10.96.0.12'));
});

test('nonsense addresses are skipped, IPv6 ones bracketed', () => {
  const t = frontendTable(
    stateOf(servicePort({ clusterIPs: ['fd00::10', 'not-an-ip'], externalIPs: ['999.1.1.1'] })),
    node,
  );
  assert.deepEqual([...t.frontends.keys()], ['TCP [fd00::10]:80']);
  assert.deepEqual([...t.addresses], ['fd00::10']);
});
