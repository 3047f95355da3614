import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import { garbageCollector } from '../garbagecollector/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { createEndpointSliceController, endpointSliceController } from './index.js';
import type { EndpointSlice, SliceEndpoint } from './types.js';

const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SERVICE_NAME = 'kubernetes.io/service-name';

interface PodOptions {
  ip: string;
  ready: boolean;
  labels?: Record<string, string>;
  node?: string;
  ports?: { name: string; containerPort: number }[];
  hostname?: string;
  subdomain?: string;
}

/** Cluster helpers over one controller environment: pods with node-agent status, slices. */
function helpers(env: () => ControllerTestEnv) {
  let nsCount = 0;
  const h = {
    async namespace(prefix: string): Promise<string> {
      const ns = `${prefix}-${++nsCount}`;
      await env().client.create(resources.namespaces, '', { metadata: { name: ns } });
      return ns;
    },
    async setStatus(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await env().client.patch(
        resources.pods,
        ns,
        name,
        'merge',
        {
          status: {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            conditions: [
              { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
            ],
            containerStatuses: [
              {
                name: 'app',
                image: 'kubia',
                imageID: '',
                ready,
                restartCount: 0,
                state: { running: { startedAt: now } },
              },
            ],
          },
        },
        { subresource: 'status' },
      );
    },
    async runPod(ns: string, name: string, o: PodOptions): Promise<KubeObject> {
      const pod = await env().client.create(resources.pods, ns, {
        metadata: { name, labels: o.labels ?? { app: 'kubia' } },
        spec: {
          nodeName: o.node ?? 'node-1',
          ...(o.hostname ? { hostname: o.hostname, subdomain: o.subdomain } : {}),
          containers: [{ name: 'app', image: 'kubia', ...(o.ports ? { ports: o.ports } : {}) }],
        },
      });
      await h.setStatus(ns, name, o.ip, o.ready);
      return pod;
    },
    async slices(ns: string, service: string): Promise<EndpointSlice[]> {
      const list = await env().client.list<EndpointSlice>(resources.endpointSlices, ns, {
        labelSelector: `${SERVICE_NAME}=${service},${MANAGED_BY}=endpointslice-controller.k8s.io`,
      });
      return list.items;
    },
    slicesWhere(
      ns: string,
      service: string,
      what: string,
      check: (s: EndpointSlice[]) => boolean,
      timeoutMs?: number,
    ): Promise<EndpointSlice[]> {
      return eventually(
        async () => {
          const s = await h.slices(ns, service);
          return check(s) ? s : undefined;
        },
        what,
        timeoutMs,
      );
    },
  };
  return h;
}

const allEndpoints = (slices: EndpointSlice[]): SliceEndpoint[] =>
  slices.flatMap((s) => s.endpoints ?? []);
const byPod = (slices: EndpointSlice[]): Map<string, SliceEndpoint> =>
  new Map(allEndpoints(slices).map((e) => [e.targetRef?.name ?? '', e]));

describe('EndpointSlice controller', () => {
  let env: ControllerTestEnv;
  const h = helpers(() => env);
  before(async () => {
    env = await startControllers([endpointSliceController, garbageCollector]);
    await env.client.create(resources.nodes, '', {
      metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
    });
  });
  after(async () => env.stop());

  it('writes labelled, owned slices whose endpoints carry conditions', async () => {
    const ns = await h.namespace('es');
    const pod = await h.runPod(ns, 'kubia-a', { ip: '10.1.0.1', ready: true });
    await h.runPod(ns, 'kubia-b', { ip: '10.1.0.2', ready: false });
    const svc = await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia', labels: { team: 'a' } },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const [slice, ...rest] = await h.slicesWhere(
      ns,
      'kubia',
      'a slice with two endpoints',
      (s) => allEndpoints(s).length === 2,
    );
    assert.equal(rest.length, 0);
    assert.ok(slice);
    assert.equal(slice.metadata.generateName, 'kubia-');
    assert.match(slice.metadata.name ?? '', /^kubia-[a-z0-9]{5}$/);
    assert.deepEqual(slice.metadata.labels, {
      team: 'a',
      [SERVICE_NAME]: 'kubia',
      [MANAGED_BY]: 'endpointslice-controller.k8s.io',
    });
    assert.deepEqual(slice.metadata.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: 'kubia',
        uid: svc.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.ok(slice.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: '', protocol: 'TCP', port: 8080 }]);
    const eps = byPod([slice]);
    assert.deepEqual(eps.get('kubia-a'), {
      addresses: ['10.1.0.1'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: ns, name: 'kubia-a', uid: pod.metadata.uid },
      nodeName: 'node-1',
      zone: 'zone-a',
    });
    assert.deepEqual(eps.get('kubia-b')?.conditions, {
      ready: false,
      serving: false,
      terminating: false,
    });

    // A readiness flip is published at once, in the same slice.
    await h.setStatus(ns, 'kubia-b', '10.1.0.2', true);
    const flipped = await h.slicesWhere(
      ns,
      'kubia',
      'kubia-b ready',
      (s) => byPod(s).get('kubia-b')?.conditions.ready === true,
      1000,
    );
    assert.equal(flipped[0]?.metadata.name, slice.metadata.name);

    // A pod being deleted stays, terminating and no longer ready.
    await env.client.delete(resources.pods, ns, 'kubia-a');
    const terminating = await h.slicesWhere(
      ns,
      'kubia',
      'kubia-a terminating',
      (s) => byPod(s).get('kubia-a')?.conditions.terminating === true,
    );
    assert.deepEqual(byPod(terminating).get('kubia-a')?.conditions, {
      ready: false,
      serving: true,
      terminating: true,
    });

    // Deleting the service takes its slices with it.
    await env.client.delete(resources.services, ns, 'kubia');
    await h.slicesWhere(ns, 'kubia', 'slices collected', (s) => s.length === 0);
  });

  it('publishes not-ready pods as ready with publishNotReadyAddresses', async () => {
    const ns = await h.namespace('es');
    await h.runPod(ns, 'kubia-a', { ip: '10.2.0.1', ready: false });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'all' },
      spec: { selector: { app: 'kubia' }, publishNotReadyAddresses: true, ports: [{ port: 80 }] },
    });
    const slices = await h.slicesWhere(ns, 'all', 'slice', (s) => allEndpoints(s).length === 1);
    assert.deepEqual(allEndpoints(slices)[0]?.conditions, {
      ready: true,
      serving: false,
      terminating: false,
    });
  });

  it('puts pods whose named ports resolve differently into separate slices', async () => {
    const ns = await h.namespace('es');
    await h.runPod(ns, 'kubia-1', {
      ip: '10.3.0.1',
      ready: true,
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'https', containerPort: 8443 },
      ],
    });
    await h.runPod(ns, 'kubia-2', {
      ip: '10.3.0.2',
      ready: true,
      ports: [
        { name: 'http', containerPort: 9080 },
        { name: 'https', containerPort: 9443 },
      ],
    });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: {
        selector: { app: 'kubia' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'https', port: 443, targetPort: 'https' },
        ],
      },
    });
    const slices = await h.slicesWhere(ns, 'kubia', 'two slices', (s) => s.length === 2);
    const summary = Object.fromEntries(
      slices.map((s) => [
        (s.endpoints ?? []).map((e) => e.targetRef?.name).join(),
        (s.ports ?? []).map((p) => `${p.name}:${p.port}`).sort(),
      ]),
    );
    assert.deepEqual(summary, {
      'kubia-1': ['http:8080', 'https:8443'],
      'kubia-2': ['http:9080', 'https:9443'],
    });
  });

  it('marks headless slices and gives endpoints their hostnames', async () => {
    const ns = await h.namespace('es');
    await h.runPod(ns, 'web-0', {
      ip: '10.4.0.1',
      ready: true,
      hostname: 'web-0',
      subdomain: 'kubia-headless',
    });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia-headless' },
      spec: { clusterIP: 'None', selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    const [slice] = await h.slicesWhere(ns, 'kubia-headless', 'slice', (s) => s.length === 1);
    assert.equal(slice?.metadata.labels?.['service.kubernetes.io/headless'], '');
    assert.equal(slice?.endpoints?.[0]?.hostname, 'web-0');
  });

  it('keeps an empty placeholder slice for a service without pods', async () => {
    const ns = await h.namespace('es');
    await env.client.create(resources.services, ns, {
      metadata: { name: 'lonely' },
      spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] },
    });
    const [slice, ...rest] = await h.slicesWhere(ns, 'lonely', 'placeholder', (s) => s.length > 0);
    assert.equal(rest.length, 0);
    assert.equal((slice?.endpoints ?? []).length, 0);
    assert.equal((slice?.ports ?? []).length, 0);
    // A pod arriving fills the placeholder rather than adding a slice.
    await h.runPod(ns, 'late', { ip: '10.5.0.1', ready: true, labels: { app: 'nobody' } });
    const filled = await h.slicesWhere(ns, 'lonely', 'filled', (s) => allEndpoints(s).length === 1);
    assert.equal(filled.length, 1);
    assert.equal(filled[0]?.metadata.name, slice?.metadata.name);
  });

  it('writes no slices for ExternalName or selector-less services', async () => {
    const ns = await h.namespace('es');
    await h.runPod(ns, 'kubia-a', { ip: '10.6.0.1', ready: true });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'external' },
      spec: {
        type: 'ExternalName',
        externalName: 'someapi.somecompany.com',
        selector: { app: 'kubia' },
      },
    });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'manual' },
      spec: { ports: [{ port: 80 }] },
    });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    await h.slicesWhere(ns, 'kubia', 'selector slices', (s) => allEndpoints(s).length === 1);
    assert.equal((await h.slices(ns, 'external')).length, 0);
    assert.equal((await h.slices(ns, 'manual')).length, 0);
  });

  it('leaves out pods on unknown nodes and says so', async () => {
    const ns = await h.namespace('es');
    await h.runPod(ns, 'kubia-a', { ip: '10.7.0.1', ready: true });
    await h.runPod(ns, 'lost', { ip: '10.7.0.2', ready: true, node: 'ghost' });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    const slices = await h.slicesWhere(ns, 'kubia', 'slice', (s) => allEndpoints(s).length > 0);
    assert.deepEqual([...byPod(slices).keys()], ['kubia-a']);
    const event = await eventually(async () => {
      const events = await env.client.list(resources.events, ns);
      return events.items.find((e) => e['reason'] === 'FailedToUpdateEndpointSlices');
    }, 'warning event');
    assert.equal(event['type'], 'Warning');
    assert.equal(
      event['message'],
      `Error updating Endpoint Slices for Service ${ns}/kubia: skipping Pod lost for Service ${ns}/kubia: Node ghost Not Found`,
    );
    assert.deepEqual((event['involvedObject'] as { kind?: string }).kind, 'Service');
  });

  it('holds at most 100 endpoints per slice', async () => {
    const ns = await h.namespace('es');
    for (let i = 0; i < 101; i++)
      await h.runPod(ns, `big-${i}`, {
        ip: `10.8.${Math.floor(i / 200)}.${(i % 200) + 1}`,
        ready: true,
        labels: { app: 'big' },
      });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'big' },
      spec: { selector: { app: 'big' }, ports: [{ port: 80 }] },
    });
    const slices = await h.slicesWhere(
      ns,
      'big',
      '101 endpoints',
      (s) => allEndpoints(s).length === 101,
      10_000,
    );
    assert.deepEqual(
      slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => a - b),
      [1, 100],
    );
  });
});

describe('EndpointSlice controller with a small slice size', () => {
  let env: ControllerTestEnv;
  const h = helpers(() => env);
  before(async () => {
    env = await startControllers([createEndpointSliceController({ maxEndpointsPerSlice: 3 })]);
    await env.client.create(resources.nodes, '', { metadata: { name: 'node-1' } });
  });
  after(async () => env.stop());

  it('spreads endpoints over slices and shrinks them as pods go', async () => {
    const ns = await h.namespace('small');
    for (let i = 1; i <= 7; i++) await h.runPod(ns, `p${i}`, { ip: `10.9.0.${i}`, ready: true });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    const slices = await h.slicesWhere(
      ns,
      'kubia',
      '7 endpoints',
      (s) => allEndpoints(s).length === 7,
    );
    assert.ok(slices.every((s) => (s.endpoints?.length ?? 0) <= 3));
    assert.equal(slices.length, 3);
    for (const p of ['p1', 'p2', 'p3', 'p4', 'p5'])
      await env.client.delete(resources.pods, ns, p, {
        gracePeriodSeconds: 0,
      });
    const after = await h.slicesWhere(
      ns,
      'kubia',
      '2 endpoints',
      (s) => allEndpoints(s).length === 2,
    );
    assert.ok(after.length <= 2);
  });
});
