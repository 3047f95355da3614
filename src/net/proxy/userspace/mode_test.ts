// The userspace mode in a namespace playing the node, with real sockets: pods and an outside
// host (namespaces of their own) reach services through the mode's listeners.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../log/index.js';
import { connect, serve, skipReason } from '../../../../test/support/agent-sandbox.js';
import { eventually } from '../../../../test/support/eventually.js';
import { servicePortKey, type ProxyMode, type ProxyServicePort } from '../types.js';
import { endpoint, servicePort } from './fixtures_test.js';
import { createLab, GATEWAY, NODE_IP, OUTSIDE_IP, type Lab, type Pod } from './lab_test.js';
import { createUserspaceMode } from './mode.js';
import type { SocketHost } from './sockets.js';

const skip = skipReason();
const NODE = { name: 'node-1', addresses: [NODE_IP], clusterCIDR: '10.244.0.0/16' };

/** Connects, reads the greeting line ("pod-N saw <client>"), closes. */
async function greet(h: SocketHost, ip: string, port: number): Promise<string> {
  const s = await h.dialTcp(ip, port, 3000);
  s.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let got = '';
    const t = setTimeout(() => s.destroy(new Error(`no greeting from ${ip}:${port}`)), 3000);
    s.on('data', (d: string) => {
      got += d;
      if (got.includes('\n')) {
        clearTimeout(t);
        s.destroy();
        resolve(got.split('\n')[0] as string);
      }
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('end', () => {
      clearTimeout(t);
      reject(new Error(`closed before a greeting (got "${got}")`));
    });
    s.resume();
  });
}

/** The error code a connection gets, and how long it took. */
async function failure(h: SocketHost, ip: string, port: number) {
  const t0 = Date.now();
  try {
    await greet(h, ip, port);
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code ?? (e as Error).message, ms: Date.now() - t0 };
  }
  return { code: 'connected', ms: Date.now() - t0 };
}

/** Sends one datagram and returns the first answer. */
async function udpAsk(h: SocketHost, ip: string, port: number, msg: string) {
  const s = await h.openUdp('udp4');
  try {
    return await new Promise<{ text: string; from: string }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no UDP answer from ${ip}:${port}`)), 3000);
      s.once('message', (m, r) => {
        clearTimeout(t);
        resolve({ text: m.toString(), from: `${r.address}:${r.port}` });
      });
      s.send(msg, port, ip);
    });
  } finally {
    s.close();
  }
}

const labelOf = (greeting: string): string => greeting.split(' ')[0] as string;
const podEndpoint = (p: Pod, o: Parameters<typeof endpoint>[1] = {}) =>
  endpoint(p.ip, { port: 8080, ...o });

describe('userspace mode in a network namespace', { skip, timeout: 120_000 }, () => {
  let lab: Lab;
  let mode: ProxyMode;
  let pods: Pod[];
  let fromPod: SocketHost; // a client pod (the last pod, never an endpoint)
  let fromNode: SocketHost;
  let fromOutside: SocketHost;

  const newMode = (): ProxyMode =>
    createUserspaceMode({
      node: NODE,
      logger: createLogger({ level: 'error' }),
      netns: lab.node.path,
      dialTimeoutsMs: [300, 300, 300, 300],
      udpIdleTimeoutMs: 5000,
      retryIntervalMs: 100,
      addressRefreshMs: 200,
    });

  /** Syncs exactly these service ports, every key marked changed. */
  const apply = (...sps: ProxyServicePort[]): Promise<void> => {
    const state = new Map(sps.map((sp) => [servicePortKey(sp), sp]));
    return mode.sync(state, new Set(state.keys()));
  };

  before(async () => {
    lab = await createLab(4);
    pods = lab.pods;
    fromPod = lab.sockets((pods[3] as Pod).ns);
    fromNode = lab.sockets(lab.node);
    fromOutside = lab.sockets(lab.outside);
    mode = newMode();
  });
  after(async () => {
    await mode?.close();
    await lab?.remove();
  });

  test('a pod and the node itself reach the cluster IP, landing on different pods', async () => {
    const [a, b, c] = pods as [Pod, Pod, Pod];
    const eps = [a, b, c].map((p) => podEndpoint(p));
    await apply(
      servicePort({ clusterIPs: ['10.96.0.10'], endpoints: eps }),
      servicePort({
        name: 'greet',
        clusterIPs: ['10.96.0.9'],
        endpoints: eps.map((e) => ({ ...e, port: 8081 })),
      }),
    );
    const addrs = await lab.node.run(['ip', '-br', 'addr', 'show', 'dev', 'skiff-svc0']);
    assert.match(addrs, /10\.96\.0\.10\/32/);
    // A client of its own (not the mode's socket helper) sees the proxied connection.
    const first = await connect((pods[3] as Pod).ns.path, '10.96.0.9', 80);
    assert.match(first, /^pod-[123] saw 10\.244\.0\.1$/);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(labelOf(await greet(fromPod, '10.96.0.10', 80)));
    assert.deepEqual([...seen].sort(), ['pod-1', 'pod-2', 'pod-3']);
    assert.match(await greet(fromNode, '10.96.0.10', 80), /^pod-[123] saw 10\.244\.0\.1$/);
  });

  test('ClientIP affinity keeps every connection of a client on one pod', async () => {
    await apply(
      servicePort({
        clusterIPs: ['10.96.0.11'],
        affinityTimeoutSeconds: 10800,
        endpoints: pods.slice(0, 3).map((p) => podEndpoint(p)),
      }),
    );
    const seen = new Set<string>();
    for (let i = 0; i < 15; i++) seen.add(labelOf(await greet(fromPod, '10.96.0.11', 80)));
    assert.equal(seen.size, 1, [...seen].join());
  });

  test('without endpoints a connection is refused at once; endpoints bring the service back', async () => {
    const sp = servicePort({ clusterIPs: ['10.96.0.12'] });
    await apply(sp);
    const f = await failure(fromPod, '10.96.0.12', 80);
    assert.equal(f.code, 'ECONNREFUSED');
    assert.ok(f.ms < 500, `refused after ${f.ms} ms`);
    await apply({ ...sp, endpoints: [podEndpoint(pods[0] as Pod)] });
    assert.equal(labelOf(await greet(fromPod, '10.96.0.12', 80)), 'pod-1');
    // Only not-ready endpoints left (and none terminating): refused again.
    await apply({
      ...sp,
      endpoints: [podEndpoint(pods[0] as Pod, { ready: false, serving: false })],
    });
    assert.equal((await failure(fromPod, '10.96.0.12', 80)).code, 'ECONNREFUSED');
    // A terminating endpoint still serving is used when no endpoint is ready.
    await apply({
      ...sp,
      endpoints: [podEndpoint(pods[1] as Pod, { ready: false, serving: true, terminating: true })],
    });
    assert.equal(labelOf(await greet(fromPod, '10.96.0.12', 80)), 'pod-2');
  });

  test('an endpoint that refuses or does not answer is skipped for another', async () => {
    await apply(
      servicePort({
        clusterIPs: ['10.96.0.13'],
        endpoints: [
          endpoint((pods[0] as Pod).ip, { port: 9999 }), // nothing listens: refused
          endpoint('10.244.0.250', { port: 8080 }), // nobody has the address: silence
          podEndpoint(pods[1] as Pod),
        ],
      }),
    );
    for (let i = 0; i < 8; i++)
      assert.equal(labelOf(await greet(fromPod, '10.96.0.13', 80)), 'pod-2');
    // Every endpoint dead: the client is reset, not left hanging.
    await apply(
      servicePort({
        clusterIPs: ['10.96.0.13'],
        endpoints: [endpoint((pods[0] as Pod).ip, { port: 9999 })],
      }),
    );
    assert.equal((await failure(fromPod, '10.96.0.13', 80)).code, 'ECONNRESET');
  });

  test('NodePort answers the outside host on the node address, and 127.0.0.1 on the node', async () => {
    await apply(
      servicePort({
        clusterIPs: ['10.96.0.14'],
        nodePort: 30123,
        endpoints: pods.slice(0, 2).map((p) => podEndpoint(p)),
      }),
    );
    assert.match(await greet(fromOutside, NODE_IP, 30123), /^pod-[12] saw 10\.244\.0\.1$/);
    assert.match(await greet(fromNode, '127.0.0.1', 30123), /^pod-[12] saw /);
    assert.match(await greet(fromPod, GATEWAY, 30123), /^pod-[12] saw /);
  });

  test('externalIPs and load-balancer IPs answer from outside; source ranges are enforced', async () => {
    const sp = servicePort({
      clusterIPs: ['10.96.0.15'],
      externalIPs: ['198.51.100.7'],
      loadBalancerIPs: ['198.51.100.8'],
      endpoints: [podEndpoint(pods[0] as Pod)],
    });
    await lab.outside
      .run(['ip', 'route', 'add', '198.51.100.0/24', 'via', NODE_IP])
      .catch(() => '');
    await apply(sp);
    assert.equal(labelOf(await greet(fromOutside, '198.51.100.7', 80)), 'pod-1');
    assert.equal(labelOf(await greet(fromOutside, '198.51.100.8', 80)), 'pod-1');
    await apply({ ...sp, loadBalancerSourceRanges: ['203.0.113.0/24'] });
    assert.notEqual((await failure(fromOutside, '198.51.100.8', 80)).code, 'connected');
    assert.equal(labelOf(await greet(fromOutside, '198.51.100.7', 80)), 'pod-1');
    await apply({ ...sp, loadBalancerSourceRanges: [`${OUTSIDE_IP}/32`] });
    assert.equal(labelOf(await greet(fromOutside, '198.51.100.8', 80)), 'pod-1');
  });

  test('a pod reaches itself through its own service (hairpin)', async () => {
    const self = pods[0] as Pod;
    await apply(servicePort({ clusterIPs: ['10.96.0.27'], endpoints: [podEndpoint(self)] }));
    assert.equal(await greet(lab.sockets(self.ns), '10.96.0.27', 80), `pod-1 saw ${GATEWAY}`);
  });

  test('internalTrafficPolicy Local: the cluster IP only reaches endpoints on this node', async () => {
    const sp = servicePort({
      clusterIPs: ['10.96.0.28'],
      internalTrafficPolicy: 'Local',
      endpoints: [podEndpoint(pods[0] as Pod, { local: false })],
    });
    await apply(sp);
    assert.equal((await failure(fromPod, '10.96.0.28', 80)).code, 'ECONNREFUSED');
    await apply({ ...sp, endpoints: [...sp.endpoints, podEndpoint(pods[1] as Pod)] });
    for (let i = 0; i < 8; i++)
      assert.equal(labelOf(await greet(fromPod, '10.96.0.28', 80)), 'pod-2');
  });

  test('externalTrafficPolicy Local: outside traffic only to local endpoints, refused without', async () => {
    const sp = servicePort({
      clusterIPs: ['10.96.0.16'],
      nodePort: 30124,
      externalTrafficPolicy: 'Local',
      endpoints: [podEndpoint(pods[0] as Pod, { local: false })],
    });
    await apply(sp);
    const f = await failure(fromOutside, NODE_IP, 30124);
    assert.equal(f.code, 'ECONNREFUSED');
    assert.equal(labelOf(await greet(fromPod, '10.96.0.16', 80)), 'pod-1');
    await apply({
      ...sp,
      endpoints: [podEndpoint(pods[0] as Pod, { local: false }), podEndpoint(pods[1] as Pod)],
    });
    for (let i = 0; i < 8; i++)
      assert.equal(labelOf(await greet(fromOutside, NODE_IP, 30124)), 'pod-2');
  });

  test('UDP: answers come back from the cluster IP; a removed endpoint loses its sessions', async () => {
    const udp = (eps: Pod[]) =>
      servicePort({
        name: 'dns',
        protocol: 'UDP',
        clusterIPs: ['10.96.0.53'],
        port: 53,
        nodePort: 30053,
        endpoints: eps.map((p) => endpoint(p.ip, { port: 5353 })),
      });
    await apply(udp([pods[0] as Pod, pods[1] as Pod]));
    const a = await udpAsk(fromPod, '10.96.0.53', 53, 'hello');
    assert.match(a.text, /^pod-[12] saw 10\.244\.0\.1: hello$/);
    assert.equal(a.from, '10.96.0.53:53');
    const o = await udpAsk(fromOutside, NODE_IP, 30053, 'hi');
    assert.match(o.text, /^pod-[12] saw 10\.244\.0\.1: hi$/);
    assert.equal(o.from, `${NODE_IP}:30053`);
    // One client socket keeps its session; after its endpoint goes, it lands on the other.
    const s = await fromPod.openUdp('udp4');
    const ask = (msg: string) =>
      new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no UDP answer')), 3000);
        s.once('message', (m) => {
          clearTimeout(t);
          resolve(m.toString());
        });
        s.send(msg, 53, '10.96.0.53');
      });
    try {
      const first = labelOf(await ask('one'));
      assert.equal(labelOf(await ask('two')), first);
      const remaining = pods.find((p) => p.label !== first) as Pod;
      await apply(udp([remaining]));
      assert.equal(labelOf(await ask('three')), remaining.label);
    } finally {
      s.close();
    }
    // No endpoint: ICMP port unreachable, which a connected socket reports as refused.
    await apply(udp([]));
    const refused = await fromPod.openUdp('udp4');
    let again: NodeJS.Timeout | undefined;
    try {
      const code = await new Promise<string>((resolve) => {
        const t = setTimeout(() => resolve('no answer at all'), 3000);
        refused.once('error', (e: NodeJS.ErrnoException) => {
          clearTimeout(t);
          resolve(e.code ?? e.message);
        });
        // A datagram's ICMP answer shows as an error on the socket: send until it does.
        refused.connect(53, '10.96.0.53', () => {
          refused.send('anyone?');
          again = setInterval(() => refused.send('anyone?'), 50);
        });
      });
      assert.equal(code, 'ECONNREFUSED');
    } finally {
      clearInterval(again);
      refused.close();
    }
  });

  test('NodePorts answer on every address of the node, UDP as TCP, and on one added later', async () => {
    await apply(
      servicePort({
        name: 'dns-np',
        protocol: 'UDP',
        clusterIPs: ['10.96.0.54'],
        port: 53,
        nodePort: 30054,
        endpoints: [endpoint((pods[0] as Pod).ip, { port: 5353 })],
      }),
      servicePort({
        name: 'web-np',
        clusterIPs: ['10.96.0.55'],
        nodePort: 30128,
        endpoints: [podEndpoint(pods[0] as Pod)],
      }),
    );
    // The pods' gateway is an address of the node, though not the one the node reports.
    const g = await udpAsk(fromPod, GATEWAY, 30054, 'gw');
    assert.equal(g.text, `pod-1 saw ${GATEWAY}: gw`);
    assert.equal(g.from, `${GATEWAY}:30054`, 'the answer comes from the address asked');
    assert.match(await greet(fromPod, GATEWAY, 30128), /^pod-1 saw /);
    assert.equal(
      (await udpAsk(fromNode, '127.0.0.1', 30054, 'lo')).text,
      `pod-1 saw ${GATEWAY}: lo`,
    );
    // An address the node gets after the mode started is served without a new sync.
    const late = '192.0.2.9';
    await lab.node.run(['ip', 'addr', 'add', `${late}/24`, 'dev', 'out0']);
    try {
      const a = await eventually(
        () => udpAsk(fromOutside, late, 30054, 'late'),
        `the UDP NodePort on ${late}, added after the sync`,
        15_000,
      );
      assert.equal(a.from, `${late}:30054`);
      assert.match(await greet(fromOutside, late, 30128), /^pod-1 saw /);
    } finally {
      await lab.node.run(['ip', 'addr', 'del', `${late}/24`, 'dev', 'out0']);
    }
  });

  test('an established connection survives syncs, even its service going; half-close is passed on', async () => {
    const sp = servicePort({
      clusterIPs: ['10.96.0.17'],
      endpoints: [podEndpoint(pods[0] as Pod)],
    });
    await apply(sp);
    const s = await fromPod.dialTcp('10.96.0.17', 80, 3000);
    s.setEncoding('utf8');
    let got = '';
    s.on('data', (d: string) => (got += d));
    const ended = new Promise<void>((resolve, reject) => {
      s.on('end', resolve);
      setTimeout(() => reject(new Error(`no end from the proxy; got "${got}"`)), 10_000).unref();
    });
    s.resume();
    await apply({ ...sp, endpoints: [podEndpoint(pods[0] as Pod), podEndpoint(pods[1] as Pod)] });
    await apply({ ...sp, nodePort: 30125, endpoints: [podEndpoint(pods[0] as Pod)] });
    // Even the service going away leaves the connection (as conntrack keeps a TCP flow):
    // its address stays until the connection is over.
    await apply();
    const svcAddrs = () => lab.node.run(['ip', '-br', 'addr', 'show', 'dev', 'skiff-svc0']);
    assert.match(await svcAddrs(), /10\.96\.0\.17\/32/);
    s.end('still here\n'); // our side done; the answer must still arrive
    await ended;
    assert.equal(got, `pod-1 saw ${GATEWAY}\npod-1: still here\n`);
    s.destroy();
    await eventually(
      async () => !/10\.96\.0\.17/.test(await svcAddrs()),
      'the address of the removed service gone once its last connection closed',
    );
  });

  test('SCTP and clashing frontends are left out while the other services keep working', async () => {
    await apply(
      servicePort({
        name: 'ok',
        clusterIPs: ['10.96.0.18'],
        endpoints: [podEndpoint(pods[0] as Pod)],
      }),
      servicePort({
        name: 'sctp',
        protocol: 'SCTP',
        clusterIPs: ['10.96.0.19'],
        endpoints: [podEndpoint(pods[0] as Pod)],
      }),
      servicePort({
        name: 'a',
        clusterIPs: ['10.96.0.20'],
        externalIPs: ['198.51.100.9'],
        endpoints: [podEndpoint(pods[0] as Pod)],
      }),
      servicePort({
        name: 'b',
        clusterIPs: ['10.96.0.21'],
        externalIPs: ['198.51.100.9'],
        endpoints: [podEndpoint(pods[1] as Pod)],
      }),
    );
    assert.equal(labelOf(await greet(fromPod, '10.96.0.18', 80)), 'pod-1');
    assert.equal(labelOf(await greet(fromPod, '10.96.0.21', 80)), 'pod-2');
    assert.equal(labelOf(await greet(fromOutside, '198.51.100.9', 80)), 'pod-1');
  });

  test('a service with 2,000 ports and one with 10,000 endpoints are served beside the others', async () => {
    const greetPort = (p: Pod, o: Parameters<typeof endpoint>[1] = {}) =>
      endpoint(p.ip, { port: 8081, ...o });
    const wide = Array.from({ length: 2000 }, (_, i) =>
      servicePort({
        name: 'wide',
        portName: `p${i}`,
        clusterIPs: ['10.96.2.1'],
        port: 10_000 + i,
        endpoints: [greetPort(pods[0] as Pod)],
      }),
    );
    const crowd = Array.from({ length: 10_000 }, (_, i) =>
      endpoint(`10.245.${i >> 8}.${i & 255}`, { ready: false, serving: false }),
    );
    const big = servicePort({
      name: 'big',
      clusterIPs: ['10.96.2.2'],
      endpoints: [...crowd, greetPort(pods[1] as Pod)],
    });
    const small = servicePort({
      name: 'small',
      clusterIPs: ['10.96.2.3'],
      endpoints: [greetPort(pods[2] as Pod)],
    });
    const t0 = Date.now();
    await apply(...wide, big, small);
    const ms = Date.now() - t0;
    assert.ok(ms < 60_000, `sync took ${ms} ms`);
    for (const port of [10_000, 10_777, 11_999])
      assert.equal(labelOf(await greet(fromPod, '10.96.2.1', port)), 'pod-1');
    assert.equal(labelOf(await greet(fromPod, '10.96.2.2', 80)), 'pod-2');
    assert.equal(labelOf(await greet(fromPod, '10.96.2.3', 80)), 'pod-3');
    // An endpoint change of the big service leaves the 2,000 listeners alone and is quick.
    const t1 = Date.now();
    await apply(...wide, { ...big, endpoints: [...crowd, greetPort(pods[2] as Pod)] }, small);
    const again = Date.now() - t1;
    assert.equal(labelOf(await greet(fromPod, '10.96.2.2', 80)), 'pod-3');
    assert.ok(again < 2_000, `endpoint change took ${again} ms`);
  });

  test('generated: random service states, each connection lands where the state says', async () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const candidates = pods.slice(0, 3);
    for (let round = 0; round < 50; round++) {
      const sps: ProxyServicePort[] = [];
      for (let i = 0; i < 4; i++) {
        const eps = candidates
          .filter(() => rand() < 0.5)
          .map((p) => podEndpoint(p, rand() < 0.2 ? { ready: false, serving: false } : {}));
        sps.push(
          servicePort({
            name: `gen-${i}`,
            clusterIPs: [`10.96.1.${i + 1}`],
            port: 80 + Math.floor(rand() * 3),
            ...(rand() < 0.3 ? { affinityTimeoutSeconds: 60 } : {}),
            endpoints: eps,
          }),
        );
      }
      await apply(...sps);
      for (const sp of sps) {
        const ip = sp.clusterIPs[0] as string;
        const ready = sp.endpoints.filter((e) => e.ready).map((e) => e.ip);
        if (ready.length === 0) {
          assert.equal(
            (await failure(fromPod, ip, sp.port)).code,
            'ECONNREFUSED',
            `round ${round} ${ip}`,
          );
          continue;
        }
        const greeting = await greet(fromPod, ip, sp.port);
        const pod = candidates.find((p) => p.label === labelOf(greeting));
        assert.ok(
          pod && ready.includes(pod.ip),
          `round ${round}: ${greeting} not in ${ready.join()}`,
        );
      }
    }
  });

  test('a port taken by another program is bound once it is free, without a new sync', async () => {
    const squatter = await serve(lab.node.path, '0.0.0.0', 30127, 'squatter');
    try {
      await apply(
        servicePort({
          clusterIPs: ['10.96.0.23'],
          nodePort: 30127,
          endpoints: [podEndpoint(pods[0] as Pod)],
        }),
      );
      // The cluster IP is served meanwhile.
      assert.equal(labelOf(await greet(fromPod, '10.96.0.23', 80)), 'pod-1');
      assert.equal(labelOf(await greet(fromOutside, NODE_IP, 30127)), 'squatter');
    } finally {
      squatter.stop();
    }
    await eventually(
      async () => labelOf(await greet(fromOutside, NODE_IP, 30127)) === 'pod-1',
      'the NodePort served by the proxy',
    );
  });

  test('a restart keeping the rules leaves the addresses; the next instance drops stale ones', async () => {
    await apply(
      servicePort({ clusterIPs: ['10.96.0.24'], endpoints: [podEndpoint(pods[0] as Pod)] }),
    );
    await mode.close(true);
    const kept = await lab.node.run(['ip', '-br', 'addr', 'show', 'dev', 'skiff-svc0']);
    assert.match(kept, /10\.96\.0\.24\/32/);
    // Nobody listens meanwhile: refused at once, not left to time out.
    assert.equal((await failure(fromPod, '10.96.0.24', 80)).code, 'ECONNREFUSED');
    mode = newMode();
    await apply(
      servicePort({ clusterIPs: ['10.96.0.25'], endpoints: [podEndpoint(pods[1] as Pod)] }),
    );
    const now = await lab.node.run(['ip', '-br', 'addr', 'show', 'dev', 'skiff-svc0']);
    assert.match(now, /10\.96\.0\.25\/32/);
    assert.doesNotMatch(now, /10\.96\.0\.24/);
    assert.equal(labelOf(await greet(fromPod, '10.96.0.25', 80)), 'pod-2');
  });

  test('close removes the listeners and the service-address interface', async () => {
    await apply(
      servicePort({
        clusterIPs: ['10.96.0.26'],
        nodePort: 30126,
        endpoints: [podEndpoint(pods[0] as Pod)],
      }),
    );
    assert.equal(labelOf(await greet(fromOutside, NODE_IP, 30126)), 'pod-1');
    await mode.close();
    assert.equal((await failure(fromOutside, NODE_IP, 30126)).code, 'ECONNREFUSED');
    await assert.rejects(
      lab.node.run(['ip', 'link', 'show', 'dev', 'skiff-svc0']),
      /does not exist/,
    );
  });
});
