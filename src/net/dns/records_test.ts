// The record index against the examples of the Kubernetes DNS specification (schema 1.1.0,
// kubernetes/dns docs/specification.md) and CoreDNS's NXDOMAIN/NODATA rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { projectEndpointSlice, projectService } from './projection.js';
import { createRecordIndex, type RecordIndex } from './records.js';
import type { Resolution } from './types.js';

const svc = (name: string, spec: Record<string, unknown>, ns = 'default'): KubeObject => ({
  metadata: { name, namespace: ns },
  spec,
});
const slice = (
  service: string,
  endpoints: Record<string, unknown>[],
  ports: Record<string, unknown>[] = [{ name: 'https', port: 443, protocol: 'TCP' }],
  ns = 'default',
): KubeObject => ({
  metadata: {
    name: `${service}-abcde`,
    namespace: ns,
    labels: { 'kubernetes.io/service-name': service },
  },
  addressType: 'IPv4',
  endpoints,
  ports,
});

function cluster(ttl?: number): RecordIndex {
  const idx = createRecordIndex({
    zone: 'cluster.local',
    now: () => 1700000000,
    ...(ttl ? { ttl } : {}),
  });
  idx.setNamespace('default', true);
  idx.setNamespace('kube-system', true);
  idx.upsertService(
    projectService(
      svc('kubernetes', {
        clusterIP: '10.3.0.1',
        clusterIPs: ['10.3.0.1'],
        ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
      }),
    ),
  );
  idx.upsertService(
    projectService(
      svc('kubernetes6', {
        clusterIP: '2001:db8::1',
        ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
      }),
    ),
  );
  idx.upsertService(
    projectService(
      svc('headless', {
        clusterIP: 'None',
        ports: [{ name: 'https', port: 443, protocol: 'TCP' }],
      }),
    ),
  );
  idx.upsertSlice(
    projectEndpointSlice(
      slice('headless', [
        { addresses: ['10.3.0.1'], conditions: { ready: true } },
        { addresses: ['10.3.0.2'] },
        { addresses: ['10.3.0.3'], conditions: { ready: true } },
        { addresses: ['10.3.0.100'], hostname: 'my-pet', conditions: { ready: true } },
        { addresses: ['10.3.0.9'], conditions: { ready: false } },
      ]),
    ),
  );
  idx.upsertService(
    projectService(svc('foo', { type: 'ExternalName', externalName: 'www.example.com' })),
  );
  idx.setSynced(true);
  return idx;
}

type Answer = Extract<Resolution, { kind: 'answer' }>;
function answer(r: Resolution): Answer {
  assert.equal(r.kind, 'answer');
  return r as Answer;
}
const lines = (r: Answer, section: 'answers' | 'additionals' = 'answers'): string[] =>
  r[section].map((x) => {
    const d =
      x.type === 'SRV'
        ? `${x.data.priority} ${x.data.weight} ${x.data.port} ${x.data.target}.`
        : x.type === 'TXT'
          ? `"${x.data}"`
          : x.type === 'SOA'
            ? `${x.data.mname}. ${x.data.rname}.`
            : x.type === 'A' || x.type === 'AAAA'
              ? x.data
              : `${x.data}.`;
    return `${x.name}. ${x.ttl} IN ${x.type} ${d}`;
  });

test('2.2 dns-version.<zone> TXT is the schema version', () => {
  const r = answer(cluster().resolve('dns-version.cluster.local.', 'TXT'));
  assert.deepEqual(lines(r), ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']);
});

test('2.3.1 a ClusterIP service has an A record (AAAA for an IPv6 cluster IP)', () => {
  const idx = cluster();
  assert.deepEqual(lines(answer(idx.resolve('kubernetes.default.svc.cluster.local.', 'A'))), [
    'kubernetes.default.svc.cluster.local. 5 IN A 10.3.0.1',
  ]);
  assert.deepEqual(lines(answer(idx.resolve('kubernetes6.default.svc.cluster.local.', 'AAAA'))), [
    'kubernetes6.default.svc.cluster.local. 5 IN AAAA 2001:db8::1',
  ]);
});

test('2.3.2 each named port has an SRV record whose target is the service', () => {
  const r = answer(cluster().resolve('_https._tcp.kubernetes.default.svc.cluster.local.', 'SRV'));
  assert.deepEqual(lines(r), [
    '_https._tcp.kubernetes.default.svc.cluster.local. 5 IN SRV 0 100 443 kubernetes.default.svc.cluster.local.',
  ]);
  assert.deepEqual(lines(r, 'additionals'), [
    'kubernetes.default.svc.cluster.local. 5 IN A 10.3.0.1',
  ]);
  // A port or protocol the service does not have: no such name.
  assert.equal(
    answer(cluster().resolve('_http._tcp.kubernetes.default.svc.cluster.local.', 'SRV')).rcode,
    3,
  );
  assert.equal(
    answer(cluster().resolve('_https._udp.kubernetes.default.svc.cluster.local.', 'SRV')).rcode,
    3,
  );
});

test('2.3.3 cluster IPs have PTR records, IPv6 as reversed nibbles', () => {
  const idx = cluster();
  assert.deepEqual(lines(answer(idx.resolve('1.0.3.10.in-addr.arpa.', 'PTR'))), [
    '1.0.3.10.in-addr.arpa. 5 IN PTR kubernetes.default.svc.cluster.local.',
  ]);
  const v6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.';
  assert.deepEqual(lines(answer(idx.resolve(v6, 'PTR'))), [
    `${v6} 5 IN PTR kubernetes6.default.svc.cluster.local.`,
  ]);
  // Addresses the cluster does not know go to the upstream resolvers.
  assert.equal(idx.resolve('4.3.2.1.in-addr.arpa.', 'PTR').kind, 'forward');
  assert.equal(idx.resolve('3.10.in-addr.arpa.', 'PTR').kind, 'forward');
});

test('2.4.1 a headless service answers with every ready endpoint, and endpoint hostnames', () => {
  const idx = cluster();
  assert.deepEqual(lines(answer(idx.resolve('headless.default.svc.cluster.local.', 'A'))), [
    'headless.default.svc.cluster.local. 5 IN A 10.3.0.1',
    'headless.default.svc.cluster.local. 5 IN A 10.3.0.2',
    'headless.default.svc.cluster.local. 5 IN A 10.3.0.3',
    'headless.default.svc.cluster.local. 5 IN A 10.3.0.100',
  ]);
  assert.deepEqual(lines(answer(idx.resolve('my-pet.headless.default.svc.cluster.local.', 'A'))), [
    'my-pet.headless.default.svc.cluster.local. 5 IN A 10.3.0.100',
  ]);
  // An endpoint without a hostname is named by its address.
  assert.deepEqual(
    lines(answer(idx.resolve('10-3-0-2.headless.default.svc.cluster.local.', 'A'))),
    ['10-3-0-2.headless.default.svc.cluster.local. 5 IN A 10.3.0.2'],
  );
  // The not-ready endpoint is nowhere.
  assert.equal(answer(idx.resolve('10-3-0-9.headless.default.svc.cluster.local.', 'A')).rcode, 3);
});

test('2.4.1 a headless service without ready endpoints is NXDOMAIN', () => {
  const idx = cluster();
  idx.upsertService(projectService(svc('empty', { clusterIP: 'None', ports: [{ port: 80 }] })));
  idx.upsertSlice(
    projectEndpointSlice(
      slice('empty', [{ addresses: ['10.3.1.1'], conditions: { ready: false } }]),
    ),
  );
  const r = answer(idx.resolve('empty.default.svc.cluster.local.', 'A'));
  assert.equal(r.rcode, 3);
  assert.equal(r.authorities[0]?.type, 'SOA');
});

test('2.4.2 a headless service has an SRV record per ready endpoint and named port', () => {
  const r = answer(cluster().resolve('_https._tcp.headless.default.svc.cluster.local.', 'SRV'));
  assert.deepEqual(lines(r), [
    '_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 25 443 10-3-0-1.headless.default.svc.cluster.local.',
    '_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 25 443 10-3-0-2.headless.default.svc.cluster.local.',
    '_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 25 443 10-3-0-3.headless.default.svc.cluster.local.',
    '_https._tcp.headless.default.svc.cluster.local. 5 IN SRV 0 25 443 my-pet.headless.default.svc.cluster.local.',
  ]);
  assert.deepEqual(
    lines(r, 'additionals').at(-1),
    'my-pet.headless.default.svc.cluster.local. 5 IN A 10.3.0.100',
  );
});

test('2.4.3 ready endpoints have PTR records to their hostname', () => {
  assert.deepEqual(lines(answer(cluster().resolve('100.0.3.10.in-addr.arpa.', 'PTR'))), [
    '100.0.3.10.in-addr.arpa. 5 IN PTR my-pet.headless.default.svc.cluster.local.',
  ]);
});

test('2.5 an ExternalName service is a CNAME, its target looked up outside', () => {
  const r = answer(cluster().resolve('foo.default.svc.cluster.local.', 'A'));
  assert.deepEqual(lines(r), ['foo.default.svc.cluster.local. 5 IN CNAME www.example.com.']);
  assert.equal(r.external?.target, 'www.example.com');
  assert.equal(r.external?.type, 'A');
  // Unresolvable: the answer is NODATA, with the zone's SOA.
  assert.deepEqual(r.external?.unresolved.answers, []);
  assert.equal(r.external?.unresolved.authorities[0]?.type, 'SOA');
  assert.deepEqual(lines(answer(cluster().resolve('foo.default.svc.cluster.local.', 'CNAME'))), [
    'foo.default.svc.cluster.local. 5 IN CNAME www.example.com.',
  ]);
});

test('an ExternalName inside the cluster domain is followed to the addresses', () => {
  const idx = cluster();
  idx.upsertService(
    projectService(
      svc('alias', { type: 'ExternalName', externalName: 'kubernetes.default.svc.cluster.local' }),
    ),
  );
  const r = answer(idx.resolve('alias.default.svc.cluster.local.', 'A'));
  assert.deepEqual(lines(r), [
    'alias.default.svc.cluster.local. 5 IN CNAME kubernetes.default.svc.cluster.local.',
    'kubernetes.default.svc.cluster.local. 5 IN A 10.3.0.1',
  ]);
  assert.equal(r.external, undefined);
});

test('pod A records from the dashed address ("pods insecure")', () => {
  const idx = cluster();
  assert.deepEqual(lines(answer(idx.resolve('1-2-3-4.default.pod.cluster.local.', 'A'))), [
    '1-2-3-4.default.pod.cluster.local. 5 IN A 1.2.3.4',
  ]);
  assert.deepEqual(lines(answer(idx.resolve('2001-db8--1.default.pod.cluster.local.', 'AAAA'))), [
    '2001-db8--1.default.pod.cluster.local. 5 IN AAAA 2001:db8::1',
  ]);
  assert.equal(answer(idx.resolve('1-2-3.default.pod.cluster.local.', 'A')).rcode, 3);
  assert.equal(answer(idx.resolve('1-2-3-4.nowhere.pod.cluster.local.', 'A')).rcode, 3);
});

test('NXDOMAIN for names that do not exist, NODATA for names that exist without that type', () => {
  const idx = cluster();
  const rc = (name: string, type: string): [number, number, string | undefined] => {
    const r = answer(idx.resolve(name, type));
    return [r.rcode, r.answers.length, r.authorities[0]?.type];
  };
  assert.deepEqual(rc('kubernetes.default.svc.cluster.local.', 'AAAA'), [0, 0, 'SOA']);
  assert.deepEqual(rc('kubernetes.default.svc.cluster.local.', 'MX'), [0, 0, 'SOA']);
  assert.deepEqual(rc('kubernetes.default.svc.cluster.local.', 'TXT'), [0, 0, 'SOA']);
  assert.deepEqual(rc('nope.default.svc.cluster.local.', 'A'), [3, 0, 'SOA']);
  assert.deepEqual(rc('nope.default.svc.cluster.local.', 'TXT'), [3, 0, 'SOA']);
  assert.deepEqual(rc('default.svc.cluster.local.', 'A'), [0, 0, 'SOA']);
  assert.deepEqual(rc('nowhere.svc.cluster.local.', 'A'), [3, 0, 'SOA']);
  assert.deepEqual(rc('svc.cluster.local.', 'A'), [0, 0, 'SOA']);
  assert.deepEqual(rc('cluster.local.', 'A'), [0, 0, 'SOA']);
  assert.deepEqual(rc('cluster.local.', 'SOA'), [0, 1, undefined]);
  assert.deepEqual(rc('a.b.kubernetes.default.svc.cluster.local.', 'A'), [3, 0, 'SOA']);
  assert.deepEqual(rc('kubernetes.default.other.cluster.local.', 'A'), [3, 0, 'SOA']);
  assert.deepEqual(rc('dns-version.cluster.local.', 'A'), [3, 0, 'SOA']);
  const soa = answer(idx.resolve('nope.default.svc.cluster.local.', 'A')).authorities[0];
  assert.deepEqual(soa, {
    type: 'SOA',
    name: 'cluster.local',
    ttl: 5,
    data: {
      mname: 'ns.dns.cluster.local',
      rname: 'hostmaster.cluster.local',
      serial: 1700000000,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: 5,
    },
  });
});

test("comparisons are case-insensitive and answers keep the question's spelling", () => {
  assert.deepEqual(lines(answer(cluster().resolve('KUBERNETES.Default.svc.cluster.local.', 'A'))), [
    'KUBERNETES.Default.svc.cluster.local. 5 IN A 10.3.0.1',
  ]);
});

test('the TTL is configurable', () => {
  assert.deepEqual(
    lines(answer(cluster(30).resolve('kubernetes.default.svc.cluster.local.', 'A'))),
    ['kubernetes.default.svc.cluster.local. 30 IN A 10.3.0.1'],
  );
});

test('another cluster domain', () => {
  const idx = createRecordIndex({ zone: 'corp.example' });
  idx.setNamespace('default', true);
  idx.upsertService(projectService(svc('web', { clusterIP: '10.0.0.7', ports: [{ port: 80 }] })));
  idx.setSynced(true);
  assert.deepEqual(lines(answer(idx.resolve('web.default.svc.corp.example.', 'A'))), [
    'web.default.svc.corp.example. 5 IN A 10.0.0.7',
  ]);
  assert.equal(idx.resolve('web.default.svc.cluster.local.', 'A').kind, 'forward');
});

test('names outside the zone are forwarded; unknown names before the first list are SERVFAIL', () => {
  const idx = cluster();
  assert.equal(idx.resolve('example.com.', 'A').kind, 'forward');
  idx.setSynced(false);
  assert.equal(answer(idx.resolve('nope.default.svc.cluster.local.', 'A')).rcode, 2);
});

test('changes bump the generation; deleting a service removes its records', () => {
  const idx = cluster();
  const g = idx.generation();
  idx.deleteService('default', 'kubernetes');
  assert.ok(idx.generation() > g);
  assert.equal(answer(idx.resolve('kubernetes.default.svc.cluster.local.', 'A')).rcode, 3);
  assert.equal(idx.resolve('1.0.3.10.in-addr.arpa.', 'PTR').kind, 'answer'); // still an endpoint of headless
});

test('NS at the apex names this server, through the kube-dns service when it has one', () => {
  const idx = cluster();
  idx.setSelfAddresses(['192.0.2.10']);
  let r = answer(idx.resolve('cluster.local.', 'NS'));
  assert.deepEqual(lines(r), ['cluster.local. 5 IN NS ns.dns.cluster.local.']);
  idx.upsertService(
    projectService(
      svc(
        'kube-dns',
        { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
        'kube-system',
      ),
    ),
  );
  idx.upsertSlice(
    projectEndpointSlice(
      slice(
        'kube-dns',
        [{ addresses: ['192.0.2.10'] }],
        [{ name: 'dns', port: 53, protocol: 'UDP' }],
        'kube-system',
      ),
    ),
  );
  r = answer(idx.resolve('cluster.local.', 'NS'));
  assert.deepEqual(lines(r), ['cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.']);
  assert.deepEqual(lines(r, 'additionals'), [
    'kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10',
  ]);
});
