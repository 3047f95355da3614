import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { builtinControllers } from '../index.js';
import { createLoadBalancerController, LOAD_BALANCER_CLASS } from './index.js';
import {
  formatHostPorts,
  nodeHostPorts,
  NODE_HOST_PORTS_ANNOTATION,
} from '../../api/host-ports.js';

interface Svc extends KubeObject {
  status?: { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] } };
}

/** A test cluster with the controller, and the helpers its cases share. */
function cluster(pool?: string) {
  let env!: ControllerTestEnv;
  let nsCount = 0;
  const h = {
    get env() {
      return env;
    },
    async start() {
      env = await startControllers([createLoadBalancerController(pool ? { pool } : {})]);
    },
    async stop() {
      await env.stop();
    },
    async namespace(): Promise<string> {
      const ns = `lb-${++nsCount}`;
      await env.client.create(resources.namespaces, '', { metadata: { name: ns } });
      return ns;
    },
    async node(name: string, ip: string, ready = true, external?: string): Promise<void> {
      const status = {
        addresses: [
          { type: 'InternalIP', address: ip },
          ...(external ? [{ type: 'ExternalIP', address: external }] : []),
          { type: 'Hostname', address: name },
        ],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      };
      try {
        await env.client.create(resources.nodes, '', { metadata: { name } });
      } catch {
        // already there: only the status changes
      }
      await env.client.patch(
        resources.nodes,
        '',
        name,
        'merge',
        { status },
        {
          subresource: 'status',
        },
      );
    },
    async service(
      ns: string,
      name: string,
      ports: { name?: string; port: number; protocol?: string }[],
      spec: Record<string, unknown> = {},
    ): Promise<void> {
      await env.client.create(resources.services, ns, {
        metadata: { name },
        spec: { type: 'LoadBalancer', selector: { app: name }, ports, ...spec },
      });
    },
    async ips(ns: string, name: string): Promise<string[]> {
      const s = await env.client.get<Svc>(resources.services, ns, name);
      return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').sort();
    },
    async eventMessages(ns: string, name: string, reason: string): Promise<string[]> {
      const list = await env.client.list(resources.events, ns);
      return list.items
        .filter(
          (e) => (e['involvedObject'] as { name?: string }).name === name && e['reason'] === reason,
        )
        .map((e) => String(e['message']));
    },
    /** Waits for the service's addresses to be exactly `want`. */
    async hasIPs(ns: string, name: string, want: string[]): Promise<void> {
      await eventually(
        async () => JSON.stringify(await h.ips(ns, name)) === JSON.stringify(want),
        `${ns}/${name} to show ${JSON.stringify(want)}`,
      );
    },
    /** Gives the controller time to act by waiting for a later service of ours to be served. */
    async settled(ns: string): Promise<void> {
      const marker = `marker-${Math.random().toString(36).slice(2, 8)}`;
      await h.service(ns, marker, [{ port: 1, protocol: 'SCTP' }]);
      await eventually(async () => (await h.ips(ns, marker)).length > 0, `${marker} served`);
      await env.client.delete(resources.services, ns, marker);
    },
  };
  return h;
}

describe("load-balancer controller: the node's own ports", () => {
  const c = cluster();
  before(() => c.start());
  after(() => c.stop());

  /** A Ready node whose agent holds DNS and API server ports, kubelet on 10250. */
  async function holdingNode(name: string, ip: string, hostPorts: string | null): Promise<void> {
    await c.node(name, ip);
    await c.env.client.patch(resources.nodes, '', name, 'merge', {
      metadata: { annotations: { [NODE_HOST_PORTS_ANNOTATION]: hostPorts } },
    });
    await c.env.client.patch(
      resources.nodes,
      '',
      name,
      'merge',
      { status: { daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } },
      { subresource: 'status' },
    );
  }
  const ports = formatHostPorts(nodeHostPorts({ apiServerPort: 6443, dns: true }));

  it('a LoadBalancer on the DNS, API server or kubelet port stays pending, with the reason', async () => {
    await holdingNode('node-h', '10.0.0.31', ports);
    const ns = await c.namespace();
    // Seed 001's kubia-loadbalancer: port 80 is the ingress controller's, which gives it up.
    await c.service(ns, 'kubia-loadbalancer', [{ port: 80 }]);
    await c.service(ns, 'dns', [{ port: 53, protocol: 'UDP' }]);
    await c.service(ns, 'kubelet', [{ port: 10250 }]);
    await c.service(ns, 'api', [{ port: 6443 }]);
    await c.hasIPs(ns, 'kubia-loadbalancer', ['10.0.0.31']);
    await c.settled(ns);
    for (const [name, port, holder] of [
      ['dns', '53/UDP', 'cluster DNS'],
      ['kubelet', '10250/TCP', 'kubelet'],
      ['api', '6443/TCP', 'API server'],
    ] as const) {
      assert.deepEqual(await c.ips(ns, name), [], name);
      const msgs = await eventually(async () => {
        const m = await c.eventMessages(ns, name, 'SyncLoadBalancerFailed');
        return m.length > 0 && m;
      }, `${name} SyncLoadBalancerFailed`);
      assert.deepEqual(msgs, [
        `Error syncing load balancer: failed to ensure load balancer: port ${port} of node node-h (10.0.0.31) is used by the node's ${holder}`,
      ]);
    }
    // Cluster DNS goes (--disable-dns on the next start): port 53 is free.
    await holdingNode(
      'node-h',
      '10.0.0.31',
      formatHostPorts(nodeHostPorts({ apiServerPort: 6443 })),
    );
    await c.hasIPs(ns, 'dns', ['10.0.0.31']);
    assert.deepEqual(await c.ips(ns, 'api'), []);
  });
});

describe('load-balancer controller: node addresses', () => {
  const c = cluster();
  before(async () => {
    await c.start();
    await c.node('node-a', '10.0.0.11');
  });
  after(() => c.stop());

  it('gives a LoadBalancer service the node InternalIP, with events', async () => {
    const ns = await c.namespace();
    await c.service(ns, 'kubia', [{ port: 80 }]);
    await c.hasIPs(ns, 'kubia', ['10.0.0.11']);
    const s = await c.env.client.get<Svc>(resources.services, ns, 'kubia');
    assert.deepEqual(s.status?.loadBalancer?.ingress, [{ ip: '10.0.0.11', ipMode: 'VIP' }]);
    await eventually(
      async () => (await c.eventMessages(ns, 'kubia', 'EnsuredLoadBalancer')).length === 1,
      'EnsuredLoadBalancer event',
    );
    await c.env.client.delete(resources.services, ns, 'kubia');
  });

  it('keeps a second LoadBalancer on the same port and protocol pending, with a Warning why', async () => {
    const ns = await c.namespace();
    await c.service(ns, 'first', [{ port: 8080 }]);
    await c.hasIPs(ns, 'first', ['10.0.0.11']);
    await c.service(ns, 'second', [
      { name: 'a', port: 9090 },
      { name: 'b', port: 8080, protocol: 'TCP' },
    ]);
    // Another protocol on the same port number does not clash.
    await c.service(ns, 'udp', [{ port: 8080, protocol: 'UDP' }]);
    await c.hasIPs(ns, 'udp', ['10.0.0.11']);
    const warnings = await eventually(async () => {
      const m = await c.eventMessages(ns, 'second', 'SyncLoadBalancerFailed');
      return m.length ? m : undefined;
    }, 'a SyncLoadBalancerFailed event on the second service');
    assert.deepEqual(warnings, [
      `Error syncing load balancer: failed to ensure load balancer: port 8080/TCP of node node-a (10.0.0.11) is used by load balancer ${ns}/first`,
    ]);
    assert.deepEqual(await c.ips(ns, 'second'), []);

    // Deleting the holder frees the port for the pending one.
    await c.env.client.delete(resources.services, ns, 'first');
    await c.hasIPs(ns, 'second', ['10.0.0.11']);
    for (const n of ['second', 'udp']) await c.env.client.delete(resources.services, ns, n);
  });

  it('releases the address when the type changes, and the pending service gets it', async () => {
    const ns = await c.namespace();
    await c.service(ns, 'holder', [{ port: 443 }]);
    await c.hasIPs(ns, 'holder', ['10.0.0.11']);
    await c.service(ns, 'waiter', [{ port: 443 }]);
    await eventually(
      async () => (await c.eventMessages(ns, 'waiter', 'SyncLoadBalancerFailed')).length > 0,
      'waiter reported pending',
    );
    await c.env.client.patch(resources.services, ns, 'holder', 'merge', {
      spec: { type: 'ClusterIP' },
    });
    await c.hasIPs(ns, 'holder', []);
    await c.hasIPs(ns, 'waiter', ['10.0.0.11']);
    await eventually(
      async () => (await c.eventMessages(ns, 'holder', 'DeletedLoadBalancer')).length === 1,
      'DeletedLoadBalancer event',
    );
    for (const n of ['holder', 'waiter']) await c.env.client.delete(resources.services, ns, n);
  });

  it("leaves another class's service alone and serves its own class", async () => {
    const ns = await c.namespace();
    await c.service(ns, 'theirs', [{ port: 81 }], { loadBalancerClass: 'example.com/lb' });
    await c.service(ns, 'ours', [{ port: 82 }], { loadBalancerClass: LOAD_BALANCER_CLASS });
    await c.hasIPs(ns, 'ours', ['10.0.0.11']);
    await c.settled(ns);
    assert.deepEqual(await c.ips(ns, 'theirs'), []);
    assert.deepEqual(await c.eventMessages(ns, 'theirs', 'SyncLoadBalancerFailed'), []);
    for (const n of ['theirs', 'ours']) await c.env.client.delete(resources.services, ns, n);
  });

  it('follows nodes: a second node adds its address, a node not Ready leaves', async () => {
    const ns = await c.namespace();
    await c.service(ns, 'web', [{ port: 7000 }]);
    await c.hasIPs(ns, 'web', ['10.0.0.11']);
    await c.node('node-b', '10.0.0.12');
    await c.hasIPs(ns, 'web', ['10.0.0.11', '10.0.0.12']);
    await c.node('node-b', '10.0.0.12', false);
    await c.hasIPs(ns, 'web', ['10.0.0.11']);
    await c.env.client.delete(resources.nodes, '', 'node-b');
    await c.env.client.delete(resources.services, ns, 'web');
  });

  it('with externalTrafficPolicy Local, only nodes with a ready endpoint', async () => {
    const ns = await c.namespace();
    await c.node('node-c', '10.0.0.13');
    await c.service(ns, 'local', [{ port: 7100 }], { externalTrafficPolicy: 'Local' });
    await eventually(async () => {
      const m = await c.eventMessages(ns, 'local', 'SyncLoadBalancerFailed');
      return m.some((x) =>
        x.endsWith(
          'no Ready node has a ready endpoint of the service (externalTrafficPolicy: Local)',
        ),
      );
    }, 'Local service pending without endpoints');
    await c.env.client.create(resources.endpointSlices, ns, {
      metadata: { name: 'local-abc', labels: { 'kubernetes.io/service-name': 'local' } },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.244.0.5'],
          conditions: { ready: true },
          nodeName: 'node-c',
          targetRef: { kind: 'Pod', name: 'p', namespace: ns },
        },
      ],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    await c.hasIPs(ns, 'local', ['10.0.0.13']);
    await c.env.client.delete(resources.nodes, '', 'node-c');
    await c.hasIPs(ns, 'local', []);
    await c.env.client.delete(resources.services, ns, 'local');
  });
});

describe('load-balancer controller: seeded random changes', () => {
  const c = cluster();
  before(async () => {
    await c.start();
    await c.node('node-a', '10.0.0.11');
  });
  after(() => c.stop());

  it('settles with every port on the node held by one service, and no service pending without a clash', async () => {
    const ns = await c.namespace();
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ports = (i: number) => [{ port: 80 + (i % 3), protocol: i % 2 ? 'UDP' : 'TCP' }];
    const live = new Map<string, number>();
    for (let step = 0; step < 60; step++) {
      const name = `s${rand(8)}`;
      const kind = rand(3);
      if (!live.has(name)) {
        const p = rand(6);
        await c.service(ns, name, ports(p));
        live.set(name, p);
      } else if (kind === 0) {
        await c.env.client.delete(resources.services, ns, name);
        live.delete(name);
      } else if (kind === 1) {
        const s = await c.env.client.get<Svc>(resources.services, ns, name);
        const type =
          (s['spec'] as { type: string }).type === 'LoadBalancer' ? 'ClusterIP' : 'LoadBalancer';
        await c.env.client.patch(resources.services, ns, name, 'merge', { spec: { type } });
      }
    }
    await eventually(async () => {
      const list = (await c.env.client.list<Svc>(resources.services, ns)).items;
      const lbs = list.filter((s) => (s['spec'] as { type: string }).type === 'LoadBalancer');
      const key = (s: Svc) => {
        const p = (s['spec'] as { ports: { port: number; protocol: string }[] }).ports[0]!;
        return `${p.port}/${p.protocol}`;
      };
      const holders = new Map<string, string[]>();
      for (const s of lbs)
        if ((s.status?.loadBalancer?.ingress ?? []).length)
          holders.set(key(s), [...(holders.get(key(s)) ?? []), s.metadata.name ?? '']);
      const others = list.filter((s) => !lbs.includes(s));
      return (
        [...holders.values()].every((h) => h.length === 1) &&
        lbs.every((s) => holders.has(key(s))) &&
        others.every((s) => !(s.status?.loadBalancer?.ingress ?? []).length)
      );
    }, 'one holder per port, none pending without a clash');
  });
});

describe('load-balancer controller: --lb-pool', () => {
  // A /30: two usable addresses.
  const c = cluster('172.30.0.0/30');
  before(async () => {
    await c.start();
    await c.node('node-a', '10.0.0.11');
  });
  after(() => c.stop());

  it('gives each service its own pool address, the same port on each, until the pool runs out', async () => {
    const ns = await c.namespace();
    await c.service(ns, 'one', [{ port: 80 }]);
    await c.hasIPs(ns, 'one', ['172.30.0.1']);
    await c.service(ns, 'two', [{ port: 80 }]);
    await c.hasIPs(ns, 'two', ['172.30.0.2']);
    await c.service(ns, 'three', [{ port: 80 }]);
    const m = await eventually(async () => {
      const x = await c.eventMessages(ns, 'three', 'SyncLoadBalancerFailed');
      return x.length ? x : undefined;
    }, 'three pending');
    assert.deepEqual(m, [
      'Error syncing load balancer: failed to ensure load balancer: no address is left in the pool 172.30.0.0/30 (2 in use)',
    ]);
    assert.deepEqual(await c.ips(ns, 'three'), []);
    await c.env.client.delete(resources.services, ns, 'one');
    await c.hasIPs(ns, 'three', ['172.30.0.1']);
    for (const n of ['two', 'three']) await c.env.client.delete(resources.services, ns, n);
  });

  it('honours spec.loadBalancerIP inside the pool and says why outside it', async () => {
    const ns = await c.namespace();
    await c.service(ns, 'asks', [{ port: 80 }], { loadBalancerIP: '172.30.0.2' });
    await c.hasIPs(ns, 'asks', ['172.30.0.2']);
    await c.service(ns, 'outside', [{ port: 80 }], { loadBalancerIP: '192.0.2.9' });
    await eventually(async () => {
      const x = await c.eventMessages(ns, 'outside', 'SyncLoadBalancerFailed');
      return x.some((y) =>
        y.endsWith('requested address 192.0.2.9 is not in the pool 172.30.0.0/30'),
      );
    }, 'outside pending with its reason');
    for (const n of ['asks', 'outside']) await c.env.client.delete(resources.services, ns, n);
  });
});

describe('--disable-load-balancer', () => {
  it('leaves the controller out of the built-in list', () => {
    const names = (o: Parameters<typeof builtinControllers>[0]) =>
      builtinControllers(o).map((x) => x.name);
    assert.ok(names({}).includes('service-lb-controller'));
    assert.ok(!names({ loadBalancer: false }).includes('service-lb-controller'));
  });
});
