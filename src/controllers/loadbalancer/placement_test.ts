import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { place, type Holder, type PlacementRequest } from './placement.js';
import { parseAddressPool } from './pool.js';

const svc = (
  key: string,
  ports: string[],
  ips: string[] = [],
  created = '2026-01-01T00:00:00Z',
) => ({
  key,
  created,
  ports,
  ips,
  families: ['IPv4'],
});

describe('placement', () => {
  const nodes = [
    { node: 'a', ip: '10.0.0.1' },
    { node: 'b', ip: '10.0.0.2' },
  ];

  it('takes every node address where the ports are free', () => {
    const other: Holder = { key: 'ns/x', created: '', ips: ['10.0.0.1'], ports: ['80/TCP'] };
    assert.deepEqual(place({ service: svc('ns/s', ['80/TCP']), others: [other], nodes }), {
      ips: ['10.0.0.2'],
    });
    assert.deepEqual(place({ service: svc('ns/s', ['80/UDP']), others: [other], nodes }), {
      ips: ['10.0.0.1', '10.0.0.2'],
    });
  });

  it('between two holders of one port, the older keeps it', () => {
    const older: Holder = {
      key: 'ns/old',
      created: '2025-01-01T00:00:00Z',
      ips: ['10.0.0.1'],
      ports: ['80/TCP'],
    };
    const r: PlacementRequest = {
      service: svc('ns/new', ['80/TCP'], ['10.0.0.1']),
      others: [older],
      nodes: [nodes[0]!],
    };
    assert.deepEqual(place(r), {
      ips: [],
      pending: 'port 80/TCP of node a (10.0.0.1) is used by load balancer ns/old',
    });
  });

  it("never takes a port the node's own processes hold on its address", () => {
    const held = [
      {
        node: 'a',
        ip: '10.0.0.1',
        held: { '6443/TCP': 'API server', '53/UDP': 'cluster DNS' },
      },
      { node: 'b', ip: '10.0.0.2' },
    ];
    assert.deepEqual(place({ service: svc('ns/s', ['6443/TCP']), others: [], nodes: held }), {
      ips: ['10.0.0.2'],
    });
    // Even a service that holds it already (written before the node said so) gives it up.
    assert.deepEqual(
      place({
        service: svc('ns/s', ['8080/TCP', '53/UDP'], ['10.0.0.1']),
        others: [],
        nodes: [held[0]!],
      }),
      {
        ips: [],
        pending: "port 53/UDP of node a (10.0.0.1) is used by the node's cluster DNS",
      },
    );
    assert.deepEqual(place({ service: svc('ns/s', ['53/TCP']), others: [], nodes: held }), {
      ips: ['10.0.0.1', '10.0.0.2'],
    });
  });

  it('says when no node can serve', () => {
    assert.deepEqual(place({ service: svc('ns/s', ['80/TCP']), others: [], nodes: [] }), {
      ips: [],
      pending: 'there is no Ready node to serve it',
    });
  });

  it('pool: keeps an address it holds, skips network and broadcast addresses', () => {
    const pool = parseAddressPool('192.168.49.0/29');
    assert.equal(pool.size, 6);
    assert.equal(pool.has('192.168.49.0'), false);
    assert.equal(pool.has('192.168.49.7'), false);
    assert.deepEqual(
      place({ service: svc('ns/s', ['80/TCP'], ['192.168.49.5']), others: [], nodes, pool }),
      { ips: ['192.168.49.5'] },
    );
    assert.deepEqual(parseAddressPool('10.1.1.1/32').size, 1);
    assert.throws(() => parseAddressPool('10.1.1.0/33'), /is not an IPv4 CIDR/);
    assert.throws(() => parseAddressPool('fd00::/120'), /is not an IPv4 CIDR/);
  });

  it('never gives one address and port to two services (seeded random sequences)', () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const pool of [undefined, parseAddressPool('172.16.0.0/29')]) {
      for (let round = 0; round < 60; round++) {
        const held: Holder[] = [];
        for (let i = 0; i < 8; i++) {
          const ports = [`${80 + rand(3)}/${rand(2) ? 'TCP' : 'UDP'}`];
          const p = place({
            service: svc(`ns/s${i}`, ports, [], `2026-01-01T00:00:0${i}Z`),
            others: held,
            nodes,
            pool,
          });
          if (p.ips.length) held.push({ key: `ns/s${i}`, created: '', ips: p.ips, ports });
          else assert.ok('pending' in p && p.pending.length > 0);
        }
        for (const [i, a] of held.entries())
          for (const b of held.slice(i + 1))
            for (const ip of a.ips)
              if (b.ips.includes(ip))
                assert.ok(!pool && !a.ports.some((x) => b.ports.includes(x)), `${a.key} ${b.key}`);
      }
    }
  });
});
