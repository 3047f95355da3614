// Two guarantees of the nftables mode checked with real packets in a test node: the node's
// loopback is not reachable from another machine although route_localnet is set for
// NodePorts on 127.0.0.1 (CVE-2020-8558), and a table deleted behind the proxy's back is
// laid again by the retry of the change that found it missing, with the retry in the log.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../log/index.js';
import { resources } from '../../../client/index.js';
import { skipReason } from '../../../../test/support/agent-sandbox.js';
import { eventually } from '../../../../test/support/eventually.js';
import { startTestApi, type TestApi } from '../../../../test/support/inprocess.js';
import {
  CLUSTER_CIDR,
  createTestbed,
  GATEWAY,
  NODE_IP,
  startClient,
  startServer,
  type Client,
  type Pod,
  type Server,
  type Testbed,
} from '../../../../test/support/proxy-netns.js';
import {
  nftablesProblem,
  NFT_PROBE_TABLE,
  startServiceProxy,
  type ServiceProxy,
} from '../index.js';
import { servicePortKey, type ProxyMode, type ProxyServicePort } from '../types.js';
import { createNftablesMode } from './mode.js';
import { baseScript, LOCALNET_DROP, TABLE } from './rules.js';

const skip = skipReason();
const logger = createLogger({ level: 'error' });
/** A port only the node's loopback listens on (as a local admin API would). */
const LOOPBACK_PORT = 9099;

test('the loopback drop is part of the base layout, on input and output', () => {
  const base = baseScript({ clusterCIDR: CLUSTER_CIDR, serviceCIDR: '10.96.0.0/12' });
  for (const chain of ['filter-input', 'filter-output'])
    assert.ok(base.includes(`add rule ip ${TABLE} ${chain} ${LOCALNET_DROP}`), chain);
  // Before the chain's other rules, as kube-proxy's KUBE-FIREWALL comes first.
  const input = base.filter((l) => l.startsWith(`add rule ip ${TABLE} filter-input `));
  assert.equal(input[0], `add rule ip ${TABLE} filter-input ${LOCALNET_DROP}`);
});

describe('loopback and a deleted table, in a test node', { skip }, () => {
  let bed: Testbed;
  let pods: Pod[];
  const servers: Server[] = [];
  let fromOutside: Client;
  let fromNode: Client;
  let fromPod: Client;

  before(async () => {
    bed = await createTestbed();
    pods = [await bed.addPod('10.244.0.40'), await bed.addPod('10.244.0.41')];
    for (const [i, p] of pods.entries())
      servers.push(await startServer(p.ns.path, 8080, `pod${i}`));
    servers.push(await startServer(bed.node.path, LOOPBACK_PORT, 'loopback', '127.0.0.1'));
    // The other machine sends 127.0.0.0/8 to the node, as an attacker on its link can: its
    // own loopback address goes (replies from 127.0.0.1 would be martians to it), and
    // route_localnet lets 127.0.0.1 leave through eth0.
    await bed.outside.run([
      'sh',
      '-c',
      'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet; echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet; ' +
        `ip addr del 127.0.0.1/8 dev lo && ip route add 127.0.0.0/8 via ${NODE_IP} dev eth0`,
    ]);
    fromOutside = startClient(bed.outside.path);
    fromNode = startClient(bed.node.path);
    fromPod = startClient(pods[1]!.ns.path);
  });
  after(async () => {
    for (const c of [fromOutside, fromNode, fromPod]) c?.stop();
    for (const s of servers) s.stop();
    await bed?.remove();
  });

  test('another machine cannot reach the node loopback; 127.0.0.1:NODEPORT still answers on the node', async () => {
    const mode: ProxyMode = createNftablesMode({
      node: { name: 'n1', addresses: [GATEWAY], clusterCIDR: CLUSTER_CIDR },
      logger,
      netns: bed.node.path,
    });
    const state = new Map<string, ProxyServicePort>();
    const put = async (sp: ProxyServicePort): Promise<void> => {
      state.set(servicePortKey(sp), sp);
      await mode.sync(state, new Set([servicePortKey(sp)]));
    };
    const np = (name: string, ip: string, nodePort: number): ProxyServicePort => ({
      namespace: 'default',
      name,
      portName: '',
      protocol: 'TCP',
      clusterIPs: [ip],
      port: 80,
      nodePort,
      externalIPs: [],
      loadBalancerIPs: [],
      loadBalancerSourceRanges: [],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      endpoints: [
        {
          ip: pods[0]!.ip,
          port: 8080,
          ready: true,
          serving: true,
          terminating: false,
          local: true,
        },
      ],
    });
    try {
      // The first (full) sync lays the drop; route_localnet is on from here.
      await put(np('np', '10.96.0.40', 30140));
      assert.equal(
        (await fromOutside.tcp('127.0.0.1', LOOPBACK_PORT)).error,
        'timeout',
        'the loopback server from another machine',
      );
      assert.equal((await fromNode.tcp('127.0.0.1', 30140)).reply, `pod0 saw ${GATEWAY}`);
      assert.equal(
        (await fromNode.tcp('127.0.0.1', LOOPBACK_PORT)).reply,
        'loopback saw 127.0.0.1',
      );
      assert.match((await fromOutside.tcp(NODE_IP, 30140)).reply ?? '', /^pod0 /);

      // An incremental sync leaves the base chains alone: the drop stays.
      await put(np('np2', '10.96.0.41', 30141));
      assert.match((await fromNode.tcp('127.0.0.1', 30141)).reply ?? '', /^pod0 /);
      assert.equal((await fromOutside.tcp('127.0.0.1', LOOPBACK_PORT)).error, 'timeout');

      // Without the rule the same packets get in: the set-up above really routes 127.0.0.1.
      const listing = await bed.node.run([
        'nft',
        '-a',
        'list',
        'chain',
        'ip',
        TABLE,
        'filter-input',
      ]);
      const handle = /block incoming localnet connections.*# handle (\d+)/.exec(listing)?.[1];
      assert.ok(handle, listing);
      await bed.node.run(['nft', 'delete', 'rule', 'ip', TABLE, 'filter-input', 'handle', handle]);
      assert.equal(
        (await fromOutside.tcp('127.0.0.1', LOOPBACK_PORT)).reply,
        'loopback saw 192.168.77.2',
      );

      // A restarted proxy's full sync lays it again.
      await mode.close(true);
      const again = createNftablesMode({
        node: { name: 'n1', addresses: [GATEWAY], clusterCIDR: CLUSTER_CIDR },
        logger,
        netns: bed.node.path,
      });
      try {
        await again.sync(state, new Set(state.keys()));
        assert.equal((await fromOutside.tcp('127.0.0.1', LOOPBACK_PORT)).error, 'timeout');
        assert.match((await fromNode.tcp('127.0.0.1', 30140)).reply ?? '', /^pod0 /);
      } finally {
        await again.close();
      }
    } finally {
      await mode.close().catch(() => undefined);
    }
  });

  test('the automatic choice: the probe applies in the node and leaves nothing behind', async () => {
    assert.equal(await nftablesProblem(undefined, bed.node.path), undefined);
    const tables = await bed.node.run(['nft', 'list', 'tables']);
    assert.doesNotMatch(tables, new RegExp(NFT_PROBE_TABLE));
  });

  describe('the proxy over an API server', () => {
    let api: TestApi;
    let proxy: ServiceProxy;
    const lines: string[] = [];
    const abort = new AbortController();
    const slice = (pod: Pod) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'retry-1',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'retry' },
      },
      addressType: 'IPv4',
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: [pod.ip], conditions: { ready: true }, nodeName: 'n1' }],
    });

    before(async () => {
      api = await startTestApi();
      proxy = await startServiceProxy({
        client: api.client,
        signal: abort.signal,
        node: { name: 'n1', addresses: [NODE_IP], clusterCIDR: CLUSTER_CIDR },
        logger: createLogger({ level: 'warn', write: (l) => lines.push(l) }),
        netns: bed.node.path,
        mode: 'nftables',
        healthCheckHost: false,
      });
      await proxy.ready();
    });
    after(async () => {
      abort.abort();
      await proxy?.close(false);
      await api?.close();
    });

    test('a table deleted behind its back: the next change fails, is retried, and goes live', async () => {
      const svc = await api.client.create(resources.services, 'default', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'retry', namespace: 'default' },
        spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: 'retry' } },
      });
      const ip = (svc['spec'] as { clusterIP: string }).clusterIP;
      await api.client.create(resources.endpointSlices, 'default', slice(pods[0]!));
      await eventually(async () => /^pod0 /.test((await fromPod.tcp(ip, 80)).reply ?? ''), 'pod0');

      await bed.node.run(['nft', 'delete', 'table', 'ip', TABLE]);
      const current = await api.client.get(resources.endpointSlices, 'default', 'retry-1');
      await api.client.update(resources.endpointSlices, {
        ...slice(pods[1]!),
        metadata: current.metadata,
      });
      // No sync by hand: the runner's retry lays the whole table again.
      await eventually(async () => /^pod1 /.test((await fromPod.tcp(ip, 80)).reply ?? ''), 'pod1');
      const retry = lines.filter((l) => l.includes('service rules not applied; retrying'));
      assert.equal(retry.length, 1, lines.join('\n'));
      assert.match(retry[0] ?? '', /No such file or directory/);
      assert.match(retry[0] ?? '', /retryInMs.{0,3}1000/);
      // The loopback drop came back with it.
      const table = await bed.node.run(['nft', 'list', 'chain', 'ip', TABLE, 'filter-input']);
      assert.match(table, /block incoming localnet connections/);
      assert.equal(proxy.healthy(), true);
    });
  });
});
