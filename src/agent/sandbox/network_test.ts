// The pod network for real, inside a test host namespace that plays the node: pods get
// namespaces, addresses and links; traffic flows pod to pod, to the gateway, out through
// masquerading and back to the same pod through a service; teardown leaves nothing.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '../runner/index.js';
import { run, which } from './exec.js';
import { isNetnsMounted, removeNetns } from './netns.js';
import { createPodNetwork, type PodNetwork } from './network.js';
import { hostVethName } from './pod-link.js';
import {
  connect,
  createTestNetns,
  serve,
  skipReason,
  type TestNetns,
} from '../../../test/support/agent-sandbox.js';

const skip = skipReason();
const runner = createCommandRunner();
after(() => runner.close());

const POD_CIDR = '10.244.0.0/24';

interface World {
  host: TestNetns;
  dataDir: string;
  net: PodNetwork;
  cleanups: (() => Promise<void> | void)[];
}

async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const host = await createTestNetns();
  const dataDir = await mkdtemp(join(tmpdir(), 'skiff-sandbox-'));
  const w: World = {
    host,
    dataDir,
    net: createPodNetwork({
      commandRunner: runner,
      dataDir,
      podCIDR: POD_CIDR,
      nodeNetns: host.path,
    }),
    cleanups: [],
  };
  try {
    await fn(w);
  } finally {
    for (const c of w.cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    // Whatever a failed test left: unmount namespaces before removing the data dir.
    for (const n of await readdir(join(dataDir, 'netns')).catch(() => []))
      await removeNetns(runner, join(dataDir, 'netns', n)).catch(() => undefined);
    await host.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ipJson = async (ns: string, ...args: string[]) =>
  JSON.parse(await run(runner, ['ip', '-j', ...args], { netns: ns })) as Record<string, any>[];

async function hostLinks(w: World): Promise<string[]> {
  return (await ipJson(w.host.path, 'link', 'show')).map((l) => String(l['ifname']));
}

async function rootHasLink(name: string): Promise<boolean> {
  // Read-only look at the machine's own namespace: the tests must never add anything there.
  try {
    await run(runner, ['ip', 'link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

test('two pods on a node bridge talk to each other, the gateway and the outside', { skip }, () =>
  withWorld(async (w) => {
    const { net, host } = w;
    const report = await net.setupNode();

    // The node side: bridge with the gateway address, forwarding, the masquerade rule.
    const [bridge] = await ipJson(host.path, 'addr', 'show', 'dev', 'skiff0');
    assert.ok((bridge?.['flags'] as string[]).includes('UP'));
    assert.deepEqual(
      (bridge?.['addr_info'] as { family: string; local: string; prefixlen: number }[])
        .filter((a) => a.family === 'inet')
        .map((a) => `${a.local}/${a.prefixlen}`),
      ['10.244.0.1/24'],
    );
    assert.equal((await host.run(['cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1');
    const rules = await host.run(['nft', 'list', 'table', 'ip', 'skiff']);
    assert.match(
      rules,
      /ip saddr 10\.244\.0\.0\/24 ip daddr != 10\.244\.0\.0\/16 ip daddr != 224\.0\.0\.0\/4 masquerade/,
    );

    const a = randomUUID();
    const b = randomUUID();
    const pa = await net.setupPod(a);
    const pb = await net.setupPod(b);
    assert.equal(pa.gateway, '10.244.0.1');
    assert.equal(pa.netnsPath, join(w.dataDir, 'netns', a));
    assert.notEqual(pa.ip, pb.ip);
    for (const ip of [pa.ip, pb.ip]) {
      assert.match(ip, /^10\.244\.0\.\d+$/);
      assert.ok(!['10.244.0.0', '10.244.0.1', '10.244.0.255'].includes(ip), ip);
    }
    assert.ok(await isNetnsMounted(pa.netnsPath));

    // Inside the pod: eth0 with the address and MTU, lo up, default route via the gateway.
    const [eth0] = await ipJson(pa.netnsPath, 'addr', 'show', 'dev', 'eth0');
    assert.equal(eth0?.['mtu'], 1500);
    assert.ok(
      (eth0?.['addr_info'] as { local: string; prefixlen: number }[]).some(
        (x) => x.local === pa.ip && x.prefixlen === 24,
      ),
    );
    const [lo] = await ipJson(pa.netnsPath, 'link', 'show', 'dev', 'lo');
    assert.ok((lo?.['flags'] as string[]).includes('UP'));
    const routes = await ipJson(pa.netnsPath, 'route', 'show', 'default');
    assert.equal(routes[0]?.['gateway'], '10.244.0.1');
    assert.equal(routes[0]?.['dev'], 'eth0');

    // The node end is on the bridge with hairpin on.
    const [veth] = await ipJson(host.path, '-d', 'link', 'show', 'dev', hostVethName(a));
    assert.equal(veth?.['master'], 'skiff0');

    // The gateway's MAC address stays put when ports come with lower addresses (a bridge whose
    // address was never set takes its lowest port's, under the pods' ARP caches).
    const bridgeMac = async () =>
      String((await ipJson(host.path, 'link', 'show', 'dev', 'skiff0'))[0]?.['address']);
    const mac = await bridgeMac();
    await run(
      runner,
      ['ip', 'link', 'set', 'dev', hostVethName(a), 'address', '02:00:00:00:00:01'],
      {
        netns: host.path,
      },
    );
    assert.equal(await bridgeMac(), mac);
    assert.equal(veth?.['linkinfo']?.['info_slave_data']?.['hairpin'], true);
    assert.equal(await rootHasLink(hostVethName(a)), false);

    // Pod to pod: the source address is kept (no masquerading inside the cluster network).
    const srvB = await serve(pb.netnsPath, '0.0.0.0', 8080, 'pod-b');
    w.cleanups.push(() => srvB.stop());
    assert.equal(await connect(pa.netnsPath, pb.ip, 8080), `pod-b saw ${pa.ip}`);

    // Pod to the gateway (the node).
    const srvNode = await serve(host.path, '10.244.0.1', 9100, 'node');
    w.cleanups.push(() => srvNode.stop());
    assert.equal(await connect(pa.netnsPath, '10.244.0.1', 9100), `node saw ${pa.ip}`);

    if (which('busybox')) {
      await run(runner, ['busybox', 'ping', '-c', '1', '-W', '2', '10.244.0.1'], {
        netns: pa.netnsPath,
      });
      await run(runner, ['busybox', 'ping', '-c', '1', '-W', '2', pb.ip], { netns: pa.netnsPath });
    }

    // Outside the cluster network: a namespace linked to the node only, with no route back
    // to the pods, sees the node's address.
    const outside = await createTestNetns('skiff-test-out');
    w.cleanups.push(() => outside.remove());
    await host.run(
      ['ip', '-batch', '-'],
      `link add name up0 type veth peer name down0 netns ${outside.path}\n` +
        'addr add 192.0.2.1/24 dev up0\nlink set dev up0 up\n',
    );
    await outside.run(
      ['ip', '-batch', '-'],
      'addr add 192.0.2.2/24 dev down0\nlink set dev down0 up\n',
    );
    const srvOut = await serve(outside.path, '192.0.2.2', 9000, 'outside');
    w.cleanups.push(() => srvOut.stop());
    assert.equal(await connect(pa.netnsPath, '192.0.2.2', 9000), 'outside saw 192.0.2.1');

    // Hairpin: a pod reaches itself through a service address, as the service proxy
    // will arrange it (DNAT to the endpoint, masquerade when the client is the endpoint).
    const srvA = await serve(pa.netnsPath, '0.0.0.0', 8080, 'pod-a');
    w.cleanups.push(() => srvA.stop());
    await host.run(
      ['nft', '-f', '-'],
      'table ip test-proxy {\n' +
        ' chain pre { type nat hook prerouting priority -100; ip daddr 10.96.0.100 tcp dport 80' +
        ` dnat to ${pa.ip}:8080; }\n` +
        ` chain post { type nat hook postrouting priority 100; ip saddr ${pa.ip} ip daddr ${pa.ip}` +
        ' masquerade; }\n}\n',
    );
    assert.equal(await connect(pa.netnsPath, '10.96.0.100', 80), 'pod-a saw 10.244.0.1');
    // Another pod through the same service: the reply crosses the bridge, so it is
    // un-NATed only when bridged traffic passes conntrack (br_netfilter).
    if (report.bridgeNetfilter)
      assert.equal(await connect(pb.netnsPath, '10.96.0.100', 80), `pod-a saw ${pb.ip}`);
  }),
);

test('set-up repeats, survives a restart and repairs; teardown leaves nothing', { skip }, () =>
  withWorld(async (w) => {
    const { host, dataDir } = w;
    let net = w.net;
    // A new namespace starts with the machine's own forwarding setting (IPv4 inherits it):
    // set it to 0 in this namespace, so teardown is seen to give back what it found.
    await host.run(['sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward']);
    await net.setupNode();
    await net.setupNode(); // idempotent
    const a = randomUUID();
    const b = randomUUID();
    const pa = await net.setupPod(a);
    assert.deepEqual(await net.setupPod(a), pa);

    // A new instance (the agent restarted) finds the same allocations and namespaces.
    net = createPodNetwork({
      commandRunner: runner,
      dataDir,
      podCIDR: POD_CIDR,
      nodeNetns: host.path,
    });
    await net.setupNode();
    assert.deepEqual(await net.setupPod(a), pa);
    const pb = await net.setupPod(b);
    assert.notEqual(pb.ip, pa.ip);
    assert.deepEqual((await net.ipam.list()).map((x) => x.uid).sort(), [a, b].sort());

    // The link lost (say, deleted by hand): a re-run puts it back with the same address.
    await host.run(['ip', 'link', 'del', 'dev', hostVethName(a)]);
    assert.deepEqual(await net.setupPod(a), pa);
    const srv = await serve(pb.netnsPath, '0.0.0.0', 8080, 'pod-b');
    w.cleanups.push(() => srv.stop());
    assert.equal(await connect(pa.netnsPath, pb.ip, 8080), `pod-b saw ${pa.ip}`);

    // Half-made after a crash: a namespace and an address, no link. Teardown copes, and
    // so does a second teardown of what is already gone.
    const c = randomUUID();
    await net.ipam.allocate(c);
    await writeFile(net.netnsPath(c), '');
    await run(runner, ['unshare', `--net=${net.netnsPath(c)}`, 'true']);
    const d = randomUUID(); // crashed before the mount: an empty file
    await writeFile(net.netnsPath(d), '');
    for (const uid of [c, d]) {
      await net.teardownPod(uid);
      await net.teardownPod(uid);
      assert.equal(await net.ipam.get(uid), undefined);
      assert.ok(!(await readdir(join(dataDir, 'netns'))).includes(uid));
    }

    // gc keeps the live pod and removes the rest.
    assert.deepEqual(await net.gc([a]), [b]);
    assert.ok(!(await hostLinks(w)).includes(hostVethName(b)));
    assert.ok(await isNetnsMounted(pa.netnsPath));
    assert.equal(await net.ipam.get(a), pa.ip);

    await net.teardownPod(a);
    assert.equal(await isNetnsMounted(pa.netnsPath), false);
    assert.deepEqual(await readdir(join(dataDir, 'netns')), []);
    assert.deepEqual(await net.ipam.list(), []);
    assert.deepEqual(
      (await hostLinks(w)).filter((n) => n.startsWith('veth')),
      [],
    );

    await net.teardownNode();
    assert.deepEqual(await hostLinks(w), ['lo']);
    assert.doesNotMatch(await host.run(['nft', 'list', 'tables']), /skiff/);
    assert.equal((await host.run(['cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '0');
    await net.teardownNode(); // again: nothing left to remove is fine
  }),
);

test('teardownNode removes pods still running and the node network', { skip }, () =>
  withWorld(async (w) => {
    await w.net.setupNode();
    const p = await w.net.setupPod(randomUUID());
    await w.net.teardownNode();
    assert.equal(await isNetnsMounted(p.netnsPath), false);
    assert.deepEqual(await hostLinks(w), ['lo']);
    assert.deepEqual(await w.net.ipam.list(), []);
  }),
);

test('hostNetwork pods use the node namespace', async () => {
  const given = createPodNetwork({
    commandRunner: runner,
    dataDir: '/nonexistent',
    podCIDR: POD_CIDR,
    nodeNetns: '/run/netns/x',
  });
  assert.equal(given.nodeNetnsPath(), '/run/netns/x');
  const own = createPodNetwork({
    commandRunner: runner,
    dataDir: '/nonexistent',
    podCIDR: POD_CIDR,
  });
  assert.equal(await readlink(own.nodeNetnsPath()), await readlink('/proc/self/ns/net'));
});

test('pod uids cannot name paths outside the data dir', () => {
  const net = createPodNetwork({
    commandRunner: runner,
    dataDir: '/nonexistent',
    podCIDR: POD_CIDR,
  });
  assert.throws(() => net.netnsPath('../etc'), /invalid pod uid/);
  assert.throws(() => net.netnsPath(''), /invalid pod uid/);
});
