// The proxy's start and health without a kernel: a command runner whose `nft` refuses, fake
// modes, an in-process API server. Where nftables cannot hold the rules the automatic
// choice falls back to userspace with one line saying why; a forced nftables mode whose
// first sync fails fails the start with nft's words; a change that cannot be applied for
// longer than the health timeout turns the proxy (and its health checks) unhealthy.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { createLogger } from '../../log/index.js';
import { resources } from '../../client/index.js';
import { startTestApi, type TestApi } from '../../../test/support/inprocess.js';
import { eventually } from '../../../test/support/eventually.js';
import { hostCommands } from './host.js';
import { nftProbeScript, NFT_PROBE_TABLE, probeNftables, startServiceProxy } from './index.js';
import { startServiceProxy as startWithModes } from './proxy.js';
import { createHealthServer, healthBody } from './health-server.js';
import type { HostCommandRunner, ProxyMode, ProxyServicePort } from './types.js';

const NFT_ERROR = [
  'Error: Could not process rule: No such file or directory',
  `add rule ip ${NFT_PROBE_TABLE} filter-input ip daddr 192.0.2.1 ct state new fib daddr type local`,
  '                                                                          ^^^^^^^^^^^^^^^^^^^^',
].join('\n');

/** A runner that records each command; `nft` fails as a kernel without nft_fib would. */
function nftRefuses(): HostCommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run(argv) {
      calls.push(argv);
      if (argv[0] === 'nft') return Promise.resolve({ code: 1, stdout: '', stderr: NFT_ERROR });
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    },
  };
}

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', write: (l) => lines.push(l) }) };
}

const svcObject = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ port: 80 }], selector: { app: name } },
});

test('the probe applies a transaction with what the rules use, then deletes it', async () => {
  const script = nftProbeScript();
  for (const feature of [
    'fib daddr type local',
    'numgen random mod 2',
    'reject',
    'flags dynamic,timeout; timeout',
    'update @affinity',
    'type nat hook prerouting',
    'masquerade fully-random',
    'vmap @services',
  ])
    assert.ok(script.includes(feature), feature);
  const calls: { argv: string[]; input?: string }[] = [];
  const ok: HostCommandRunner = {
    run(argv, o) {
      calls.push({ argv, ...(o?.input !== undefined ? { input: o.input } : {}) });
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    },
  };
  assert.equal(await probeNftables(hostCommands(ok)), undefined);
  assert.deepEqual(
    calls.map((c) => c.argv.join(' ')),
    ['nft -f -', `nft delete table ip ${NFT_PROBE_TABLE}`],
  );
  assert.equal(calls[0]?.input, script);

  assert.equal(
    await probeNftables(hostCommands(nftRefuses())),
    'nftables cannot hold the service rules here: nft says "Error: Could not process rule: No such file or directory"',
  );
});

describe('start-up and health against an API server', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api?.close();
  });

  const fake =
    (name: ProxyMode['name'], sync: ProxyMode['sync'] = async () => undefined) =>
    (): ProxyMode => ({ name, sync, close: async () => undefined });

  test('automatic choice: nft that refuses the rules means userspace, with one line saying why', async () => {
    const { lines, logger } = capture();
    const runner = nftRefuses();
    const abort = new AbortController();
    const proxy = await startWithModes({
      client: api.client,
      signal: abort.signal,
      node: { name: 'n1', addresses: ['192.0.2.10'], clusterCIDR: '10.244.0.0/16' },
      logger,
      runner,
      modes: { nftables: fake('nftables'), userspace: fake('userspace') },
      nftablesProblem: () => probeNftables(hostCommands(runner)),
      healthCheckHost: false,
    });
    await proxy.ready();
    assert.equal(proxy.mode, 'userspace');
    const why = lines.filter((l) => l.includes('service proxy mode'));
    assert.equal(why.length, 1);
    assert.match(
      why[0] ?? '',
      /service proxy mode: userspace \(nftables cannot hold the service rules here: nft says \\?"Error: Could not process rule: No such file or directory\\?"\)/,
    );
    await proxy.close();
  });

  test("--proxy-mode nftables whose first sync fails: start-up fails with nft's message, no hang", async () => {
    const { lines, logger } = capture();
    const abort = new AbortController();
    const proxy = await startServiceProxy({
      client: api.client,
      signal: abort.signal,
      node: { name: 'n1', addresses: ['192.0.2.10'], clusterCIDR: '10.244.0.0/16' },
      logger,
      runner: nftRefuses(),
      mode: 'nftables',
      healthCheckHost: false,
    });
    const t0 = performance.now();
    await assert.rejects(
      proxy.ready(),
      /^Error: the nftables mode's first sync failed: "nft .*" failed: Error: Could not process rule: No such file or directory/,
    );
    // Three tries (1 s and 2 s apart), then the start fails.
    assert.ok(performance.now() - t0 < 10_000);
    assert.ok(lines.some((l) => l.includes('service proxy mode: nftables (as --proxy-mode asks)')));
    await proxy.close(true);
  });

  test('a change that cannot be applied for longer than the timeout makes the proxy unhealthy', async () => {
    let failing = false;
    const synced: string[][] = [];
    const { lines, logger } = capture();
    const abort = new AbortController();
    const proxy = await startWithModes({
      client: api.client,
      signal: abort.signal,
      node: { name: 'n1', addresses: ['192.0.2.10'], clusterCIDR: '10.244.0.0/16' },
      logger,
      modes: {
        nftables: fake('nftables', async (_state, changed) => {
          if (failing) throw new Error('"nft -i" failed: Error: No such file or directory');
          synced.push([...changed]);
        }),
      },
      nftablesProblem: async () => undefined,
      healthCheckHost: false,
      healthTimeoutMs: 300,
    });
    await proxy.ready();
    assert.equal(proxy.healthy(), true);
    failing = true;
    await api.client.create(resources.services, 'default', svcObject('health'));
    await eventually(
      () => lines.some((l) => l.includes('service rules not applied; retrying')),
      'the retry line',
    );
    // Within the timeout a failing change still counts as healthy (kube-proxy's grace).
    assert.equal(proxy.healthy(), true);
    await eventually(() => !proxy.healthy(), 'unhealthy after the timeout');
    failing = false;
    // The retry (1 s after the first failure) applies the change and health comes back.
    await eventually(() => proxy.healthy(), 'healthy again', 5000);
    assert.ok(synced.some((keys) => keys.includes('default/health:/TCP')));
    await proxy.close();
    await api.client.delete(resources.services, 'default', 'health');
  });
});

test('health check node ports answer 503 while the proxy is unhealthy, as kube-proxy', async () => {
  let proxyHealthy = true;
  // A port free now (a random one in the ephemeral range may be another test's connection).
  const port = await new Promise<number>((ok, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => ok(free));
    });
    probe.on('error', fail);
  });
  const server = createHealthServer(
    createLogger({ level: 'error' }),
    '127.0.0.1',
    () => proxyHealthy,
  );
  const sp: ProxyServicePort = {
    namespace: 'default',
    name: 'web',
    portName: '',
    protocol: 'TCP',
    clusterIPs: ['10.96.0.9'],
    port: 80,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    externalTrafficPolicy: 'Local',
    internalTrafficPolicy: 'Cluster',
    healthCheckNodePort: port,
    endpoints: [
      { ip: '10.244.0.5', port: 8080, ready: true, serving: true, terminating: false, local: true },
    ],
  };
  server.sync([sp]);
  const get = (): Promise<{ status: number; body: string }> =>
    new Promise((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/', timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', fail);
      req.end();
    });
  try {
    const up = await eventually(() => get(), 'health check listening');
    assert.equal(up.status, 200);
    assert.equal(up.body, healthBody('default', 'web', 1));
    proxyHealthy = false;
    const down = await get();
    assert.equal(down.status, 503);
    assert.equal(down.body, healthBody('default', 'web', 1, false));
    assert.match(down.body, /"localEndpoints": 1,\n\t"serviceProxyHealthy": false\n}$/);
  } finally {
    await server.close();
  }
});
