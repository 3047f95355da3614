import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isNotFound, resources } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { endpointsController } from './index.js';
import type { EndpointSubset } from './types.js';

type Endpoints = KubeObject & { subsets?: EndpointSubset[] };

interface PodOptions {
  ip: string;
  ready: boolean;
  labels?: Record<string, string>;
  ports?: { name: string; containerPort: number }[];
  hostname?: string;
  subdomain?: string;
}

describe('endpoints controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([endpointsController]);
  });
  after(async () => env.stop());

  let nsCount = 0;
  async function namespace(): Promise<string> {
    const ns = `ep-${++nsCount}`;
    await env.client.create(resources.namespaces, '', { metadata: { name: ns } });
    return ns;
  }

  /** Writes the status the node agent would: IP, phase, Ready condition, container status. */
  async function setStatus(ns: string, name: string, ip: string, ready: boolean): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await env.client.patch(
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
            { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
          ],
          containerStatuses: [
            {
              name: 'app',
              image: 'kubia',
              imageID: '',
              ready,
              restartCount: 0,
              started: true,
              state: { running: { startedAt: now } },
            },
          ],
        },
      },
      { subresource: 'status' },
    );
  }

  async function runPod(ns: string, name: string, o: PodOptions): Promise<KubeObject> {
    const pod = await env.client.create(resources.pods, ns, {
      metadata: { name, labels: o.labels ?? { app: 'kubia' } },
      spec: {
        nodeName: 'node-1',
        ...(o.hostname ? { hostname: o.hostname } : {}),
        ...(o.subdomain ? { subdomain: o.subdomain } : {}),
        containers: [{ name: 'app', image: 'kubia', ...(o.ports ? { ports: o.ports } : {}) }],
      },
    });
    await setStatus(ns, name, o.ip, o.ready);
    return pod;
  }

  const getEndpoints = (ns: string, name: string): Promise<Endpoints> =>
    env.client.get<Endpoints>(resources.endpoints, ns, name);

  /** Waits until the Endpoints object exists and `check` accepts it. */
  const endpointsWhere = (
    ns: string,
    name: string,
    what: string,
    check: (ep: Endpoints) => boolean,
    timeoutMs?: number,
  ): Promise<Endpoints> =>
    eventually(
      async () => {
        const ep = await getEndpoints(ns, name);
        return check(ep) ? ep : undefined;
      },
      what,
      timeoutMs,
    );

  const ips = (list: { ip: string }[] | undefined): string[] => (list ?? []).map((a) => a.ip);

  it('splits ready and not-ready pods and follows readiness flips at once', async () => {
    const ns = await namespace();
    const a = await runPod(ns, 'kubia-a', { ip: '10.1.0.3', ready: true });
    await runPod(ns, 'kubia-b', { ip: '10.1.0.2', ready: true });
    await runPod(ns, 'kubia-c', { ip: '10.1.0.4', ready: false });
    await runPod(ns, 'other', { ip: '10.1.0.9', ready: true, labels: { app: 'other' } });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia', labels: { team: 'a' } },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    const ep = await endpointsWhere(ns, 'kubia', 'endpoints', (e) => !!e.subsets?.length);
    assert.equal(ep.subsets?.length, 1);
    const subset = ep.subsets?.[0];
    assert.deepEqual(ips(subset?.addresses), ['10.1.0.2', '10.1.0.3']);
    assert.deepEqual(ips(subset?.notReadyAddresses), ['10.1.0.4']);
    assert.deepEqual(subset?.ports, [{ port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(subset?.addresses?.[1], {
      ip: '10.1.0.3',
      nodeName: 'node-1',
      targetRef: { kind: 'Pod', namespace: ns, name: 'kubia-a', uid: a.metadata.uid },
    });
    // Labels follow the service's; the trigger time annotation is set.
    assert.deepEqual(ep.metadata.labels, { team: 'a' });
    assert.match(
      ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'] ?? '',
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );

    // Readiness flips show up within a reconcile, both ways.
    await setStatus(ns, 'kubia-c', '10.1.0.4', true);
    await endpointsWhere(
      ns,
      'kubia',
      'kubia-c ready',
      (e) =>
        ips(e.subsets?.[0]?.addresses).join() === '10.1.0.2,10.1.0.3,10.1.0.4' &&
        !e.subsets?.[0]?.notReadyAddresses,
      1000,
    );
    await setStatus(ns, 'kubia-a', '10.1.0.3', false);
    const flipped = await endpointsWhere(
      ns,
      'kubia',
      'kubia-a not ready',
      (e) => ips(e.subsets?.[0]?.notReadyAddresses).join() === '10.1.0.3',
      1000,
    );
    assert.deepEqual(ips(flipped.subsets?.[0]?.addresses), ['10.1.0.2', '10.1.0.4']);

    // Pods that stop matching, end, or are being deleted leave the endpoints.
    await env.client.patch(resources.pods, ns, 'kubia-b', 'merge', {
      metadata: { labels: { app: 'gone' } },
    });
    await env.client.patch(
      resources.pods,
      ns,
      'kubia-c',
      'merge',
      { status: { phase: 'Succeeded' } },
      { subresource: 'status' },
    );
    await env.client.delete(resources.pods, ns, 'kubia-a');
    const emptied = await endpointsWhere(
      ns,
      'kubia',
      'no endpoints left',
      (e) => !e.subsets?.length,
    );
    assert.equal(emptied.subsets, undefined);
  });

  it('resolves named target ports per pod, and serves several ports', async () => {
    const ns = await namespace();
    await runPod(ns, 'kubia-1', {
      ip: '10.2.0.1',
      ready: true,
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'https', containerPort: 8443 },
      ],
    });
    await runPod(ns, 'kubia-2', {
      ip: '10.2.0.2',
      ready: true,
      ports: [
        { name: 'http', containerPort: 9080 },
        { name: 'https', containerPort: 9443 },
      ],
    });
    // No container port named https: the pod serves only http.
    await runPod(ns, 'kubia-3', {
      ip: '10.2.0.3',
      ready: true,
      ports: [{ name: 'http', containerPort: 8080 }],
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
    const ep = await endpointsWhere(ns, 'kubia', 'endpoints', (e) => (e.subsets?.length ?? 0) >= 3);
    // Ports are grouped by the pods offering them: http:8080 by two pods, https:8443 by one.
    assert.deepEqual(
      Object.fromEntries(
        (ep.subsets ?? []).map((s) => [
          ips(s.addresses).join(),
          (s.ports ?? []).map((p) => `${p.name}:${p.port}/${p.protocol}`).sort(),
        ]),
      ),
      {
        '10.2.0.1,10.2.0.3': ['http:8080/TCP'],
        '10.2.0.1': ['https:8443/TCP'],
        '10.2.0.2': ['http:9080/TCP', 'https:9443/TCP'],
      },
    );
    assert.equal(ep.subsets?.length, 3);

    // Numeric target ports: one subset, every port.
    await env.client.create(resources.services, ns, {
      metadata: { name: 'multi' },
      spec: {
        selector: { app: 'kubia' },
        ports: [
          { name: 'web', port: 80, targetPort: 8080 },
          { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
          { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
        ],
      },
    });
    const multi = await endpointsWhere(ns, 'multi', 'multi-port endpoints', (e) => !!e.subsets);
    assert.equal(multi.subsets?.length, 1);
    assert.deepEqual(ips(multi.subsets?.[0]?.addresses), ['10.2.0.1', '10.2.0.2', '10.2.0.3']);
    assert.deepEqual(
      (multi.subsets?.[0]?.ports ?? []).map((p) => `${p.name}:${p.port}/${p.protocol}`).sort(),
      ['dns:5353/UDP', 'metrics:9090/TCP', 'web:8080/TCP'],
    );
  });

  it('gives headless services hostnames, the headless label, and portless endpoints', async () => {
    const ns = await namespace();
    await runPod(ns, 'web-0', {
      ip: '10.3.0.1',
      ready: true,
      hostname: 'web-0',
      subdomain: 'kubia-headless',
    });
    await runPod(ns, 'web-x', {
      ip: '10.3.0.2',
      ready: true,
      hostname: 'web-x',
      subdomain: 'else',
    });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia-headless' },
      spec: {
        clusterIP: 'None',
        selector: { app: 'kubia' },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    });
    const ep = await endpointsWhere(ns, 'kubia-headless', 'endpoints', (e) => !!e.subsets);
    assert.deepEqual(ep.metadata.labels, { 'service.kubernetes.io/headless': '' });
    const [named, plain] = ep.subsets?.[0]?.addresses ?? [];
    assert.equal(named?.hostname, 'web-0');
    assert.equal(plain?.hostname, undefined);

    await env.client.create(resources.services, ns, {
      metadata: { name: 'portless' },
      spec: { clusterIP: 'None', selector: { app: 'kubia' } },
    });
    const portless = await endpointsWhere(ns, 'portless', 'portless endpoints', (e) => !!e.subsets);
    assert.deepEqual(ips(portless.subsets?.[0]?.addresses), ['10.3.0.1', '10.3.0.2']);
    assert.equal(portless.subsets?.[0]?.ports, undefined);
  });

  it('publishes not-ready pods as ready with publishNotReadyAddresses', async () => {
    const ns = await namespace();
    await runPod(ns, 'kubia-a', { ip: '10.4.0.1', ready: false });
    await runPod(ns, 'kubia-b', { ip: '10.4.0.2', ready: true });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'all' },
      spec: {
        selector: { app: 'kubia' },
        publishNotReadyAddresses: true,
        ports: [{ port: 80, targetPort: 8080 }],
      },
    });
    const ep = await endpointsWhere(ns, 'all', 'endpoints', (e) => !!e.subsets);
    assert.deepEqual(ips(ep.subsets?.[0]?.addresses), ['10.4.0.1', '10.4.0.2']);
    assert.equal(ep.subsets?.[0]?.notReadyAddresses, undefined);
    // Pods being deleted stay while not-ready addresses are published. (Once a pod added
    // later shows up, the deletion before it has been seen.)
    await env.client.delete(resources.pods, ns, 'kubia-b');
    await runPod(ns, 'kubia-c', { ip: '10.4.0.3', ready: true });
    const still = await endpointsWhere(ns, 'all', 'kubia-c added', (e) =>
      ips(e.subsets?.[0]?.addresses).includes('10.4.0.3'),
    );
    assert.deepEqual(ips(still.subsets?.[0]?.addresses), ['10.4.0.1', '10.4.0.2', '10.4.0.3']);
  });

  it('leaves hand-written Endpoints of selector-less services alone', async () => {
    const ns = await namespace();
    await env.client.create(resources.services, ns, {
      metadata: { name: 'external-service' },
      spec: { ports: [{ port: 80 }] },
    });
    const written = await env.client.create<Endpoints>(resources.endpoints, ns, {
      metadata: { name: 'external-service' },
      subsets: [
        { addresses: [{ ip: '11.11.11.11' }, { ip: '22.22.22.22' }], ports: [{ port: 80 }] },
      ],
    });
    // A selector service created afterwards gets its endpoints: the controller has run.
    await runPod(ns, 'kubia-a', { ip: '10.5.0.1', ready: true });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    await endpointsWhere(ns, 'kubia', 'selector endpoints', (e) => !!e.subsets);
    const kept = await getEndpoints(ns, 'external-service');
    assert.equal(kept.metadata.resourceVersion, written.metadata.resourceVersion);
    assert.deepEqual(ips(kept.subsets?.[0]?.addresses), ['11.11.11.11', '22.22.22.22']);
  });

  it('gives ExternalName services no endpoints and deletes endpoints of deleted services', async () => {
    const ns = await namespace();
    await runPod(ns, 'kubia-a', { ip: '10.6.0.1', ready: true });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'external' },
      spec: {
        type: 'ExternalName',
        externalName: 'someapi.somecompany.com',
        selector: { app: 'kubia' },
      },
    });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    await endpointsWhere(ns, 'kubia', 'endpoints', (e) => !!e.subsets);
    await assert.rejects(getEndpoints(ns, 'external'), isNotFound);

    await env.client.delete(resources.services, ns, 'kubia');
    await eventually(
      () =>
        getEndpoints(ns, 'kubia').then(
          () => false,
          (e) => isNotFound(e),
        ),
      'endpoints deleted with their service',
    );
  });

  it('writes only when the endpoints change', async () => {
    const ns = await namespace();
    await runPod(ns, 'kubia-a', { ip: '10.7.0.1', ready: true });
    await runPod(ns, 'kubia-b', { ip: '10.7.0.2', ready: true });
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubia' },
      spec: { selector: { app: 'kubia' }, ports: [{ port: 80 }] },
    });
    const ep = await endpointsWhere(
      ns,
      'kubia',
      'endpoints',
      (e) => e.subsets?.[0]?.addresses?.length === 2,
    );
    const events: string[] = [];
    const ac = new AbortController();
    const watching = (async () => {
      for await (const ev of env.client.watch<Endpoints>(resources.endpoints, ns, {
        resourceVersion: ep.metadata.resourceVersion ?? '',
        signal: ac.signal,
      }))
        events.push(`${ev.type} ${ips(ev.object.subsets?.[0]?.notReadyAddresses).join()}`);
    })();
    // Changes that do not show in the endpoints: a pod annotation, a service annotation.
    await env.client.patch(resources.pods, ns, 'kubia-a', 'merge', {
      metadata: { annotations: { note: 'x' } },
    });
    await env.client.patch(resources.services, ns, 'kubia', 'merge', {
      metadata: { annotations: { note: 'y' } },
    });
    await setStatus(ns, 'kubia-b', '10.7.0.2', false);
    await eventually(async () => events.length > 0, 'an endpoints event');
    await setStatus(ns, 'kubia-b', '10.7.0.2', true);
    await eventually(async () => events.length > 1, 'a second endpoints event');
    ac.abort();
    await watching;
    assert.deepEqual(events, ['MODIFIED 10.7.0.2', 'MODIFIED ']);
  });
});
