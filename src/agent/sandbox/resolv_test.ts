import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseResolvConf,
  podResolvConf,
  renderResolvConf,
  type DNSSettings,
  type PodDNSInfo,
} from './resolv.js';

const NODE =
  '# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example. lab\noptions edns0 timeout:2\n';

test('parses a resolv.conf as the kubelet does', () => {
  assert.deepEqual(
    parseResolvConf(
      'nameserver 1.1.1.1\nsearch a b\n  # c\nsearch c. d\nnameserver 8.8.8.8\noptions rotate\nnameserver\n',
    ),
    { nameservers: ['1.1.1.1', '8.8.8.8'], searches: ['c', 'd'], options: ['rotate'] },
  );
});

test('resolv.conf by dnsPolicy', () => {
  const cases: { name: string; pod: PodDNSInfo; settings?: DNSSettings; want: string }[] = [
    {
      name: 'ClusterFirst: cluster DNS, namespace search list, then the node search domains',
      pod: { namespace: 'default', dnsPolicy: 'ClusterFirst' },
      want:
        'search default.svc.cluster.local svc.cluster.local cluster.local corp.example lab\n' +
        'nameserver 10.96.0.10\n' +
        'options ndots:5\n',
    },
    {
      name: 'unset policy is ClusterFirst',
      pod: { namespace: 'kube-system' },
      settings: { nodeResolvConf: 'nameserver 192.0.2.53\n' },
      want:
        'search kube-system.svc.cluster.local svc.cluster.local cluster.local\n' +
        'nameserver 10.96.0.10\n' +
        'options ndots:5\n',
    },
    {
      name: 'Default: the node file, normalised',
      pod: { namespace: 'default', dnsPolicy: 'Default' },
      want: 'search corp.example lab\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 timeout:2\n',
    },
    {
      name: 'ClusterFirst on the host network falls back to Default',
      pod: { namespace: 'default', dnsPolicy: 'ClusterFirst', hostNetwork: true },
      want: 'search corp.example lab\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions edns0 timeout:2\n',
    },
    {
      name: 'ClusterFirstWithHostNet on the host network uses cluster DNS',
      pod: { namespace: 'web', dnsPolicy: 'ClusterFirstWithHostNet', hostNetwork: true },
      want:
        'search web.svc.cluster.local svc.cluster.local cluster.local corp.example lab\n' +
        'nameserver 10.96.0.10\n' +
        'options ndots:5\n',
    },
    {
      name: 'None takes dnsConfig alone',
      pod: {
        namespace: 'default',
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['192.0.2.1'],
          searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
        },
      },
      want:
        'search ns1.svc.cluster-domain.example my.dns.search.suffix\n' +
        'nameserver 192.0.2.1\n' +
        'options ndots:2 edns0\n',
    },
    {
      name: 'dnsConfig merges into ClusterFirst: duplicates once, options overridden by name',
      pod: {
        namespace: 'default',
        dnsConfig: {
          nameservers: ['10.96.0.10', '192.0.2.9'],
          searches: ['cluster.local', 'extra.example'],
          options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }],
        },
      },
      settings: { nodeResolvConf: '' },
      want:
        'search default.svc.cluster.local svc.cluster.local cluster.local extra.example\n' +
        'nameserver 10.96.0.10\nnameserver 192.0.2.9\n' +
        'options ndots:1 single-request-reopen\n',
    },
    {
      name: 'no resolver config: Default means the local resolver',
      pod: { namespace: 'default', dnsPolicy: 'Default' },
      settings: {},
      want: 'search .\nnameserver 127.0.0.1\n',
    },
    {
      name: 'a custom cluster domain and DNS address',
      pod: { namespace: 'a' },
      settings: { clusterDNS: ['10.43.0.10'], clusterDomain: 'corp.local', nodeResolvConf: '' },
      want: 'search a.svc.corp.local svc.corp.local corp.local\nnameserver 10.43.0.10\noptions ndots:5\n',
    },
  ];
  for (const c of cases) {
    const settings = c.settings ?? { nodeResolvConf: NODE };
    const got = podResolvConf(c.pod, settings);
    assert.equal(renderResolvConf(got), c.want, c.name);
    assert.deepEqual(got.warnings, [], c.name);
  }
});

test('without a cluster DNS address ClusterFirst falls back to Default and says so', () => {
  const got = podResolvConf({ namespace: 'default' }, { clusterDNS: [], nodeResolvConf: NODE });
  assert.deepEqual(got.nameservers, ['192.0.2.53', '192.0.2.54']);
  assert.equal(got.warnings[0]?.reason, 'MissingClusterDNS');
  assert.match(got.warnings[0]?.message ?? '', /Falling back to "Default" policy/);
});

test("Kubernetes' limits: 3 nameservers, 32 search paths, 2048 characters, 253 per path", () => {
  const ns = podResolvConf(
    {
      namespace: 'd',
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] },
    },
    { nodeResolvConf: '' },
  );
  assert.deepEqual(ns.nameservers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  assert.deepEqual(ns.warnings, [
    {
      reason: 'DNSConfigForming',
      message:
        'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3',
    },
  ]);

  const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
  const count = podResolvConf(
    { namespace: 'n', dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: many } },
    { nodeResolvConf: '' },
  );
  assert.deepEqual(count.searches, many.slice(0, 32));
  assert.match(count.warnings[0]?.message ?? '', /^Search Line limits were exceeded/);

  const tooLong = 'x'.repeat(254);
  const long = podResolvConf(
    {
      namespace: 'n',
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a', tooLong, 'b'] },
    },
    { nodeResolvConf: '' },
  );
  assert.deepEqual(long.searches, ['a', 'b']);

  const wide = Array.from(
    { length: 12 },
    (_, i) => `${String(i).padStart(2, '0')}${'y'.repeat(198)}`,
  );
  const chars = podResolvConf(
    { namespace: 'n', dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: wide } },
    { nodeResolvConf: '' },
  );
  // 200-character paths plus separators: ten fit in 2048, the last two are cut.
  assert.deepEqual(chars.searches, wide.slice(0, 10));
  assert.ok(chars.searches.join(' ').length <= 2048);
});

test('empty settings render nothing, so the runtime copies the node file', () => {
  assert.equal(renderResolvConf({ nameservers: [], searches: [], options: [] }), undefined);
});
