// Discovery, /version and the health endpoints, as the handler chain serves them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  group?: string;
  version?: string;
  storageVersionHash?: string;
}
interface Gvk {
  group: string;
  version: string;
  kind: string;
}
interface AggResource {
  resource: string;
  responseKind: Gvk;
  scope: string;
  singularResource: string;
  verbs: string[];
  subresources?: { subresource: string; responseKind: Gvk; verbs: string[] }[];
}
interface AggList {
  kind: string;
  apiVersion: string;
  items: {
    metadata: { name: string };
    versions: { version: string; resources: AggResource[]; freshness: string }[];
  }[];
}

const aggregated = (v: string): string =>
  `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList,application/json`;

describe('discovery', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
  });
  after(() => api.close());

  it('serves /api as APIVersions', async () => {
    const res = await api.get('/api');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    const v = res.json<{
      kind: string;
      versions: string[];
      serverAddressByClientCIDRs: object[];
    }>();
    assert.equal(v.kind, 'APIVersions');
    assert.deepEqual(v.versions, ['v1']);
    assert.deepEqual(v.serverAddressByClientCIDRs, [
      { clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' },
    ]);
  });

  it('serves /apis as an APIGroupList and each group as an APIGroup', async () => {
    const l = (await api.get('/apis')).json<{
      kind: string;
      apiVersion: string;
      groups: { name: string; versions: object[]; preferredVersion: object }[];
    }>();
    assert.equal(l.kind, 'APIGroupList');
    assert.equal(l.apiVersion, 'v1');
    const apps = l.groups.find((g) => g.name === 'apps');
    assert.deepEqual(apps, {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
    assert.equal(l.groups[0]?.name, 'apps');
    const one = await api.get('/apis/apps');
    assert.deepEqual(one.json(), apps);
  });

  it('serves /api/v1 as an APIResourceList with subresources', async () => {
    const l = (await api.get('/api/v1')).json<{
      kind: string;
      groupVersion: string;
      resources: ApiResource[];
    }>();
    assert.equal(l.kind, 'APIResourceList');
    assert.equal(l.groupVersion, 'v1');
    const cm = l.resources.find((r) => r.name === 'configmaps');
    assert.ok(cm?.storageVersionHash);
    assert.deepEqual(
      { ...cm, storageVersionHash: undefined },
      {
        name: 'configmaps',
        singularName: 'configmap',
        namespaced: true,
        kind: 'ConfigMap',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['cm'],
        storageVersionHash: undefined,
      },
    );
    const pods = l.resources.find((r) => r.name === 'pods');
    assert.deepEqual(pods?.categories, ['all']);
    assert.deepEqual(pods?.shortNames, ['po']);
    const status = l.resources.find((r) => r.name === 'pods/status');
    assert.deepEqual(status, {
      name: 'pods/status',
      singularName: '',
      namespaced: true,
      kind: 'Pod',
      verbs: ['get', 'patch', 'update'],
    });
    const binding = l.resources.find((r) => r.name === 'pods/binding');
    assert.equal(binding?.kind, 'Binding');
    assert.deepEqual(binding?.verbs, ['create']);
    const ns = l.resources.find((r) => r.name === 'namespaces');
    assert.equal(ns?.namespaced, false);
  });

  it('serves /apis/apps/v1 with the Scale subresource in autoscaling/v1', async () => {
    const l = (await api.get('/apis/apps/v1')).json<{
      groupVersion: string;
      resources: ApiResource[];
    }>();
    assert.equal(l.groupVersion, 'apps/v1');
    const d = l.resources.find((r) => r.name === 'deployments');
    assert.deepEqual(d?.shortNames, ['deploy']);
    assert.deepEqual(d?.categories, ['all']);
    const scale = l.resources.find((r) => r.name === 'deployments/scale');
    assert.deepEqual(scale, {
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  });

  for (const v of ['v2', 'v2beta1'])
    it(`serves aggregated discovery ${v} with a responseKind on every resource`, async () => {
      for (const path of ['/api', '/apis']) {
        const res = await api.get(path, { accept: aggregated(v) });
        assert.equal(res.status, 200);
        assert.equal(
          res.headers['content-type'],
          `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
        );
        const l = res.json<AggList>();
        assert.equal(l.kind, 'APIGroupDiscoveryList');
        assert.equal(l.apiVersion, `apidiscovery.k8s.io/${v}`);
        assert.ok(l.items.length > 0);
        for (const g of l.items)
          for (const ver of g.versions) {
            assert.equal(ver.freshness, 'Current');
            for (const r of ver.resources) {
              assert.ok(r.responseKind?.kind, `${r.resource} has no responseKind`);
              assert.ok(r.scope === 'Namespaced' || r.scope === 'Cluster');
              for (const s of r.subresources ?? [])
                assert.ok(
                  s.responseKind?.kind,
                  `${r.resource}/${s.subresource} has no responseKind`,
                );
            }
          }
        if (path === '/api') {
          assert.deepEqual(
            l.items.map((g) => g.metadata.name),
            [''],
          );
          const pods = l.items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods');
          assert.deepEqual(pods?.responseKind, { group: '', version: 'v1', kind: 'Pod' });
          assert.equal(pods?.scope, 'Namespaced');
          assert.equal(pods?.singularResource, 'pod');
        } else {
          const apps = l.items.find((g) => g.metadata.name === 'apps');
          const d = apps?.versions[0]?.resources.find((r) => r.resource === 'deployments');
          assert.deepEqual(d?.subresources?.find((s) => s.subresource === 'scale')?.responseKind, {
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
          });
        }
      }
    });

  it('answers unknown paths with a NotFound Status', async () => {
    for (const path of [
      '/apis/nope.example.com/v1',
      '/apis/nope.example.com',
      '/api/v2',
      '/api/v1/foos',
      '/apis/apps/v1/namespaces/default/foos',
      '/nonsense',
    ]) {
      const res = await api.get(path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      });
    }
  });

  it('serves /version', async () => {
    const res = await api.get('/version');
    assert.equal(res.status, 200);
    const v = res.json<Record<string, string>>();
    assert.equal(v['major'], '1');
    assert.equal(v['minor'], '33');
    assert.match(v['gitVersion'] ?? '', /^v1\.33\.\d+/);
    assert.ok(v['platform']);
  });

  for (const path of ['/healthz', '/livez', '/readyz'])
    it(`answers ${path} with ok`, async () => {
      const res = await api.get(path);
      assert.equal(res.status, 200);
      assert.equal(res.text, 'ok');
      assert.match(String(res.headers['content-type'] ?? ''), /^text\/plain/);
      const verbose = await api.get(`${path}?verbose`);
      assert.equal(verbose.status, 200);
      assert.match(verbose.text, /check passed\n$/);
    });

  it('is not ready before bootstrap', async () => {
    const cold = await startTestServer({ bootstrap: false, fieldValidation: false });
    try {
      assert.equal((await cold.get('/readyz')).status, 500);
      assert.equal((await cold.get('/livez')).status, 200);
    } finally {
      await cold.close();
    }
  });
});
