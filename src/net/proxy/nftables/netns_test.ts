// The nftables mode for real: rules applied with `nft` inside a test node namespace, with
// pods on a bridge and a second namespace standing for another machine; every check is a
// real connection (TCP, UDP) or a ping.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createLogger } from '../../../log/index.js';
import { skipReason, type TestNetns } from '../../../../test/support/agent-sandbox.js';
import { eventually } from '../../../../test/support/eventually.js';
import {
  CLUSTER_CIDR,
  createTestbed,
  GATEWAY,
  NODE_IP,
  OUTSIDE_IP,
  startClient,
  startServer,
  type Client,
  type Pod,
  type Server,
  type Testbed,
} from '../../../../test/support/proxy-netns.js';
import {
  servicePortKey,
  type ProxyEndpoint,
  type ProxyMode,
  type ProxyServicePort,
} from '../types.js';
import { createNftablesMode } from './mode.js';
import { endpointNames, serviceChainNames } from './names.js';

const skip = skipReason();
const logger = createLogger({ level: 'error' });

const ep = (pod: Pod, port: number, o: Partial<ProxyEndpoint> = {}): ProxyEndpoint => ({
  ip: pod.ip,
  port,
  ready: true,
  serving: true,
  terminating: false,
  local: true,
  ...o,
});

const svc = (name: string, o: Partial<ProxyServicePort>): ProxyServicePort => ({
  namespace: 'default',
  name,
  portName: '',
  protocol: 'TCP',
  clusterIPs: [],
  port: 80,
  externalIPs: [],
  loadBalancerIPs: [],
  loadBalancerSourceRanges: [],
  externalTrafficPolicy: 'Cluster',
  internalTrafficPolicy: 'Cluster',
  endpoints: [],
  ...o,
});

/**
 * An SCTP server (socat) in `netns` answering each association with "<label> saw <peer>";
 * or why there can be none here (no socat, a kernel without SCTP).
 */
async function startSctpServer(
  netns: string,
  port: number,
  label: string,
): Promise<{ stop(): void } | string> {
  const child = spawn(
    'nsenter',
    [
      `--net=${netns}`,
      '--',
      'socat',
      '-d',
      '-d',
      // Waits for the answer after the client's end of input (socat's default is 0.5 s).
      '-t',
      '5',
      `SCTP-LISTEN:${port},reuseaddr,fork`,
      // Reads the client's line first: a socket closed with unread data resets, and the
      // reset could overtake the answer.
      `SYSTEM:read line; echo "${label} saw $SOCAT_PEERADDR"`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stop = () => void child.kill('SIGKILL');
  let err = '';
  const up = await new Promise<boolean>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve(true);
    });
    child.on('close', () => resolve(false));
  });
  if (up) return { stop };
  stop();
  if (/failed to execute socat/.test(err)) return 'socat is not installed (apt-get install socat)';
  if (/Protocol not supported|Address family not supported/.test(err)) {
    const line = err.split('\n').find((l) => / E /.test(l)) ?? err;
    return `this kernel has no SCTP (socat: ${line.replace(/^.* E /, '').trim()})`;
  }
  throw new Error(`the SCTP server did not start: ${err}`);
}

/** One SCTP association from `ns` to host:port: what the server said. */
const sctpAsk = async (ns: TestNetns, host: string, port: number): Promise<string> =>
  (await ns.run(['socat', '-t', '3', '-T', '5', '-', `SCTP:${host}:${port}`], 'hi\n')).trim();

describe('nftables mode in a test node', { skip }, () => {
  let bed: Testbed;
  let pods: Pod[];
  let servers: Server[] = [];
  let mode: ProxyMode;
  let fromPod: Client;
  let fromOutside: Client;
  let fromNode: Client;
  const state = new Map<string, ProxyServicePort>();

  /** Puts service ports in the state (or takes them out) and syncs just those. */
  async function put(...ports: (ProxyServicePort | string)[]): Promise<void> {
    const changed = new Set<string>();
    for (const p of ports) {
      if (typeof p === 'string') state.delete(p);
      else state.set(servicePortKey(p), p);
      changed.add(typeof p === 'string' ? p : servicePortKey(p));
    }
    await mode.sync(state, changed);
  }

  const labels = async (c: Client, host: string, port: number, n: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const a = await c.tcp(host, port);
      assert.ok(a.reply, `${host}:${port}: ${a.error}`);
      seen.add(a.reply.split(' ')[0] ?? '');
    }
    return seen;
  };

  before(async () => {
    bed = await createTestbed();
    pods = [
      await bed.addPod('10.244.0.10'),
      await bed.addPod('10.244.0.11'),
      await bed.addPod('10.244.0.12'),
    ];
    servers = await Promise.all(pods.map((p, i) => startServer(p.ns.path, 8080, `pod${i}`)));
    mode = createNftablesMode({
      // As the agent in a namespace of its own: the node's address is on the pods' bridge.
      node: { name: 'n1', addresses: [GATEWAY], clusterCIDR: CLUSTER_CIDR },
      logger,
      netns: bed.node.path,
    });
    fromPod = startClient(pods[2]!.ns.path);
    fromOutside = startClient(bed.outside.path);
    fromNode = startClient(bed.node.path);
    await mode.sync(state, new Set());
  });
  after(async () => {
    for (const c of [fromPod, fromOutside, fromNode]) c?.stop();
    for (const s of servers) s.stop();
    await mode?.close();
    await bed?.remove();
  });

  test('a cluster IP balances over the ready endpoints, from a pod and from the node', async () => {
    await put(
      svc('kubia', {
        clusterIPs: ['10.96.0.20'],
        endpoints: [
          ep(pods[0]!, 8080),
          ep(pods[1]!, 8080),
          ep(pods[2]!, 8080, { ready: false, serving: false }),
        ],
      }),
    );
    assert.deepEqual([...(await labels(fromPod, '10.96.0.20', 80, 30))].sort(), ['pod0', 'pod1']);
    const a = await fromPod.tcp('10.96.0.20', 80);
    assert.match(a.reply ?? '', /saw 10\.244\.0\.12$/, 'a pod keeps its own source address');
    const n = await fromNode.tcp('10.96.0.20', 80);
    assert.match(n.reply ?? '', /^pod[01] saw 10\.244\.0\.1$/, 'the node is masqueraded');
  });

  test('a service with no endpoint refuses at once; its cluster IP does not answer ping', async () => {
    await put(svc('empty', { clusterIPs: ['10.96.0.21'] }));
    // Again and again: no ICMP redirect makes the pod look for the cluster IP on its link.
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      assert.equal((await fromPod.tcp('10.96.0.21', 80)).error, 'ECONNREFUSED');
      assert.ok(performance.now() - t0 < 1000);
    }
    assert.equal((await fromNode.tcp('10.96.0.21', 80)).error, 'ECONNREFUSED');
    // Another port of a cluster IP: refused too.
    assert.equal((await fromPod.tcp('10.96.0.20', 81)).error, 'ECONNREFUSED');
    const ping = await pods[2]!.ns
      .run(['busybox', 'ping', '-c', '1', '-W', '1', '10.96.0.20'])
      .then(
        () => 'answered',
        (e: Error) => e.message,
      );
    assert.notEqual(ping, 'answered');
  });

  test('ClientIP affinity keeps a client on one endpoint', async () => {
    await put(
      svc('sticky', {
        clusterIPs: ['10.96.0.22'],
        affinityTimeoutSeconds: 600,
        endpoints: [ep(pods[0]!, 8080), ep(pods[1]!, 8080)],
      }),
    );
    assert.equal((await labels(fromPod, '10.96.0.22', 80, 15)).size, 1);
    assert.equal((await labels(fromNode, '10.96.0.22', 80, 15)).size, 1);
  });

  test('ClientIP affinity with timeoutSeconds 2: sticky within it, free to move after it', async () => {
    const s = svc('sticky-short', {
      clusterIPs: ['10.96.0.33'],
      affinityTimeoutSeconds: 2,
      endpoints: [ep(pods[0]!, 8080), ep(pods[1]!, 8080)],
    });
    await put(s);
    const one = async (): Promise<string> => [...(await labels(fromPod, '10.96.0.33', 80, 1))][0]!;
    const first = await one();
    // Each connection within the timeout renews it.
    for (let i = 0; i < 10; i++) assert.equal(await one(), first, 'sticky within the timeout');
    const affinitySets = s.endpoints.map((e) => endpointNames(s, e).affinitySet);
    const remembered = async (): Promise<boolean> => {
      for (const set of affinitySets) {
        const text = await bed.node.run(['nft', 'list', 'set', 'ip', 'skiff-proxy', set]);
        assert.match(text, /timeout 2s/);
        if (text.includes(pods[2]!.ip)) return true;
      }
      return false;
    };
    assert.ok(await remembered(), 'the client is remembered');
    // Once the client is forgotten, a new connection is picked at random again: wait for one
    // that lands on the other endpoint (each try waits out the timeout first).
    const moved = await eventually(
      async () => {
        await eventually(async () => !(await remembered()), 'the client forgotten', {
          timeoutMs: 10_000,
          intervalMs: 250,
        });
        const now = await one();
        return now !== first ? now : undefined;
      },
      'a connection after the timeout on the other endpoint',
      { timeoutMs: 90_000, intervalMs: 0 },
    );
    assert.notEqual(moved, first);
  });

  test('terminating endpoints: never beside a ready one; alone, they serve until they stop', async () => {
    const s = svc('term', { clusterIPs: ['10.96.0.35'] });
    const terminating = { ready: false, serving: true, terminating: true };
    await put({ ...s, endpoints: [ep(pods[0]!, 8080), ep(pods[1]!, 8080, terminating)] });
    assert.deepEqual([...(await labels(fromPod, '10.96.0.35', 80, 20))], ['pod0']);
    // No endpoint ready any more, both terminating and still serving: both used, as
    // kube-proxy falls back to them.
    await put({
      ...s,
      endpoints: [ep(pods[0]!, 8080, terminating), ep(pods[1]!, 8080, terminating)],
    });
    assert.deepEqual([...(await labels(fromPod, '10.96.0.35', 80, 30))].sort(), ['pod0', 'pod1']);
    // One stops serving (its containers are stopping): the other one alone.
    await put({
      ...s,
      endpoints: [
        ep(pods[0]!, 8080, { ...terminating, serving: false }),
        ep(pods[1]!, 8080, terminating),
      ],
    });
    assert.deepEqual([...(await labels(fromPod, '10.96.0.35', 80, 20))], ['pod1']);
    // Gone: refused at once.
    await put({ ...s, endpoints: [ep(pods[1]!, 8080, { ...terminating, serving: false })] });
    assert.equal((await fromPod.tcp('10.96.0.35', 80)).error, 'ECONNREFUSED');
    await put(s);
    assert.equal((await fromPod.tcp('10.96.0.35', 80)).error, 'ECONNREFUSED');
  });

  test("internalTrafficPolicy Local: the cluster IP reaches only this node's endpoints", async () => {
    // pod0 stands for an endpoint on another node: it answers, so a wrong pick would show.
    const s = svc('itp-local', {
      clusterIPs: ['10.96.0.36'],
      internalTrafficPolicy: 'Local',
      endpoints: [ep(pods[0]!, 8080, { local: false }), ep(pods[1]!, 8080)],
    });
    await put(s);
    assert.deepEqual([...(await labels(fromPod, '10.96.0.36', 80, 30))], ['pod1']);
    assert.deepEqual([...(await labels(fromNode, '10.96.0.36', 80, 10))], ['pod1']);
    // The same endpoints under the Cluster policy: both.
    await put({ ...s, internalTrafficPolicy: 'Cluster' });
    assert.deepEqual([...(await labels(fromPod, '10.96.0.36', 80, 30))].sort(), ['pod0', 'pod1']);
    // Local again, and only the remote endpoint left: dropped, as kube-proxy does.
    await put({ ...s, endpoints: [ep(pods[0]!, 8080, { local: false })] });
    assert.equal((await fromPod.tcp('10.96.0.36', 80)).error, 'timeout');
  });

  test('SCTP: an association through a cluster IP, from a pod and from the node', async (t) => {
    const server = await startSctpServer(pods[1]!.ns.path, 9132, 'pod1');
    if (typeof server === 'string') return t.skip(server);
    try {
      await put(
        svc('sctp-live', {
          clusterIPs: ['10.96.0.37'],
          protocol: 'SCTP',
          endpoints: [ep(pods[1]!, 9132)],
        }),
      );
      assert.match(await sctpAsk(pods[2]!.ns, '10.96.0.37', 80), /^pod1 saw 10\.244\.0\.12$/);
      assert.match(await sctpAsk(bed.node, '10.96.0.37', 80), /^pod1 saw 10\.244\.0\.1$/);
    } finally {
      server.stop();
    }
  });

  test('NodePort from another machine (masqueraded) and on 127.0.0.1; Local keeps the source', async () => {
    await put(
      svc('np', {
        clusterIPs: ['10.96.0.23'],
        nodePort: 30123,
        endpoints: [ep(pods[0]!, 8080)],
      }),
      svc('np-local', {
        clusterIPs: ['10.96.0.24'],
        nodePort: 30124,
        externalTrafficPolicy: 'Local',
        endpoints: [ep(pods[1]!, 8080)],
      }),
      svc('np-remote-only', {
        clusterIPs: ['10.96.0.25'],
        nodePort: 30125,
        externalTrafficPolicy: 'Local',
        endpoints: [ep({ ip: '10.244.1.5' } as Pod, 8080, { local: false })],
      }),
    );
    assert.equal((await fromOutside.tcp(NODE_IP, 30123)).reply, `pod0 saw ${GATEWAY}`);
    assert.equal((await fromNode.tcp('127.0.0.1', 30123)).reply, `pod0 saw ${GATEWAY}`);
    assert.equal((await fromNode.tcp(NODE_IP, 30123)).reply, `pod0 saw ${GATEWAY}`);
    assert.equal((await fromOutside.tcp(NODE_IP, 30124)).reply, `pod1 saw ${OUTSIDE_IP}`);
    // Local policy and no endpoint on this node: dropped, as kube-proxy does.
    assert.equal((await fromOutside.tcp(NODE_IP, 30125)).error, 'timeout');
  });

  test('externalIPs and load-balancer IPs reach the service from outside', async () => {
    await bed.outside.run(['ip', 'route', 'add', '203.0.113.0/24', 'via', NODE_IP]);
    await put(
      svc('lb', {
        clusterIPs: ['10.96.0.26'],
        externalIPs: ['203.0.113.7'],
        loadBalancerIPs: ['203.0.113.8'],
        nodePort: 30126,
        endpoints: [ep(pods[1]!, 8080)],
      }),
    );
    assert.equal((await fromOutside.tcp('203.0.113.7', 80)).reply, `pod1 saw ${GATEWAY}`);
    assert.equal((await fromOutside.tcp('203.0.113.8', 80)).reply, `pod1 saw ${GATEWAY}`);
    // Source ranges that leave the outside machine out: dropped.
    await put(
      svc('lb', {
        clusterIPs: ['10.96.0.26'],
        loadBalancerIPs: ['203.0.113.8'],
        loadBalancerSourceRanges: ['10.0.0.0/8'],
        endpoints: [ep(pods[1]!, 8080)],
      }),
    );
    assert.equal((await fromOutside.tcp('203.0.113.8', 80)).error, 'timeout');
  });

  test('hairpin: a pod reaches itself through its service', async () => {
    await put(svc('self', { clusterIPs: ['10.96.0.27'], endpoints: [ep(pods[2]!, 8080)] }));
    assert.equal((await fromPod.tcp('10.96.0.27', 80)).reply, `pod2 saw ${GATEWAY}`);
  });

  test('UDP: a flow to a removed endpoint moves to the one left (conntrack flushed)', async () => {
    const dns = svc('dns', { clusterIPs: ['10.96.0.28'], protocol: 'UDP', port: 53 });
    await put({ ...dns, endpoints: [ep(pods[0]!, 8080)] });
    assert.equal((await fromPod.udp('10.96.0.28', 53, 5353)).reply, 'pod0 saw 10.244.0.12');
    await put({ ...dns, endpoints: [ep(pods[1]!, 8080)] });
    assert.equal((await fromPod.udp('10.96.0.28', 53, 5353)).reply, 'pod1 saw 10.244.0.12');
    // From no endpoint (rejected) to one: the same flow is answered.
    await put(dns);
    assert.equal((await fromPod.udp('10.96.0.28', 53, 5354)).reply, undefined);
    await put({ ...dns, endpoints: [ep(pods[0]!, 8080)] });
    assert.equal((await fromPod.udp('10.96.0.28', 53, 5354)).reply, 'pod0 saw 10.244.0.12');
  });

  test('SCTP and a service of 10,000 endpoints apply; the others keep serving', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      ep({ ip: `10.245.${i >> 8}.${i & 255}` } as Pod, 8080, { local: false }),
    );
    await put(
      svc('sctp', {
        clusterIPs: ['10.96.0.30'],
        protocol: 'SCTP',
        endpoints: [ep(pods[0]!, 8080)],
      }),
      svc('huge', { clusterIPs: ['10.96.0.31'], endpoints: many }),
    );
    const rules = await bed.node.run([
      'nft',
      'list',
      'chain',
      'ip',
      'skiff-proxy',
      serviceChainNames(svc('huge', {})).cluster,
    ]);
    assert.match(rules, /dnat ip to numgen random mod 10000 map \{ 0 : 10\.245\.0\.0 \. 8080, /);
    assert.match((await fromPod.tcp('10.96.0.27', 80)).reply ?? '', /^pod2 /);
    await put('default/huge:/TCP');
  });

  test('an endpoint change rewrites only that service; established connections survive', async () => {
    const two = svc('inc', {
      clusterIPs: ['10.96.0.29'],
      endpoints: [ep(pods[0]!, 8080), ep(pods[1]!, 8080)],
    });
    await put(two);
    const handles = async (chainPattern: RegExp) => {
      const text = await bed.node.run(['nft', '-a', 'list', 'table', 'ip', 'skiff-proxy']);
      return text
        .split('\n')
        .filter((l) => chainPattern.test(l))
        .join('\n');
    };
    const otherBefore = await handles(/default\/kubia\//);
    const held = await fromPod.hold('10.96.0.29', 80);
    assert.ok(held.reply, held.error);
    const heldPod = held.reply.startsWith('pod0') ? 0 : 1;
    const keep = pods[heldPod]!;
    const drop = pods[1 - heldPod]!;
    await put({ ...two, endpoints: [ep(keep, 8080)] });
    assert.equal((await fromPod.again()).reply, held.reply, 'the open connection still answers');
    const seen = await labels(fromPod, '10.96.0.29', 80, 10);
    assert.deepEqual([...seen], [`pod${heldPod}`]);
    assert.equal(await handles(/default\/kubia\//), otherBefore, 'other services untouched');
    await put({ ...two, endpoints: [ep(keep, 8080), ep(drop, 8080)] });
    assert.equal((await labels(fromPod, '10.96.0.29', 80, 30)).size, 2);
  });

  test('a failed transaction applies nothing, and the next sync rebuilds the table whole', async () => {
    // Someone deletes our table behind our back: the next incremental change cannot apply.
    await bed.node.run(['nft', 'delete', 'table', 'ip', 'skiff-proxy']);
    await assert.rejects(
      put(svc('rebuilt', { clusterIPs: ['10.96.0.32'], endpoints: [ep(pods[1]!, 8080)] })),
      /"nft -i" failed: Error: No such file or directory/,
    );
    await assert.rejects(bed.node.run(['nft', 'list', 'table', 'ip', 'skiff-proxy']));
    await mode.sync(state, new Set());
    assert.match((await fromPod.tcp('10.96.0.32', 80)).reply ?? '', /^pod1 /);
    assert.match((await fromPod.tcp('10.96.0.27', 80)).reply ?? '', /^pod2 /);
    assert.match((await fromPod.tcp('10.96.0.22', 80)).reply ?? '', /^pod[01] /);
  });

  test('a removed service leaves nothing behind, and a full sync after a restart converges', async () => {
    await put('default/inc:/TCP');
    // An address of the service range that is no service's: dropped, as kube-proxy does.
    assert.equal((await fromPod.tcp('10.96.0.29', 80)).error, 'timeout');
    // A new mode instance (an agent restart) first rebuilds from the kernel's table.
    await mode.close(true);
    mode = createNftablesMode({
      node: { name: 'n1', addresses: [NODE_IP], clusterCIDR: CLUSTER_CIDR },
      logger,
      netns: bed.node.path,
    });
    state.delete('default/kubia:/TCP');
    await mode.sync(state, new Set());
    assert.equal((await fromPod.tcp('10.96.0.21', 80)).error, 'ECONNREFUSED');
    assert.match((await fromPod.tcp('10.96.0.27', 80)).reply ?? '', /^pod2/);
    // Unused chains go a little later.
    const deadline = Date.now() + 5000;
    let chains = '';
    do {
      await new Promise((r) => setTimeout(r, 200));
      chains = await bed.node.run(['nft', 'list', 'chains', 'ip']);
    } while (/default\/(kubia|inc)\//.test(chains) && Date.now() < deadline);
    assert.doesNotMatch(chains, /default\/(kubia|inc)\//);
  });
});
