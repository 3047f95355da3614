// End-to-end with the node agent, in a network namespace with nothing but loopback: the
// `kubernetes` service's endpoint is an address pods can reach (the node's pod-network
// gateway, not 127.0.0.1), the API server answers there, and seed 002's API access from a pod
// works with the mounted token and CA. A LoadBalancer service gets the node's address.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  E2E_NODE,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);
const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

describe('the API server from a pod', { skip }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string) =>
    c.kubectl(KUBECTL, args, { timeoutMs: 30_000, ...(input ? { input } : {}) });
  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.dnsutils] });
    c = startNodeCluster({ images: [images.archives[IMAGES.dnsutils]!] });
  });
  after(() => c?.stop());

  let address = '';
  test('the kubernetes Endpoints and EndpointSlice carry a routable address and the secure port', async () => {
    const ep = ok(
      await kubectl([
        'get',
        'endpoints',
        'kubernetes',
        '-o',
        'jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}',
      ]),
    );
    assert.match(ep, /^\d+\.\d+\.\d+\.\d+:\d+$/);
    assert.doesNotMatch(ep, /^127\./);
    assert.equal(ep.split(':')[1], String(c.port));
    address = ep;
    const slice = ok(
      await kubectl([
        'get',
        'endpointslice',
        'kubernetes',
        '-o',
        'jsonpath={.endpoints[0].addresses[0]}:{.ports[0].port}',
      ]),
    );
    assert.equal(slice, ep);
    // The node's own address on its pod network, which is also its InternalIP here.
    const nodeIP = ok(
      await kubectl([
        'get',
        'node',
        E2E_NODE,
        '-o',
        'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}',
      ]),
    );
    assert.equal(ep.split(':')[0], nodeIP);
  });

  test("seed 002: curl from a pod with the mounted token and CA, at the endpoint's address", async () => {
    assert.ok(address, 'the endpoint address (previous test)');
    const script =
      `curl -sS --max-time 10 --cacert ${SA}/ca.crt ` +
      `-H "Authorization: Bearer $(cat ${SA}/token)" https://${address}/api`;
    ok(
      await kubectl([
        'run',
        'api-client',
        `--image=${IMAGES.dnsutils}`,
        '--restart=Never',
        '--',
        'sh',
        '-c',
        script,
      ]),
    );
    const phase = await until('api-client to finish', async () => {
      const p = ok(await kubectl(['get', 'pod', 'api-client', '-o', 'jsonpath={.status.phase}']));
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    });
    const logs = ok(await kubectl(['logs', 'api-client']));
    assert.equal(phase, 'Succeeded', logs);
    const body = JSON.parse(logs) as {
      kind: string;
      versions: string[];
      serverAddressByClientCIDRs: { serverAddress: string }[];
    };
    assert.equal(body.kind, 'APIVersions');
    assert.deepEqual(body.versions, ['v1']);
    assert.equal(body.serverAddressByClientCIDRs[0]?.serverAddress, address);
  });

  test("a LoadBalancer service shows the node's address as EXTERNAL-IP", async () => {
    ok(await kubectl(['create', 'service', 'loadbalancer', 'kubia', '--tcp=80:8080']));
    const nodeIP = address.split(':')[0];
    await until('kubia EXTERNAL-IP', async () => {
      const row = parseTable(ok(await kubectl(['get', 'svc', 'kubia'])))[0];
      return row?.['EXTERNAL-IP'] === nodeIP ? true : undefined;
    });
  });
});
