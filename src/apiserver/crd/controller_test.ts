import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { createOpenApiHandler, serveOpenApi } from '../../api/openapi/index.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

export const cronTabCrd = (over: Record<string, unknown> = {}): object => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['cronSpec'],
                properties: {
                  cronSpec: {
                    type: 'string',
                    pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$',
                  },
                  image: { type: 'string' },
                  replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
                },
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
    ...over,
  },
});

async function until<T>(f: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const condition = (crd: Obj, type: string): Record<string, unknown> | undefined =>
  ((crd['status'] as Record<string, unknown>)['conditions'] as Record<string, unknown>[]).find(
    (c) => c['type'] === type,
  );

describe('CustomResourceDefinitions', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('default');
  });
  after(() => api.close());

  it('refuses a definition whose name is not <plural>.<group>, in kube words', async () => {
    const body = cronTabCrd() as Obj;
    body.metadata = { name: 'wrong.stable.example.com' };
    const res = await api.post(CRDS, body);
    assert.equal(res.status, 422);
    assert.match(
      res.json<{ message: string }>().message,
      /^CustomResourceDefinition.apiextensions.k8s.io "wrong.stable.example.com" is invalid: metadata.name: Invalid value: "wrong.stable.example.com": must be spec.names.plural\+"."\+spec.group$/,
    );
  });

  it('refuses two storage versions and a missing schema', async () => {
    const res = await api.post(
      CRDS,
      cronTabCrd({
        versions: [
          { name: 'v1', served: true, storage: true },
          {
            name: 'v2',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object' } },
          },
        ],
      }),
    );
    assert.equal(res.status, 422);
    const msg = res.json<{ message: string }>().message;
    assert.match(
      msg,
      /spec.versions\[0\].schema.openAPIV3Schema: Required value: schemas are required/,
    );
    assert.match(
      msg,
      /spec.versions: Invalid value: .*must have exactly one version marked as storage version/,
    );
  });

  it('establishes a definition and serves its objects with schema, defaults and columns', async () => {
    const created = await api.post(CRDS, cronTabCrd());
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json<Obj>().metadata['finalizers'], [
      'customresourcecleanup.apiextensions.k8s.io',
    ]);
    const crd = await until(async () => {
      const r = (await api.get(`${CRDS}/crontabs.stable.example.com`)).json<Obj>();
      return condition(r, 'Established')?.['status'] === 'True' ? r : undefined;
    });
    assert.equal(condition(crd, 'NamesAccepted')?.['reason'], 'NoConflicts');
    assert.deepEqual((crd['status'] as Obj)['storedVersions'], ['v1']);
    assert.equal(((crd['status'] as Obj)['acceptedNames'] as Obj)['kind'], 'CronTab');

    const list = (await api.get('/apis/stable.example.com/v1')).json<{ resources: Obj[] }>();
    assert.deepEqual(
      list.resources.map((r) => r['name']),
      ['crontabs', 'crontabs/status'],
    );

    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs';
    const ok = await api.post(path, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'my-new-cron-object' },
      spec: { cronSpec: '* * * * */5', image: 'my-awesome-cron-image', extra: 'x' },
      status: { replicas: 3 },
    });
    assert.equal(ok.status, 201, ok.text);
    const obj = ok.json<Obj>();
    assert.deepEqual(obj['spec'], {
      cronSpec: '* * * * */5',
      image: 'my-awesome-cron-image',
      replicas: 1,
    });
    assert.equal(obj['status'], undefined);

    const bad = await api.post(path, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'bad' },
      spec: { cronSpec: 'nope', replicas: 20 },
    });
    assert.equal(bad.status, 422);
    assert.equal(
      bad.json<{ message: string }>().message,
      'CronTab.stable.example.com "bad" is invalid: [spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match \'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\', spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10]',
    );

    const strict = await api.post(`${path}?fieldValidation=Strict`, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'strict' },
      spec: { cronSpec: '* * * * *', foo: 1 },
    });
    assert.equal(strict.status, 400);
    assert.equal(
      strict.json<{ message: string }>().message,
      'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.foo"',
    );

    const table = (
      await api.get(path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
    ).json<{ columnDefinitions: Obj[]; rows: { cells: unknown[] }[] }>();
    assert.deepEqual(
      table.columnDefinitions.map((c) => c['name']),
      ['Name', 'Spec', 'Replicas', 'Age'],
    );
    const cells = table.rows[0]?.cells ?? [];
    assert.deepEqual(cells.slice(0, 3), ['my-new-cron-object', '* * * * */5', 1]);
    assert.match(String(cells[3]), /^\d+s$/);
  });

  it('refuses a second definition taking the same names with NamesAccepted False', async () => {
    const res = await api.post(
      CRDS,
      cronTabCrd({
        names: { plural: 'crontabs2', singular: 'crontab2', kind: 'CronTab' },
      }) as Obj,
    );
    // The name must follow the plural.
    assert.equal(res.status, 422);
    const body = cronTabCrd({
      names: { plural: 'crontabs2', singular: 'crontab2', kind: 'CronTab' },
    }) as Obj;
    body.metadata = { name: 'crontabs2.stable.example.com' };
    assert.equal((await api.post(CRDS, body)).status, 201);
    const crd = await until(async () => {
      const r = (await api.get(`${CRDS}/crontabs2.stable.example.com`)).json<Obj>();
      return condition(r, 'NamesAccepted') ? r : undefined;
    });
    assert.deepEqual(
      [
        condition(crd, 'NamesAccepted')?.['status'],
        condition(crd, 'NamesAccepted')?.['reason'],
        condition(crd, 'NamesAccepted')?.['message'],
      ],
      ['False', 'KindConflict', '"CronTab" is already in use'],
    );
    assert.equal(condition(crd, 'Established')?.['status'], 'False');
    assert.equal((await api.get('/apis/stable.example.com/v1/crontabs2')).status, 404);
  });

  it('settles: a served definition is not written again', async () => {
    const rv = async () =>
      (await api.get(`${CRDS}/crontabs.stable.example.com`)).json<Obj>().metadata[
        'resourceVersion'
      ];
    const first = await rv();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await rv(), first);
  });

  it('serves a changed definition: new printer columns', async () => {
    const crd = (await api.get(`${CRDS}/crontabs.stable.example.com`)).json<Obj>();
    const spec = crd['spec'] as { versions: Obj[] };
    spec.versions[0]!['additionalPrinterColumns'] = [
      { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    ];
    assert.equal((await api.put(`${CRDS}/crontabs.stable.example.com`, crd)).status, 200);
    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs';
    const table = await until(async () => {
      const t = (
        await api.get(path, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
      ).json<{ columnDefinitions: Obj[]; rows: { cells: unknown[] }[] }>();
      return t.columnDefinitions.length === 2 ? t : undefined;
    });
    assert.deepEqual(table.rows[0]?.cells, ['my-new-cron-object', 'my-awesome-cron-image']);
  });

  it('serves every served version from one storage, apiVersion rewritten', async () => {
    const schema = {
      openAPIV3Schema: {
        type: 'object',
        properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    };
    const body = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.multi.example.com' },
      spec: {
        group: 'multi.example.com',
        scope: 'Cluster',
        names: { plural: 'gadgets', kind: 'Gadget', categories: ['all'] },
        versions: [
          { name: 'v1', served: true, storage: false, schema, deprecated: true },
          { name: 'v2', served: true, storage: true, schema },
          { name: 'v0', served: false, storage: false, schema },
        ],
      },
    };
    assert.equal((await api.post(CRDS, body)).status, 201);
    await until(async () =>
      (await api.get('/apis/multi.example.com/v2/gadgets')).status === 200 ? true : undefined,
    );
    const group = (await api.get('/apis/multi.example.com')).json<Obj>();
    assert.deepEqual(
      (group['versions'] as Obj[]).map((v) => v['version']),
      ['v2', 'v1'],
    );
    const made = await api.post('/apis/multi.example.com/v1/gadgets', {
      apiVersion: 'multi.example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g' },
      spec: { anything: { goes: true } },
    });
    assert.equal(made.status, 201, made.text);
    assert.match(String(made.headers['warning']), /multi.example.com\/v1 Gadget is deprecated/);
    const read = (await api.get('/apis/multi.example.com/v2/gadgets/g')).json<Obj>();
    assert.equal(read['apiVersion'], 'multi.example.com/v2');
    assert.deepEqual(read['spec'], { anything: { goes: true } });
    assert.equal((await api.get('/apis/multi.example.com/v0/gadgets')).status, 404);
    const agg = (
      await api.get('/apis', {
        accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      })
    ).json<{ items: Obj[] }>();
    const entry = agg.items.find((g) => (g['metadata'] as Obj)['name'] === 'multi.example.com');
    assert.ok(entry);
  });

  it('serves the scale subresource at the declared replica paths', async () => {
    const body = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'pools.scale.example.com' },
      spec: {
        group: 'scale.example.com',
        scope: 'Namespaced',
        names: { plural: 'pools', kind: 'Pool' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: {
                    type: 'object',
                    properties: { ready: { type: 'integer' }, selector: { type: 'string' } },
                  },
                },
              },
            },
            subresources: {
              status: {},
              scale: {
                specReplicasPath: '.spec.size',
                statusReplicasPath: '.status.ready',
                labelSelectorPath: '.status.selector',
              },
            },
          },
        ],
      },
    };
    assert.equal((await api.post(CRDS, body)).status, 201);
    const path = '/apis/scale.example.com/v1/namespaces/default/pools';
    await until(async () => ((await api.get(path)).status === 200 ? true : undefined));
    assert.equal(
      (
        await api.post(path, {
          apiVersion: 'scale.example.com/v1',
          kind: 'Pool',
          metadata: { name: 'p' },
          spec: { size: 2 },
        })
      ).status,
      201,
    );
    await api.patch(`${path}/p/status`, { status: { ready: 1, selector: 'app=p' } });
    const got = (await api.get(`${path}/p/scale`)).json<Obj>();
    assert.deepEqual(
      [got['kind'], got['spec'], got['status']],
      ['Scale', { replicas: 2 }, { replicas: 1, selector: 'app=p' }],
    );
    const scaled = await api.patch(`${path}/p/scale`, { spec: { replicas: 5 } });
    assert.equal(scaled.status, 200, scaled.text);
    assert.deepEqual((await api.get(`${path}/p`)).json<Obj>()['spec'], { size: 5 });
  });

  it('patches custom objects as kube does: merge, apply and status, never strategic', async () => {
    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object';
    const smp = await api.patch(
      path,
      { spec: { image: 'x' } },
      { contentType: 'application/strategic-merge-patch+json' },
    );
    assert.equal(smp.status, 415);
    assert.equal(
      smp.json<{ message: string }>().message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    const merged = await api.patch(path, { spec: { image: 'y' }, status: { replicas: 9 } });
    assert.equal(merged.status, 200);
    assert.equal((merged.json<Obj>()['spec'] as Obj)['image'], 'y');
    assert.equal(merged.json<Obj>()['status'], undefined);
    const status = await api.patch(`${path}/status`, { status: { replicas: 4 } });
    assert.equal(status.status, 200);
    assert.deepEqual(status.json<Obj>()['status'], { replicas: 4 });
    const applied = await api.send(
      'PATCH',
      '/apis/stable.example.com/v1/namespaces/default/crontabs/applied?fieldManager=me',
      {
        body: JSON.stringify({
          apiVersion: 'stable.example.com/v1',
          kind: 'CronTab',
          metadata: { name: 'applied' },
          spec: { cronSpec: '* * * * *' },
        }),
        contentType: 'application/apply-patch+yaml',
      },
    );
    assert.equal(applied.status, 201, applied.text);
  });

  it('deletes the objects of a deleted definition, then the definition', async () => {
    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs';
    // An object whose own finalizer holds the definition in Terminating.
    await api.patch(`${path}/applied`, { metadata: { finalizers: ['example.com/hold'] } });
    const watch = await api.watch(`${path}?resourceVersion=0`);
    assert.equal(watch.status, 200);
    assert.equal((await watch.drain()).length, 2);
    assert.equal((await api.delete(`${CRDS}/crontabs.stable.example.com`)).status, 200);
    const terminating = await until(async () => {
      const r = (await api.get(`${CRDS}/crontabs.stable.example.com`)).json<Obj>();
      return condition(r, 'Terminating')?.['status'] === 'True' ? r : undefined;
    });
    assert.equal(condition(terminating, 'Terminating')?.['reason'], 'InstanceDeletionInProgress');
    // A changed definition ends the watches of its resources (clients watch again).
    await until(async () => (watch.ended() ? true : undefined));
    watch.close();
    const refused = await api.post(path, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'late' },
      spec: { cronSpec: '* * * * *' },
    });
    assert.equal(refused.status, 405);
    assert.equal(
      refused.json<{ message: string }>().message,
      'create not allowed while custom resource definition is terminating',
    );
    await api.patch(`${path}/applied`, { metadata: { finalizers: null } });
    await until(async () =>
      (await api.get(`${CRDS}/crontabs.stable.example.com`)).status === 404 ? true : undefined,
    );
    assert.equal(await api.store.count('/registry/stable.example.com/crontabs/'), 0);
    assert.equal((await api.get(path)).status, 404);
  });
});

describe('CustomResourceDefinitions across a restart', () => {
  it('serves stored definitions as soon as the server is ready', async () => {
    const first = await startTestServer();
    await first.namespace('default');
    assert.equal((await first.post(CRDS, cronTabCrd())).status, 201);
    const path = '/apis/stable.example.com/v1/namespaces/default/crontabs';
    await until(async () => ((await first.get(path)).status === 200 ? true : undefined));
    const made = await first.post(path, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'kept' },
      spec: { cronSpec: '* * * * *' },
    });
    assert.equal(made.status, 201);
    await first.server.close();
    const second = await startTestServer({ store: first.store });
    try {
      const list = await second.get(path);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.json<{ items: Obj[] }>().items.map((i) => i.metadata['name']),
        ['kept'],
      );
    } finally {
      await second.close();
    }
  });
});

describe('CustomResourceDefinitions in the OpenAPI documents', () => {
  let api: TestApiServer;
  const openapi = createOpenApiHandler();
  before(async () => {
    api = await startTestServer({
      openapi: (req) => serveOpenApi(openapi, req),
      onCustomResources: (resources) => openapi.setCustomResources(resources),
    });
  });
  after(() => api.close());

  const index = async (): Promise<Record<string, { serverRelativeURL: string }>> => {
    const res = await api.get('/openapi/v3');
    assert.equal(res.status, 200);
    return (JSON.parse(res.text) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
  };

  it('publishes an established definition, follows its changes and drops it when deleted', async () => {
    assert.equal((await index())['apis/stable.example.com/v1'], undefined);
    assert.equal((await api.post(CRDS, cronTabCrd())).status, 201);
    const first = await until(async () => (await index())['apis/stable.example.com/v1']);
    const doc = await api.get(first.serverRelativeURL);
    assert.equal(doc.status, 200);
    const schemas = (JSON.parse(doc.text) as { components: { schemas: Record<string, any> } })
      .components.schemas;
    assert.equal(
      schemas['com.example.stable.v1.CronTab']?.properties.spec.properties.replicas.type,
      'integer',
    );
    assert.ok(schemas['com.example.stable.v1.CronTabList']);

    const crd = JSON.parse((await api.get(`${CRDS}/crontabs.stable.example.com`)).text) as Obj;
    const spec = crd['spec'] as {
      versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[];
    };
    spec.versions[0]!.schema.openAPIV3Schema['description'] = 'Runs an image on a schedule.';
    assert.equal((await api.put(`${CRDS}/crontabs.stable.example.com`, crd)).status, 200);
    const second = await until(async () => {
      const now = (await index())['apis/stable.example.com/v1'];
      return now && now.serverRelativeURL !== first.serverRelativeURL ? now : undefined;
    });
    // The old URL redirects to the current one, as kube-openapi does.
    assert.equal((await api.get(first.serverRelativeURL)).status, 301);
    assert.match((await api.get(second.serverRelativeURL)).text, /Runs an image on a schedule\./);
    const v2 = await api.get('/openapi/v2', { accept: 'application/json' });
    assert.match(v2.text, /"com\.example\.stable\.v1\.CronTab"/);

    assert.ok(
      [200, 202].includes((await api.delete(`${CRDS}/crontabs.stable.example.com`)).status),
    );
    await until(async () =>
      (await index())['apis/stable.example.com/v1'] === undefined ? true : undefined,
    );
    const gone = await api.get('/openapi/v2', { accept: 'application/json' });
    assert.doesNotMatch(gone.text, /com\.example\.stable\.v1\.CronTab/);
  });
});
