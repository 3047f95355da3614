// One object, every version: Ingress created, read, listed, watched, patched and updated
// through extensions/v1beta1, networking.k8s.io/v1beta1 and v1, with kube-apiserver's
// deprecation warnings; discovery of the legacy versions; the default IngressClass.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../test/support/apiserver.js';

type Obj = Record<string, any>;

const NS = 'versions';
const EXT = `/apis/extensions/v1beta1/namespaces/${NS}/ingresses`;
const BETA = `/apis/networking.k8s.io/v1beta1/namespaces/${NS}/ingresses`;
const V1 = `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses`;
const CLASSES = '/apis/networking.k8s.io/v1/ingressclasses';
const EXT_WARNING =
  '299 - "extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"';
const BETA_WARNING =
  '299 - "networking.k8s.io/v1beta1 Ingress is deprecated in v1.19+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress"';

const seed = (name: string, apiVersion = 'extensions/v1beta1'): Obj => ({
  apiVersion,
  kind: 'Ingress',
  metadata: { name },
  spec: {
    rules: [
      {
        host: 'kubia.example.com',
        http: {
          paths: [{ path: '/', backend: { serviceName: 'kubia-nodeport', servicePort: 80 } }],
        },
      },
    ],
  },
});

describe('Ingress served in three versions', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace(NS);
  });
  after(() => api.close());

  it('creates in extensions/v1beta1 and reads the one object in every version', async () => {
    const created = await api.post(EXT, seed('kubia'));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers['warning'], EXT_WARNING);
    const out = created.json<Obj>();
    assert.equal(out['apiVersion'], 'extensions/v1beta1');
    assert.deepEqual(out['spec'], {
      rules: [
        {
          host: 'kubia.example.com',
          http: {
            paths: [
              {
                path: '/',
                backend: { serviceName: 'kubia-nodeport', servicePort: 80 },
                pathType: 'ImplementationSpecific',
              },
            ],
          },
        },
      ],
    });

    const v1 = await api.get(`${V1}/kubia`);
    assert.equal(v1.status, 200);
    assert.equal(v1.headers['warning'], undefined);
    const v1obj = v1.json<Obj>();
    assert.equal(v1obj['apiVersion'], 'networking.k8s.io/v1');
    assert.deepEqual(v1obj['spec'].rules[0].http.paths[0], {
      path: '/',
      backend: { service: { name: 'kubia-nodeport', port: { number: 80 } } },
      pathType: 'ImplementationSpecific',
    });
    assert.equal(v1obj['metadata'].uid, out['metadata'].uid);
    assert.equal(v1obj['metadata'].resourceVersion, out['metadata'].resourceVersion);
    // No class was defaulted: kube's admission acts on networking.k8s.io creates only.
    assert.equal(v1obj['spec'].ingressClassName, undefined);

    const beta = await api.get(`${BETA}/kubia`);
    assert.equal(beta.headers['warning'], BETA_WARNING);
    assert.equal(beta.json<Obj>()['apiVersion'], 'networking.k8s.io/v1beta1');
    assert.deepEqual(beta.json<Obj>()['spec'], out['spec']);
  });

  it('warns on errors of a deprecated version too, and never on v1', async () => {
    const missing = await api.get(`${EXT}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json<Obj>()['message'], 'ingresses.extensions "nope" not found');
    assert.equal(missing.headers['warning'], EXT_WARNING);
    const v1missing = await api.get(`${V1}/nope`);
    assert.equal(v1missing.headers['warning'], undefined);
  });

  it('validates v1beta1 bodies as v1, with v1 field paths', async () => {
    const bad = seed('bad');
    bad['spec'].rules[0].http.paths[0].backend = { serviceName: 'web' };
    const r = await api.post(EXT, bad);
    assert.equal(r.status, 422);
    assert.equal(
      r.json<Obj>()['message'],
      'Ingress.extensions "bad" is invalid: spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    );
    assert.equal(r.headers['warning'], EXT_WARNING);
    assert.equal((await api.get(`${V1}/bad`)).status, 404);
  });

  it('lists and watches in the version asked for', async () => {
    await api.post(V1, {
      metadata: { name: 'from-v1' },
      spec: {
        ingressClassName: 'other',
        defaultBackend: { service: { name: 'web', port: { name: 'http' } } },
      },
    });
    const list = (await api.get(BETA)).json<Obj>();
    assert.equal(list['kind'], 'IngressList');
    assert.equal(list['apiVersion'], 'networking.k8s.io/v1beta1');
    const fromV1 = list['items'].find((i: Obj) => i['metadata'].name === 'from-v1');
    assert.equal(fromV1['apiVersion'], 'networking.k8s.io/v1beta1');
    assert.deepEqual(fromV1['spec'], {
      ingressClassName: 'other',
      backend: { serviceName: 'web', servicePort: 'http' },
    });

    const w = await api.watch(`${EXT}?resourceVersion=${list['metadata'].resourceVersion}`);
    assert.equal(w.headers['warning'], EXT_WARNING);
    await api.patch(`${V1}/from-v1`, { metadata: { labels: { seen: 'yes' } } });
    const ev = await w.next(2000);
    w.close();
    assert.equal(ev?.type, 'MODIFIED');
    assert.equal(ev?.object['apiVersion'], 'extensions/v1beta1');
    assert.deepEqual(ev?.object['spec'], fromV1['spec']);
  });

  it('patches and updates through v1beta1 fields', async () => {
    const patched = await api.patch(
      `${EXT}/kubia`,
      {
        spec: {
          rules: [
            {
              host: 'kubia.example.com',
              http: {
                paths: [{ path: '/kubia', backend: { serviceName: 'kubia', servicePort: 'web' } }],
              },
            },
          ],
        },
      },
      { contentType: 'application/strategic-merge-patch+json' },
    );
    assert.equal(patched.status, 200, patched.text);
    const v1 = (await api.get(`${V1}/kubia`)).json<Obj>();
    assert.deepEqual(v1['spec'].rules[0].http.paths, [
      {
        path: '/kubia',
        backend: { service: { name: 'kubia', port: { name: 'web' } } },
        pathType: 'ImplementationSpecific',
      },
    ]);
    assert.equal(v1['metadata'].generation, 2);

    const current = (await api.get(`${BETA}/kubia`)).json<Obj>();
    current['spec'].backend = { serviceName: 'fallback', servicePort: 8080 };
    const put = await api.put(`${BETA}/kubia`, current);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.headers['warning'], BETA_WARNING);
    const after = (await api.get(`${V1}/kubia`)).json<Obj>();
    assert.deepEqual(after['spec'].defaultBackend, {
      service: { name: 'fallback', port: { number: 8080 } },
    });

    // Writing back what was read changes nothing, in any version.
    const rv = after['metadata'].resourceVersion;
    for (const base of [EXT, BETA, V1]) {
      const obj = (await api.get(`${base}/kubia`)).json<Obj>();
      const same = await api.put(`${base}/kubia`, obj);
      assert.equal(same.status, 200);
      assert.equal(same.json<Obj>()['metadata'].resourceVersion, rv, base);
    }
  });

  it('writes status through the v1beta1 status subresource', async () => {
    const cur = (await api.get(`${EXT}/kubia`)).json<Obj>();
    cur['status'] = { loadBalancer: { ingress: [{ ip: '10.0.0.7' }] } };
    cur['spec'].backend = { serviceName: 'ignored', servicePort: 1 };
    const r = await api.put(`${EXT}/kubia/status`, cur);
    assert.equal(r.status, 200, r.text);
    const v1 = (await api.get(`${V1}/kubia`)).json<Obj>();
    assert.deepEqual(v1['status'], { loadBalancer: { ingress: [{ ip: '10.0.0.7' }] } });
    assert.equal(v1['spec'].defaultBackend.service.name, 'fallback');
  });

  it('prints the same table columns in every version', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io';
    const v1 = (await api.get(V1, { accept })).json<Obj>();
    const ext = (await api.get(EXT, { accept })).json<Obj>();
    const names = (t: Obj): string[] => t['columnDefinitions'].map((c: Obj) => c['name']);
    assert.deepEqual(names(v1), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    assert.deepEqual(names(ext), names(v1));
    const cells = (t: Obj): unknown[][] => t['rows'].map((r: Obj) => r['cells'].slice(0, 5));
    assert.deepEqual(cells(ext), cells(v1));
    assert.deepEqual(cells(v1)[1], ['kubia', '<none>', 'kubia.example.com', '10.0.0.7', '80']);
  });

  it('reports the deprecated versions requested in apiserver_requested_deprecated_apis', async () => {
    const metrics = (await api.get('/metrics')).text;
    const lines = metrics
      .split('\n')
      .filter((l) => l.startsWith('apiserver_requested_deprecated_apis'));
    assert.ok(
      lines.includes(
        'apiserver_requested_deprecated_apis{group="extensions",removed_release="1.22",resource="ingresses",subresource="",version="v1beta1"} 1',
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.includes(
        'apiserver_requested_deprecated_apis{group="extensions",removed_release="1.22",resource="ingresses",subresource="status",version="v1beta1"} 1',
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.includes('group="networking.k8s.io"') && l.includes('version="v1beta1"')),
    );
    assert.ok(!lines.some((l) => l.includes('version="v1"')), lines.join('\n'));
  });

  it('deletes through any version', async () => {
    const r = await api.delete(`${EXT}/from-v1`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['warning'], EXT_WARNING);
    assert.equal((await api.get(`${V1}/from-v1`)).status, 404);
  });
});

describe('Ingress discovery', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
  });
  after(() => api.close());

  it('lists the legacy versions, extensions last and v1 preferred', async () => {
    const groups = (await api.get('/apis')).json<Obj>()['groups'] as Obj[];
    assert.equal(groups.at(-1)?.['name'], 'extensions');
    assert.deepEqual(groups.at(-1)?.['preferredVersion'], {
      groupVersion: 'extensions/v1beta1',
      version: 'v1beta1',
    });
    const networking = groups.find((g) => g['name'] === 'networking.k8s.io');
    assert.deepEqual(
      networking?.['versions'].map((v: Obj) => v['version']),
      ['v1', 'v1beta1'],
    );
    assert.equal(networking?.['preferredVersion'].version, 'v1');
    assert.equal((await api.get('/apis/extensions')).json<Obj>()['name'], 'extensions');

    const ext = (await api.get('/apis/extensions/v1beta1')).json<Obj>();
    assert.deepEqual(
      ext['resources'].map((r: Obj) => `${r['name']} ${r['kind']} ${r['verbs'].length}`),
      ['ingresses Ingress 8', 'ingresses/status Ingress 3'],
    );
    const v1 = (await api.get('/apis/networking.k8s.io/v1')).json<Obj>();
    const beta = (await api.get('/apis/networking.k8s.io/v1beta1')).json<Obj>();
    const hash = (l: Obj): string =>
      l['resources'].find((r: Obj) => r['name'] === 'ingresses')['storageVersionHash'];
    // One storage version, so one hash.
    assert.equal(hash(ext), hash(v1));
    assert.equal(hash(beta), hash(v1));
    assert.deepEqual(
      beta['resources'].map((r: Obj) => r['name']),
      ['ingresses', 'ingresses/status'],
    );
  });

  it('lists them in aggregated discovery', async () => {
    const agg = (
      await api.get('/apis', {
        accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      })
    ).json<Obj>();
    const items = agg['items'] as Obj[];
    assert.equal(items.at(-1)?.['metadata'].name, 'extensions');
    const ext = items.at(-1)?.['versions'][0];
    assert.equal(ext['version'], 'v1beta1');
    assert.deepEqual(ext['resources'][0]['responseKind'], {
      group: 'extensions',
      version: 'v1beta1',
      kind: 'Ingress',
    });
    const networking = items.find((g) => g['metadata'].name === 'networking.k8s.io');
    assert.deepEqual(
      networking?.['versions'].map((v: Obj) => v['version']),
      ['v1', 'v1beta1'],
    );
  });
});

describe('the default IngressClass', () => {
  let api: TestApiServer;
  let now = new Date('2026-01-01T00:00:00Z');
  before(async () => {
    api = await startTestServer({ clock: { now: () => now } });
    await api.namespace(NS);
  });
  after(() => api.close());

  it('is skiff, created at start and annotated as the default', async () => {
    const cls = (await api.get(`${CLASSES}/skiff`)).json<Obj>();
    assert.deepEqual(cls['spec'], { controller: 'skiff.dev/ingress-controller' });
    assert.deepEqual(cls['metadata'].annotations, {
      'ingressclass.kubernetes.io/is-default-class': 'true',
    });
  });

  it('is given to Ingresses created through networking.k8s.io without a class', async () => {
    const v1 = await api.post(V1, {
      metadata: { name: 'plain' },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
    });
    assert.equal(v1.json<Obj>()['spec'].ingressClassName, 'skiff');
    const beta = await api.post(BETA, seed('beta', 'networking.k8s.io/v1beta1'));
    assert.equal(beta.status, 201, beta.text);
    assert.equal(beta.json<Obj>()['spec'].ingressClassName, 'skiff');
    const dry = await api.post(`${V1}?dryRun=All`, {
      metadata: { name: 'dry' },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
    });
    assert.equal(dry.json<Obj>()['spec'].ingressClassName, 'skiff');
  });

  it('is not given when a class is named, by field or annotation, nor on updates', async () => {
    const named = await api.post(V1, {
      metadata: { name: 'named' },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { service: { name: 'w', port: { number: 1 } } },
      },
    });
    assert.equal(named.json<Obj>()['spec'].ingressClassName, 'nginx');
    const annotated = await api.post(V1, {
      metadata: { name: 'annotated', annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
      spec: { defaultBackend: { service: { name: 'w', port: { number: 1 } } } },
    });
    assert.equal(annotated.json<Obj>()['spec'].ingressClassName, undefined);
    const cur = (await api.get(`${V1}/plain`)).json<Obj>();
    delete cur['spec'].ingressClassName;
    const put = await api.put(`${V1}/plain`, cur);
    assert.equal(put.json<Obj>()['spec'].ingressClassName, undefined);
  });

  it('is the newest of several defaults (then the first by name)', async () => {
    const defaultClass = (name: string): Obj => ({
      metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'example.com/other' },
    });
    const admitted = async (name: string): Promise<unknown> =>
      (
        await api.post(V1, {
          metadata: { name },
          spec: { defaultBackend: { service: { name: 'w', port: { number: 1 } } } },
        })
      ).json<Obj>()['spec'].ingressClassName;
    now = new Date('2026-01-01T00:05:00Z');
    assert.equal((await api.post(CLASSES, defaultClass('zz-newer'))).status, 201);
    assert.equal(await admitted('two-defaults'), 'zz-newer');
    assert.equal((await api.post(CLASSES, defaultClass('aa-same-time'))).status, 201);
    assert.equal(await admitted('three-defaults'), 'aa-same-time');
    for (const name of ['skiff', 'zz-newer', 'aa-same-time'])
      await api.delete(`${CLASSES}/${name}`);
    assert.equal(await admitted('no-default'), undefined);
  });
});
