import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import type { KubeObject } from '../../api/types.js';
import { endpointsController } from '../endpoints/index.js';
import { garbageCollector } from '../garbagecollector/index.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { endpointSliceController, endpointSliceMirroringController } from './index.js';
import type { EndpointSlice } from './types.js';

const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SERVICE_NAME = 'kubernetes.io/service-name';
const MIRRORING = 'endpointslicemirroring-controller.k8s.io';

describe('EndpointSlice mirroring controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([
      endpointsController,
      endpointSliceController,
      endpointSliceMirroringController,
      garbageCollector,
    ]);
  });
  after(async () => env.stop());

  let nsCount = 0;
  async function namespace(): Promise<string> {
    const ns = `mirror-${++nsCount}`;
    await env.client.create(resources.namespaces, '', { metadata: { name: ns } });
    return ns;
  }

  const mirrored = async (ns: string, name: string): Promise<EndpointSlice[]> =>
    (
      await env.client.list<EndpointSlice>(resources.endpointSlices, ns, {
        labelSelector: `${SERVICE_NAME}=${name},${MANAGED_BY}=${MIRRORING}`,
      })
    ).items;
  const mirroredWhere = (
    ns: string,
    name: string,
    what: string,
    check: (s: EndpointSlice[]) => boolean,
  ): Promise<EndpointSlice[]> =>
    eventually(async () => {
      const s = await mirrored(ns, name);
      return check(s) ? s : undefined;
    }, what);
  const addresses = (slices: EndpointSlice[]): string[] =>
    slices.flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses)).sort();

  async function externalService(ns: string, labels: Record<string, string> = {}) {
    await env.client.create(resources.services, ns, {
      metadata: { name: 'external-service' },
      spec: { ports: [{ port: 80 }] },
    });
    return env.client.create(resources.endpoints, ns, {
      metadata: { name: 'external-service', labels, annotations: { owner: 'ops' } },
      subsets: [
        {
          addresses: [{ ip: '11.11.11.11' }, { ip: '22.22.22.22' }],
          notReadyAddresses: [{ ip: '33.33.33.33', hostname: 'spare', nodeName: 'node-9' }],
          ports: [{ port: 80 }],
        },
      ],
    });
  }

  it('mirrors hand-written Endpoints of a selector-less service, and keeps them', async () => {
    const ns = await namespace();
    const written = await externalService(ns, { tier: 'db' });
    const [slice, ...rest] = await mirroredWhere(
      ns,
      'external-service',
      'mirrored slice',
      (s) => s.length > 0,
    );
    assert.equal(rest.length, 0);
    assert.ok(slice);
    assert.match(slice.metadata.name ?? '', /^external-service-[a-z0-9]{5}$/);
    assert.deepEqual(slice.metadata.labels, {
      tier: 'db',
      [SERVICE_NAME]: 'external-service',
      [MANAGED_BY]: MIRRORING,
    });
    assert.deepEqual(slice.metadata.annotations, { owner: 'ops' });
    assert.deepEqual(slice.metadata.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        name: 'external-service',
        uid: written.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: '', protocol: 'TCP', port: 80 }]);
    const byIP = new Map((slice.endpoints ?? []).map((e) => [e.addresses[0], e]));
    assert.deepEqual(byIP.get('11.11.11.11'), {
      addresses: ['11.11.11.11'],
      conditions: { ready: true },
    });
    assert.deepEqual(byIP.get('33.33.33.33'), {
      addresses: ['33.33.33.33'],
      conditions: { ready: false },
      hostname: 'spare',
      nodeName: 'node-9',
    });
    // The endpoints and endpoint slice controllers leave the service to its owner.
    const kept = await env.client.get(resources.endpoints, ns, 'external-service');
    assert.equal(kept.metadata.resourceVersion, written.metadata.resourceVersion);
    const managed = await env.client.list(resources.endpointSlices, ns, {
      labelSelector: `${MANAGED_BY}=endpointslice-controller.k8s.io`,
    });
    assert.equal(managed.items.length, 0);

    // Changes to the Endpoints are mirrored into the same slice.
    await env.client.patch(resources.endpoints, ns, 'external-service', 'merge', {
      subsets: [{ addresses: [{ ip: '44.44.44.44' }], ports: [{ port: 80 }] }],
    });
    const updated = await mirroredWhere(
      ns,
      'external-service',
      'updated slice',
      (s) => addresses(s).join() === '44.44.44.44',
    );
    assert.equal(updated[0]?.metadata.name, slice.metadata.name);
  });

  it('splits IPv4 and IPv6 addresses and separate port sets into slices', async () => {
    const ns = await namespace();
    await env.client.create(resources.services, ns, {
      metadata: { name: 'dual' },
      spec: { ports: [{ port: 80 }] },
    });
    await env.client.create(resources.endpoints, ns, {
      metadata: { name: 'dual' },
      subsets: [
        { addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }], ports: [{ name: 'a', port: 80 }] },
        { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'b', port: 81 }] },
      ],
    });
    const slices = await mirroredWhere(ns, 'dual', 'three slices', (s) => s.length === 3);
    const summary = slices
      .map((s) => `${s.addressType} ${s.ports?.[0]?.name} ${addresses([s]).join()}`)
      .sort();
    assert.deepEqual(summary, ['IPv4 a 10.0.0.1', 'IPv4 b 10.0.0.2', 'IPv6 a fd00::1']);
  });

  it('skips Endpoints labelled skip-mirror and Endpoints without a service', async () => {
    const ns = await namespace();
    await env.client.create(resources.services, ns, {
      metadata: { name: 'kubernetes' },
      spec: { ports: [{ name: 'https', port: 443 }] },
    });
    await env.client.create(resources.endpoints, ns, {
      metadata: {
        name: 'kubernetes',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [{ addresses: [{ ip: '10.0.0.10' }], ports: [{ name: 'https', port: 6443 }] }],
    });
    await env.client.create(resources.endpoints, ns, {
      metadata: { name: 'orphan' },
      subsets: [{ addresses: [{ ip: '10.0.0.11' }], ports: [{ port: 80 }] }],
    });
    // Once a later Endpoints object has been mirrored, the earlier ones were looked at.
    await externalService(ns);
    await mirroredWhere(ns, 'external-service', 'mirrored slice', (s) => s.length === 1);
    assert.equal((await mirrored(ns, 'kubernetes')).length, 0);
    assert.equal((await mirrored(ns, 'orphan')).length, 0);
  });

  it('removes mirrored slices when the service gains a selector or goes away', async () => {
    const ns = await namespace();
    await externalService(ns);
    await mirroredWhere(ns, 'external-service', 'mirrored slice', (s) => s.length === 1);
    await env.client.patch(resources.services, ns, 'external-service', 'merge', {
      spec: { selector: { app: 'kubia' } },
    });
    await mirroredWhere(ns, 'external-service', 'mirror removed', (s) => s.length === 0);
    // The service's endpoints now come from its selector (no pods: none).
    await eventually(async () => {
      const ep = await env.client.get<KubeObject>(resources.endpoints, ns, 'external-service');
      return ep['subsets'] === undefined;
    }, 'endpoints from the selector');

    const ns2 = await namespace();
    await externalService(ns2);
    await mirroredWhere(ns2, 'external-service', 'mirrored slice', (s) => s.length === 1);
    await env.client.delete(resources.services, ns2, 'external-service');
    await mirroredWhere(ns2, 'external-service', 'mirror removed', (s) => s.length === 0);
  });
});
