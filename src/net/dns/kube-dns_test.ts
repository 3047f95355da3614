// The kube-dns Service and its endpoints, as nodes serving DNS keep them, against a real
// API server (in-process, memory store).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { resources } from '../../client/index.js';
import { startTestApi, type TestApi } from '../../../test/support/inprocess.js';
import { createKubeDnsRegistration, KUBE_DNS_NAME, KUBE_DNS_NAMESPACE } from './kube-dns.js';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api?.close();
});

const endpointIPs = async (): Promise<string[]> => {
  const ep = await api.client.get(resources.endpoints, KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
  return ((ep['subsets'] as { addresses?: { ip: string }[] }[] | undefined) ?? [])
    .flatMap((s) => s.addresses ?? [])
    .map((a) => a.ip);
};
const sliceIPs = async (): Promise<string[]> => {
  const s = await api.client.get(resources.endpointSlices, KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
  return ((s['endpoints'] as { addresses: string[] }[] | undefined) ?? []).flatMap(
    (e) => e.addresses,
  );
};

test('nodes put themselves into kube-dns, restore what is removed and take themselves out', async () => {
  const a = createKubeDnsRegistration({ client: api.client, nodeName: 'a', address: '192.0.2.1' });
  const b = createKubeDnsRegistration({ client: api.client, nodeName: 'b', address: '192.0.2.2' });
  await a.sync();
  const svc = await api.client.get<KubeObject>(
    resources.services,
    KUBE_DNS_NAMESPACE,
    KUBE_DNS_NAME,
  );
  const spec = svc['spec'] as { clusterIP: string; selector?: unknown; ports: { name: string }[] };
  assert.equal(spec.clusterIP, '10.96.0.10');
  assert.equal(spec.selector, undefined);
  assert.deepEqual(
    spec.ports.map((p) => p.name),
    ['dns', 'dns-tcp', 'metrics'],
  );
  assert.equal(svc.metadata.labels?.['kubernetes.io/cluster-service'], 'true');
  await b.sync();
  await a.sync(); // nothing to change: no write
  assert.deepEqual(await endpointIPs(), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(await sliceIPs(), ['192.0.2.1', '192.0.2.2']);
  const ep = await api.client.get(resources.endpoints, KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
  assert.equal(ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'], 'true');

  await api.client.delete(resources.endpoints, KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
  await a.sync();
  assert.deepEqual(await endpointIPs(), ['192.0.2.1']);
  await b.sync();
  assert.deepEqual(await endpointIPs(), ['192.0.2.1', '192.0.2.2']);

  await a.withdraw();
  assert.deepEqual(await endpointIPs(), ['192.0.2.2']);
  assert.deepEqual(await sliceIPs(), ['192.0.2.2']);
  await b.withdraw();
  assert.deepEqual(await endpointIPs(), []);
  assert.deepEqual(await sliceIPs(), []);
});

test('a kube-dns Service someone else made keeps its spec and gets the labels that list it', async () => {
  const api2 = await startTestApi();
  try {
    await api2.client.create(resources.services, KUBE_DNS_NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE },
      spec: { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    });
    await createKubeDnsRegistration({
      client: api2.client,
      nodeName: 'a',
      address: '192.0.2.1',
    }).sync();
    const svc = await api2.client.get(resources.services, KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
    assert.equal((svc['spec'] as { clusterIP: string }).clusterIP, '10.96.0.53');
    assert.equal(svc.metadata.labels?.['k8s-app'], 'kube-dns');
    assert.equal(svc.metadata.labels?.['kubernetes.io/name'], 'CoreDNS');
  } finally {
    await api2.close();
  }
});
