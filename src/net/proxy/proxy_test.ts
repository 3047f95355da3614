// The proxy as a node runs it: a real API server, informers on Services and EndpointSlices,
// the nftables mode programming a test node namespace; connections from a pod prove each
// change is live. Plus the mode choice and the health check node port.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createLogger } from '../../log/index.js';
import { resources } from '../../client/index.js';
import { startTestApi, type TestApi } from '../../../test/support/inprocess.js';
import { eventually } from '../../../test/support/eventually.js';
import { skipReason } from '../../../test/support/agent-sandbox.js';
import {
  CLUSTER_CIDR,
  createTestbed,
  NODE_IP,
  startClient,
  startServer,
  type Client,
  type Pod,
  type Server,
  type Testbed,
} from '../../../test/support/proxy-netns.js';
import { chooseMode } from './proxy.js';
import { startServiceProxy, type ServiceProxy } from './index.js';
import { healthBody } from './health-server.js';
import type { ProxyMode } from './types.js';

const skip = skipReason();

test('mode choice: nftables where it works, else userspace with the reason, or a clear error', async () => {
  const fake = (name: ProxyMode['name']) => (): ProxyMode => ({
    name,
    sync: async () => undefined,
    close: async () => undefined,
  });
  const both = { nftables: fake('nftables'), userspace: fake('userspace') };
  assert.deepEqual(await chooseMode({ modes: both, nftablesProblem: async () => undefined }), {
    name: 'nftables',
    why: 'nftables works here',
  });
  assert.deepEqual(
    await chooseMode({ modes: both, nftablesProblem: async () => 'not running as root' }),
    { name: 'userspace', why: 'not running as root' },
  );
  assert.equal(
    (await chooseMode({ modes: both, mode: 'userspace', nftablesProblem: async () => undefined }))
      .name,
    'userspace',
  );
  await assert.rejects(
    chooseMode({
      modes: { nftables: both.nftables },
      mode: 'userspace',
      nftablesProblem: async () => undefined,
    }),
    /proxy mode "userspace" is not available in this build/,
  );
  await assert.rejects(
    chooseMode({
      modes: { nftables: both.nftables },
      nftablesProblem: async () => 'not running as root',
    }),
    /no service proxy mode can run here: not running as root/,
  );
});

const HEALTH_PORT = 32000 + Math.floor(Math.random() * 700);

function httpGet(port: number): Promise<{ status: number; type: string; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

describe('the service proxy over a real API server', { skip }, () => {
  let api: TestApi;
  let bed: Testbed;
  let pods: Pod[];
  let servers: Server[];
  let proxy: ServiceProxy;
  let client: Client;
  const abort = new AbortController();

  const slice = (ready: boolean[]) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'web' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: pods.slice(0, 2).map((p, i) => ({
      addresses: [p.ip],
      conditions: { ready: ready[i] },
      nodeName: 'n1',
    })),
  });

  before(async () => {
    api = await startTestApi();
    bed = await createTestbed();
    pods = [
      await bed.addPod('10.244.0.20'),
      await bed.addPod('10.244.0.21'),
      await bed.addPod('10.244.0.22'),
    ];
    servers = await Promise.all(
      pods.slice(0, 2).map((p, i) => startServer(p.ns.path, 8080, `web${i}`)),
    );
    client = startClient(pods[2]!.ns.path);
    proxy = await startServiceProxy({
      client: api.client,
      signal: abort.signal,
      node: { name: 'n1', addresses: [NODE_IP], clusterCIDR: CLUSTER_CIDR },
      logger: createLogger({ level: 'error' }),
      netns: bed.node.path,
      healthCheckHost: '127.0.0.1',
    });
    await proxy.ready();
  });
  after(async () => {
    abort.abort();
    client?.stop();
    for (const s of servers ?? []) s.stop();
    await proxy?.close(false);
    await bed?.remove();
    await api?.close();
  });

  test('a Service and its EndpointSlice become live rules; readiness changes follow', async () => {
    assert.equal(proxy.mode, 'nftables');
    const svc = await api.client.create(resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: HEALTH_PORT,
        ports: [{ name: 'http', port: 80, targetPort: 'http' }],
        selector: { app: 'web' },
      },
    });
    const ip = (svc['spec'] as { clusterIP: string }).clusterIP;
    // No endpoints yet: refused at once, and the health check says 503.
    await eventually(async () => (await client.tcp(ip, 80)).error === 'ECONNREFUSED', 'refused');
    const down = await eventually(async () => {
      const r = await httpGet(HEALTH_PORT);
      return r.status === 503 && r;
    }, 'health check 503');
    assert.equal(down.body, healthBody('default', 'web', 0));
    assert.equal(down.type, 'application/json');

    await api.client.create(resources.endpointSlices, 'default', slice([true, false]));
    await eventually(
      async () => /^web0 /.test((await client.tcp(ip, 80)).reply ?? ''),
      'web0 live',
    );
    for (let i = 0; i < 10; i++) assert.match((await client.tcp(ip, 80)).reply ?? '', /^web0 /);
    const up = await httpGet(HEALTH_PORT);
    assert.equal(up.status, 200);
    assert.equal(up.body, healthBody('default', 'web', 1));
    assert.match(up.body, /"localEndpoints": 1,\n\t"serviceProxyHealthy": true\n}$/);

    // web1 turns ready: from the API write to the first connection that reaches it.
    const current = await api.client.get(resources.endpointSlices, 'default', 'web-1');
    const t0 = performance.now();
    await api.client.update(resources.endpointSlices, {
      ...slice([true, true]),
      metadata: current.metadata,
    });
    await eventually(
      async () => /^web1 /.test((await client.tcp(ip, 80)).reply ?? ''),
      'web1 live',
      {
        intervalMs: 1,
      },
    );
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `live after ${ms} ms`);

    await api.client.delete(resources.services, 'default', 'web');
    await eventually(async () => (await client.tcp(ip, 80)).error === 'timeout', 'service gone');
    await eventually(
      async () =>
        httpGet(HEALTH_PORT).then(
          () => false,
          () => true,
        ),
      'health port closed',
    );
  });
});
