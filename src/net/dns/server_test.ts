// The DNS server inside a network namespace of the test's own, asked by the real `dig`
// and `nslookup`: UDP and TCP, EDNS0 buffer sizes and truncation, the answers' header
// flags; malformed messages (named cases and a seeded fuzz) answered FORMERR or dropped,
// never stopping the server.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as packet from 'dns-packet';
import {
  dig,
  k8s,
  nslookup,
  parseDig,
  sendRaw,
  startDnsFixture,
  type DnsFixture,
  createDnsNetns,
  type DnsNetns,
} from '../../../test/support/dns.js';
import { prng } from '../../../test/support/prng.js';

const skip =
  process.getuid?.() !== 0
    ? 'needs root (network namespaces)'
    : ['dig', 'nslookup', 'nsenter'].find(
          (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
        )
      ? 'dig, nslookup or nsenter is not installed'
      : false;

const MANY = 60;
const objects = [
  k8s.namespace('default'),
  k8s.namespace('kube-system'),
  k8s.service('default', 'kubia', {
    clusterIP: '10.96.100.1',
    clusterIPs: ['10.96.100.1'],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  }),
  k8s.service('default', 'kubia-headless', {
    clusterIP: 'None',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  }),
  k8s.slice(
    'default',
    'kubia-headless',
    [
      { addresses: ['10.244.0.11'], conditions: { ready: true } },
      { addresses: ['10.244.0.12'], conditions: { ready: true } },
      { addresses: ['10.244.0.13'], conditions: { ready: false } },
    ],
    [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ),
  k8s.service('default', 'many', { clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP' }] }),
  k8s.slice(
    'default',
    'many',
    Array.from({ length: MANY }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`] })),
    [{ port: 80, protocol: 'TCP' }],
  ),
];

/** A query as dig would send it (RD set), optionally with EDNS0. */
function query(name: string, type: packet.RecordType, id: number, edns?: number): Buffer {
  return packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type, name }],
    ...(edns
      ? {
          additionals: [
            { type: 'OPT', name: '.', udpPayloadSize: edns, flags: 0 } as packet.Answer,
          ],
        }
      : {}),
  });
}

describe('the DNS server, asked by dig and nslookup', { skip }, () => {
  let ns: DnsNetns;
  let server: DnsFixture;

  before(async () => {
    ns = createDnsNetns('skiff-dns');
    server = await startDnsFixture(ns.path, objects, { host: '127.0.0.1', port: 53 });
  });
  after(async () => {
    await server?.stop();
    ns?.remove();
  });

  test('A over UDP: NOERROR, authoritative, recursion desired echoed and not available', async () => {
    const r = parseDig(
      (await dig(ns.path, ['@127.0.0.1', 'kubia.default.svc.cluster.local'])).stdout,
    );
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.flags, ['qr', 'aa', 'rd']);
    assert.deepEqual(r.answers, ['kubia.default.svc.cluster.local. 5 IN A 10.96.100.1']);
    // dig sends EDNS0 (1232 bytes): the answer carries an OPT record with that size.
    assert.equal(r.udp, 1232);
  });

  test('the same over TCP', async () => {
    const r = parseDig(
      (await dig(ns.path, ['+tcp', '@127.0.0.1', 'kubia.default.svc.cluster.local'])).stdout,
    );
    assert.equal(r.status, 'NOERROR');
    assert.deepEqual(r.answers, ['kubia.default.svc.cluster.local. 5 IN A 10.96.100.1']);
  });

  test('NXDOMAIN and NODATA carry the zone SOA', async () => {
    const nx = parseDig(
      (await dig(ns.path, ['@127.0.0.1', 'nope.default.svc.cluster.local'])).stdout,
    );
    assert.equal(nx.status, 'NXDOMAIN');
    assert.deepEqual(nx.flags, ['qr', 'aa', 'rd']);
    assert.match(
      nx.authority[0] ?? '',
      /^cluster\.local\. 5 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/,
    );
    const nodata = parseDig(
      (await dig(ns.path, ['@127.0.0.1', 'kubia.default.svc.cluster.local', 'AAAA'])).stdout,
    );
    assert.equal(nodata.status, 'NOERROR');
    assert.deepEqual(nodata.answers, []);
    assert.equal(nodata.authority.length, 1);
  });

  test('SRV with the target address in the additional section; PTR with dig -x', async () => {
    const srv = parseDig(
      (await dig(ns.path, ['@127.0.0.1', '_http._tcp.kubia.default.svc.cluster.local', 'SRV']))
        .stdout,
    );
    assert.deepEqual(srv.answers, [
      '_http._tcp.kubia.default.svc.cluster.local. 5 IN SRV 0 100 80 kubia.default.svc.cluster.local.',
    ]);
    assert.deepEqual(srv.additional, ['kubia.default.svc.cluster.local. 5 IN A 10.96.100.1']);
    const ptr = parseDig((await dig(ns.path, ['@127.0.0.1', '-x', '10.96.100.1'])).stdout);
    assert.deepEqual(ptr.answers, [
      '1.100.96.10.in-addr.arpa. 5 IN PTR kubia.default.svc.cluster.local.',
    ]);
    const txt = parseDig(
      (await dig(ns.path, ['@127.0.0.1', 'dns-version.cluster.local', 'TXT'])).stdout,
    );
    assert.deepEqual(txt.answers, ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']);
  });

  test('nslookup of a headless service lists the ready pods', async () => {
    const r = await nslookup(ns.path, ['kubia-headless.default.svc.cluster.local', '127.0.0.1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const addrs = [...r.stdout.matchAll(/Address: (10\.244\.\S+)/g)].map((m) => m[1]).sort();
    assert.deepEqual(addrs, ['10.244.0.11', '10.244.0.12']);
  });

  test('several addresses come in turn: each query starts one further (round robin)', async () => {
    const firsts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = parseDig(
        (await dig(ns.path, ['@127.0.0.1', 'kubia-headless.default.svc.cluster.local'])).stdout,
      );
      assert.equal(r.answers.length, 2);
      firsts.push((r.answers[0] ?? '').split(' ').at(-1) ?? '');
    }
    assert.deepEqual(new Set(firsts), new Set(['10.244.0.11', '10.244.0.12']));
    assert.notEqual(firsts[0], firsts[1]);
    assert.equal(firsts[0], firsts[2]);
  });

  test('a large answer is truncated (TC) for a client without EDNS0, whole with +bufsize and over TCP', async () => {
    const small = parseDig(
      (await dig(ns.path, ['+noedns', '+ignore', '@127.0.0.1', 'many.default.svc.cluster.local']))
        .stdout,
    );
    assert.ok(small.flags.includes('tc'), small.flags.join(' '));
    assert.ok(
      small.answers.length > 0 && small.answers.length < MANY,
      String(small.answers.length),
    );
    const big = parseDig(
      (
        await dig(ns.path, [
          '+bufsize=4096',
          '+ignore',
          '@127.0.0.1',
          'many.default.svc.cluster.local',
        ])
      ).stdout,
    );
    assert.ok(!big.flags.includes('tc'));
    assert.equal(big.answers.length, MANY);
    // Without +ignore dig retries over TCP on TC and gets everything.
    const retried = parseDig(
      (await dig(ns.path, ['+noedns', '@127.0.0.1', 'many.default.svc.cluster.local'])).stdout,
    );
    assert.equal(retried.answers.length, MANY);
  });

  test('concurrent queries all get their own answer', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => i + 1000);
    const replies = await sendRaw(
      ns.path,
      '127.0.0.1',
      53,
      ids.map((id, i) =>
        query(
          i % 2 ? 'kubia.default.svc.cluster.local' : 'nope.default.svc.cluster.local',
          'A',
          id,
        ),
      ),
      3000,
      true,
    );
    replies.forEach((r, i) => {
      assert.ok(r, `no answer to query ${i}`);
      const d = packet.decode(r);
      assert.equal(d.id, ids[i]);
      assert.equal((d.flags ?? 0) & 0xf, i % 2 ? 0 : 3);
    });
  });

  test('malformed messages: dropped or answered FORMERR/NOTIMP/BADVERS, as miekg/dns accepts them', async () => {
    const ok = query('kubia.default.svc.cluster.local', 'A', 7);
    const header = (flags: number, qd: number, an = 0, ns_ = 0, ar = 0): Buffer => {
      const b = Buffer.alloc(12);
      b.writeUInt16BE(0x4242, 0);
      b.writeUInt16BE(flags, 2);
      b.writeUInt16BE(qd, 4);
      b.writeUInt16BE(an, 6);
      b.writeUInt16BE(ns_, 8);
      b.writeUInt16BE(ar, 10);
      return b;
    };
    const pointer = Buffer.concat([header(0x0100, 1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    const badVersion = query('kubia.default.svc.cluster.local', 'A', 9, 1232);
    badVersion[badVersion.length - 5] = 1; // the OPT record's EDNS version
    const cases: [string, Buffer, string | null][] = [
      ['five bytes', Buffer.from([1, 2, 3, 4, 5]), null],
      ['a response', Buffer.concat([header(0x8100, 1), ok.subarray(12)]), null],
      ['no question', header(0x0100, 0), 'FORMERR'],
      [
        'two questions',
        Buffer.concat([header(0x0100, 2), ok.subarray(12), ok.subarray(12)]),
        'FORMERR',
      ],
      [
        'an answer section in a query',
        Buffer.concat([header(0x0100, 1, 1), ok.subarray(12)]),
        'FORMERR',
      ],
      ['a cut question', ok.subarray(0, ok.length - 3), 'FORMERR'],
      ['a compression pointer as the question', pointer, 'FORMERR'],
      ['opcode STATUS', Buffer.concat([header(0x1100, 1), ok.subarray(12)]), 'NOTIMP'],
      ['EDNS version 1', badVersion, 'BADVERS'],
    ];
    const replies = await sendRaw(
      ns.path,
      '127.0.0.1',
      53,
      cases.map((c) => c[1]),
    );
    cases.forEach(([what, sent, want], i) => {
      const r = replies[i] ?? null;
      if (want === null) return assert.equal(r, null, `${what}: expected no answer`);
      assert.ok(r, `${what}: no answer`);
      assert.equal(r.readUInt16BE(0), sent.readUInt16BE(0), what);
      assert.ok(r.readUInt16BE(2) & 0x8000, `${what}: QR`);
      const rcode = r.readUInt16BE(2) & 0xf;
      if (want === 'BADVERS') {
        const d = packet.decode(r);
        const opt = d.additionals?.find((a) => a.type === 'OPT') as packet.OptAnswer | undefined;
        assert.equal(opt?.extendedRcode, 1, what);
        assert.equal(rcode, 0, what);
      } else assert.equal(rcode, { FORMERR: 1, NOTIMP: 4 }[want], what);
    });
    // And the server still answers.
    const r = parseDig(
      (await dig(ns.path, ['@127.0.0.1', 'kubia.default.svc.cluster.local'])).stdout,
    );
    assert.equal(r.status, 'NOERROR');
  });

  test('fuzz: 300 seeded mutations of real queries never stop the server; every answer is a response to its query', async () => {
    const rand = prng(20261207);
    const names = [
      'kubia.default.svc.cluster.local',
      'many.default.svc.cluster.local',
      'x.y',
      '1-2-3-4.default.pod.cluster.local',
    ];
    const types: packet.RecordType[] = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'MX'];
    const packets: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const base = query(
        names[Math.floor(rand() * names.length)] as string,
        types[Math.floor(rand() * types.length)] as packet.RecordType,
        i,
        rand() < 0.5 ? 512 + Math.floor(rand() * 4000) : undefined,
      );
      const p = Buffer.from(base);
      const kind = Math.floor(rand() * 4);
      if (kind === 0)
        for (let k = 0; k < 3; k++)
          p[2 + Math.floor(rand() * (p.length - 2))] = Math.floor(rand() * 256);
      const cut = kind === 1 ? p.subarray(0, 2 + Math.floor(rand() * (p.length - 2))) : p;
      const grown =
        kind === 2
          ? Buffer.concat([
              p,
              Buffer.from(
                Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)),
              ),
            ])
          : cut;
      const garbage =
        kind === 3
          ? Buffer.from(
              Array.from({ length: 2 + Math.floor(rand() * 60) }, () => Math.floor(rand() * 256)),
            )
          : grown;
      garbage.writeUInt16BE(i, 0); // IDs tell the answers apart
      packets.push(garbage);
    }
    const replies = await sendRaw(ns.path, '127.0.0.1', 53, packets, 100);
    let answered = 0;
    replies.forEach((r, i) => {
      if (!r) return;
      answered++;
      assert.ok(r.length >= 12, `answer ${i} shorter than a header`);
      assert.equal(r.readUInt16BE(0), i, `answer ${i} has another ID`);
      assert.ok(r.readUInt16BE(2) & 0x8000, `answer ${i} is not a response`);
      assert.ok(r.length <= 65535);
    });
    assert.ok(answered > 100, `only ${answered} answers`);
    const r = parseDig(
      (await dig(ns.path, ['@127.0.0.1', 'kubia.default.svc.cluster.local'])).stdout,
    );
    assert.equal(r.status, 'NOERROR');
    const tcp = parseDig(
      (await dig(ns.path, ['+tcp', '@127.0.0.1', 'kubia.default.svc.cluster.local'])).stdout,
    );
    assert.equal(tcp.status, 'NOERROR');
  });
});
