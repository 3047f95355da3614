// The dashboard's Service, mirror pod and endpoints against a real API server (in-process,
// memory store, bootstrap RBAC policy): what the cluster makes, and what the dashboard's own
// identity may keep — and nothing beyond.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import {
  createClient,
  createInProcessTransport,
  isNotFound,
  resources,
  StatusError,
  type Client,
} from '../../client/index.js';
import { startTestApi, type TestApi } from '../../../test/support/inprocess.js';
import { ensureMirrorPod, MIRROR_ANNOTATION, mirrorPodName } from './mirror-pod.js';
import {
  dashboardEndpoints,
  DASHBOARD_NAMESPACE as NS,
  DASHBOARD_SERVICE as SVC,
  ensureDashboardService,
} from './service.js';

/** The user `skiff up` runs the dashboard as (SKIFF_IDENTITIES.dashboard). */
const USER = 'system:skiff-dashboard';
let api: TestApi;
let own: Client;
const NODE = { nodeName: 'n1', address: '10.244.0.1', port: 8443 };
before(async () => {
  api = await startTestApi();
  own = createClient(
    createInProcessTransport((req) =>
      api.server.handler({
        ...req,
        credentials: { certificateUser: { name: USER, groups: [] } },
      }),
    ),
    'skiff-dashboard',
  );
});
after(async () => {
  await api?.close();
});

const sliceEndpoints = async () =>
  ((await api.client.get(resources.endpointSlices, NS, SVC))['endpoints'] ?? []) as {
    addresses: string[];
    targetRef?: { name: string; uid?: string };
  }[];

test('the Service: no selector, one unnamed port 443 to the dashboard port (the seed URL selects it)', async () => {
  await ensureDashboardService(api.client, 8443, USER);
  await ensureDashboardService(api.client, 8443, USER); // again: no error
  const svc = await api.client.get<KubeObject>(resources.services, NS, SVC);
  const spec = svc['spec'] as { selector?: unknown; ports: Record<string, unknown>[] };
  assert.equal(spec.selector, undefined);
  assert.equal(spec.ports.length, 1);
  assert.equal(spec.ports[0]?.['name'], undefined);
  assert.equal(spec.ports[0]?.['port'], 443);
  assert.equal(spec.ports[0]?.['targetPort'], 8443);
  // Another port at the next start: the Service follows.
  await ensureDashboardService(api.client, 9443, USER);
  const again = await api.client.get<KubeObject>(resources.services, NS, SVC);
  assert.equal((again['spec'] as { ports: { targetPort: number }[] }).ports[0]?.targetPort, 9443);
});

test('the dashboard keeps a running mirror pod and endpoints naming it, on its own identity', async () => {
  await ensureDashboardService(api.client, 8443, USER);
  const started = '2026-12-07T10:00:00Z';
  const pod = await ensureMirrorPod(own, NODE, started);
  assert.equal(pod.metadata.name, mirrorPodName('n1'));
  assert.ok(pod.metadata.annotations?.[MIRROR_ANNOTATION]);
  const status = pod['status'] as { phase: string; podIPs: { ip: string }[] };
  assert.equal(status.phase, 'Running');
  assert.deepEqual(status.podIPs, [{ ip: '10.244.0.1' }]);
  const eps = dashboardEndpoints(own, NODE.address, NODE.port, NODE.nodeName, pod);
  await eps.add();
  assert.deepEqual(
    (await sliceEndpoints()).map((e) => [e.addresses, e.targetRef?.name, e.targetRef?.uid]),
    [[['10.244.0.1'], 'kubernetes-dashboard-n1', pod.metadata.uid]],
  );
  // Deleted: made again (a new uid), and the endpoint follows it rather than adding one.
  await api.client.delete(resources.pods, NS, mirrorPodName('n1'), { gracePeriodSeconds: 0 });
  const again = await ensureMirrorPod(own, NODE, started);
  assert.notEqual(again.metadata.uid, pod.metadata.uid);
  await dashboardEndpoints(own, NODE.address, NODE.port, NODE.nodeName, again).add();
  assert.deepEqual(
    (await sliceEndpoints()).map((e) => e.targetRef?.uid),
    [again.metadata.uid],
  );
  // Marked not ready (the node was down): running again at the next sync.
  await api.client.update(
    resources.pods,
    {
      ...again,
      status: {
        ...(again['status'] as object),
        conditions: [{ type: 'Ready', status: 'False' }],
      },
    },
    'status',
  );
  const fixed = await ensureMirrorPod(own, NODE, started);
  const ready = (fixed['status'] as { conditions: { type: string; status: string }[] }).conditions;
  assert.equal(ready.find((c) => c.type === 'Ready')?.status, 'True');
  await dashboardEndpoints(own, NODE.address, NODE.port, NODE.nodeName, fixed).withdraw();
  assert.deepEqual(await sliceEndpoints(), []);
});

test("the dashboard's identity may not touch anything outside its namespace's pods and endpoints", async () => {
  const refused = async (what: string, p: Promise<unknown>): Promise<void> => {
    await assert.rejects(
      p,
      (e: unknown) => e instanceof StatusError && e.status.code === 403,
      what,
    );
  };
  await refused('pods elsewhere', own.list(resources.pods, 'default'));
  await refused('secrets', own.get(resources.secrets, NS, 'x'));
  await refused(
    'its Service',
    own.update(resources.services, await api.client.get(resources.services, NS, SVC)),
  );
  await refused(
    'endpoints elsewhere',
    own.create(resources.endpoints, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'hijack', namespace: 'default' },
    }),
  );
  await assert.rejects(api.client.get(resources.endpoints, 'default', 'hijack'), isNotFound);
});
