import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };
interface List {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: Obj[];
}

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const names = (l: List): string[] => l.items.map((i) => String(i.metadata['name']));

describe('get and list', () => {
  let api: TestApiServer;
  const cms = '/api/v1/namespaces/reads/configmaps';
  before(async () => {
    api = await startTestServer();
    await api.namespace('reads');
    const labelled: [string, Record<string, string>][] = [
      ['web-prod', { app: 'web', env: 'prod' }],
      ['web-dev', { app: 'web', env: 'dev' }],
      ['db-prod', { app: 'db', env: 'prod', tier: 'backend' }],
      ['plain', {}],
    ];
    for (const [name, labels] of labelled)
      assert.equal((await api.post(cms, { metadata: { name, labels } })).status, 201);
  });
  after(() => api.close());

  it('answers a missing object with a NotFound Status', async () => {
    const res = await api.get(`${cms}/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'configmaps' },
      code: 404,
    });
    const dep = await api.get('/apis/apps/v1/namespaces/reads/deployments/nope');
    assert.equal(dep.json()['message'], 'deployments.apps "nope" not found');
    assert.deepEqual(dep.json()['details'], { name: 'nope', group: 'apps', kind: 'deployments' });
  });

  it('gets an object with its kind, apiVersion and resourceVersion', async () => {
    const res = await api.get(`${cms}/plain`);
    assert.equal(res.status, 200);
    const o = res.json<Obj>();
    assert.equal(o['kind'], 'ConfigMap');
    assert.equal(o['apiVersion'], 'v1');
    assert.match(String(o.metadata['resourceVersion']), /^\d+$/);
  });

  it('lists with a List kind and the current resourceVersion', async () => {
    const l = (await api.get(cms)).json<List>();
    assert.equal(l.kind, 'ConfigMapList');
    assert.equal(l.apiVersion, 'v1');
    assert.equal(l.metadata.resourceVersion, String(api.store.currentRevision()));
    assert.deepEqual(names(l), ['db-prod', 'plain', 'web-dev', 'web-prod']);
  });

  it('lists across namespaces at the cluster path', async () => {
    const l = (await api.get('/api/v1/configmaps')).json<List>();
    assert.ok(l.items.some((i) => i.metadata['namespace'] === 'reads'));
  });

  describe('label selectors', () => {
    const cases: [string, string[]][] = [
      ['app=web', ['web-dev', 'web-prod']],
      ['app==web', ['web-dev', 'web-prod']],
      ['app!=web', ['db-prod', 'plain']],
      ['env in (prod,staging)', ['db-prod', 'web-prod']],
      ['env notin (prod)', ['plain', 'web-dev']],
      ['tier', ['db-prod']],
      ['!tier', ['plain', 'web-dev', 'web-prod']],
      ['app=web,env=prod', ['web-prod']],
      ['app in (web),!tier,env!=dev', ['web-prod']],
    ];
    for (const [sel, want] of cases)
      it(`selects ${sel}`, async () => {
        const l = (await api.get(`${cms}?labelSelector=${encodeURIComponent(sel)}`)).json<List>();
        assert.deepEqual(names(l), want);
      });

    it('refuses a malformed selector with 400', async () => {
      const res = await api.get(`${cms}?labelSelector=${encodeURIComponent('app=(x')}`);
      assert.equal(res.status, 400);
      assert.equal(res.json()['reason'], 'BadRequest');
    });
  });

  describe('field selectors', () => {
    before(async () => {
      const pod = (name: string, nodeName?: string): object => ({
        metadata: { name },
        spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'i' }] },
      });
      await api.post('/api/v1/namespaces/reads/pods', pod('p-running', 'node-a'));
      await api.post('/api/v1/namespaces/reads/pods', pod('p-pending'));
      await api.post('/api/v1/namespaces/reads/pods', pod('p-done', 'node-b'));
      for (const [name, phase] of [
        ['p-running', 'Running'],
        ['p-done', 'Succeeded'],
      ] as const) {
        const cur = (await api.get(`/api/v1/namespaces/reads/pods/${name}`)).json<Obj>();
        const res = await api.put(`/api/v1/namespaces/reads/pods/${name}/status`, {
          ...cur,
          status: { ...(cur['status'] as object), phase },
        });
        assert.equal(res.status, 200, res.text);
      }
      const ev = (name: string, kind: string, target: string): object => ({
        metadata: { name },
        involvedObject: { kind, name: target, namespace: 'reads' },
        reason: 'Test',
        message: name,
        type: 'Normal',
        source: { component: 'tests' },
      });
      await api.post('/api/v1/namespaces/reads/events', ev('e1', 'Pod', 'p-running'));
      await api.post('/api/v1/namespaces/reads/events', ev('e2', 'Pod', 'p-pending'));
      await api.post('/api/v1/namespaces/reads/events', ev('e3', 'Node', 'node-a'));
    });

    const cases: [string, string, string[]][] = [
      [cms, 'metadata.name=plain', ['plain']],
      [cms, 'metadata.name!=plain', ['db-prod', 'web-dev', 'web-prod']],
      [
        '/api/v1/configmaps',
        'metadata.namespace=reads',
        ['db-prod', 'plain', 'web-dev', 'web-prod'],
      ],
      ['/api/v1/namespaces/reads/pods', 'status.phase!=Running', ['p-done', 'p-pending']],
      ['/api/v1/namespaces/reads/pods', 'status.phase=Running', ['p-running']],
      ['/api/v1/namespaces/reads/pods', 'spec.nodeName=node-a', ['p-running']],
      ['/api/v1/namespaces/reads/pods', 'spec.nodeName=', ['p-pending']],
      [
        '/api/v1/namespaces/reads/pods',
        'spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed',
        ['p-running'],
      ],
      ['/api/v1/namespaces/reads/events', 'involvedObject.kind=Pod', ['e1', 'e2']],
      [
        '/api/v1/namespaces/reads/events',
        'involvedObject.name=p-running,involvedObject.kind=Pod',
        ['e1'],
      ],
      ['/api/v1/namespaces/reads/events', 'involvedObject.namespace=reads', ['e1', 'e2', 'e3']],
    ];
    for (const [path, sel, want] of cases)
      it(`selects ${sel} on ${path.split('/').pop()}`, async () => {
        const res = await api.get(`${path}?fieldSelector=${encodeURIComponent(sel)}`);
        assert.equal(res.status, 200, res.text);
        const l = res.json<List>();
        assert.deepEqual(
          names(l).filter((n) => path !== '/api/v1/configmaps' || !n.startsWith('kube-root')),
          want,
        );
      });

    it('refuses a field the kind does not support with 400', async () => {
      const res = await api.get(`${cms}?fieldSelector=${encodeURIComponent('spec.foo=bar')}`);
      assert.equal(res.status, 400);
      assert.equal(res.json()['reason'], 'BadRequest');
      assert.equal(res.json()['message'], 'field label not supported: spec.foo');
      const w = await api.get(`${cms}?watch=true&fieldSelector=${encodeURIComponent('x=y')}`);
      assert.equal(w.status, 400);
      assert.equal(w.json()['message'], 'field label not supported: x');
    });
  });

  describe('paging', () => {
    const path = '/api/v1/namespaces/paging/configmaps';
    before(async () => {
      await api.namespace('paging');
      for (let i = 1; i <= 25; i++)
        await api.post(path, { metadata: { name: `cm-${String(i).padStart(2, '0')}` } });
    });

    it('pages with limit and continue at one consistent resourceVersion', async () => {
      const first = (await api.get(`${path}?limit=10`)).json<List>();
      assert.equal(first.items.length, 10);
      assert.equal(first.metadata.remainingItemCount, 15);
      assert.ok(first.metadata.continue);
      const rv = first.metadata.resourceVersion;
      // Changes after the first page do not show in the later ones.
      await api.post(path, { metadata: { name: 'cm-99' } });
      await api.delete(`${path}/cm-25`);
      const seen = [...names(first)];
      let token: string | undefined = first.metadata.continue;
      let pages = 1;
      while (token) {
        const page: List = (
          await api.get(`${path}?limit=10&continue=${encodeURIComponent(token)}`)
        ).json<List>();
        assert.equal(page.metadata.resourceVersion, rv);
        seen.push(...names(page));
        token = page.metadata.continue;
        pages++;
        if (token) assert.equal(page.metadata.remainingItemCount, 25 - seen.length);
        else assert.equal(page.metadata.remainingItemCount, undefined);
      }
      assert.equal(pages, 3);
      assert.deepEqual(
        seen,
        Array.from({ length: 25 }, (_, i) => `cm-${String(i + 1).padStart(2, '0')}`),
      );
      // A fresh list sees the changes.
      const now = names((await api.get(path)).json<List>());
      assert.ok(now.includes('cm-99') && !now.includes('cm-25'));
    });

    it('pages with a selector without remainingItemCount', async () => {
      const l = (
        await api.get(`${path}?limit=2&fieldSelector=${encodeURIComponent('metadata.name!=cm-01')}`)
      ).json<List>();
      assert.deepEqual(names(l), ['cm-02', 'cm-03']);
      assert.ok(l.metadata.continue);
      assert.equal(l.metadata.remainingItemCount, undefined);
    });

    it('answers an expired continue token with 410 and a token to go on inconsistently', async () => {
      const first = (await api.get(`${path}?limit=5`)).json<List>();
      await api.post(path, { metadata: { name: 'cm-98' } });
      await api.store.compact(api.store.currentRevision());
      const res = await api.get(`${path}?limit=5&continue=${first.metadata.continue ?? ''}`);
      assert.equal(res.status, 410);
      const s = res.json<{ reason: string; message: string; metadata: { continue?: string } }>();
      assert.equal(s.reason, 'Expired');
      assert.equal(
        s.message,
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
      assert.ok(s.metadata.continue);
      const rest = (
        await api.get(`${path}?limit=100&continue=${encodeURIComponent(s.metadata.continue)}`)
      ).json<List>();
      assert.equal(rest.items[0]?.metadata['name'], 'cm-06');
      assert.equal(rest.metadata.resourceVersion, String(api.store.currentRevision()));
    });

    it('refuses a malformed continue token with 400', async () => {
      const res = await api.get(`${path}?limit=5&continue=garbage`);
      assert.equal(res.status, 400);
    });
  });

  describe('resourceVersion', () => {
    it('serves resourceVersion=0 and an old resourceVersion (not older than)', async () => {
      const zero = await api.get(`${cms}?resourceVersion=0`);
      assert.equal(zero.status, 200);
      const old = await api.get(`${cms}?resourceVersion=1`);
      assert.equal(old.status, 200);
      assert.equal(old.json<List>().metadata.resourceVersion, String(api.store.currentRevision()));
    });

    it('lists the state at an exact resourceVersion', async () => {
      const path = '/api/v1/namespaces/reads/configmaps';
      const before = (await api.get(path)).json<List>();
      await api.post(path, { metadata: { name: 'later' } });
      const exact = (
        await api.get(
          `${path}?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`,
        )
      ).json<List>();
      assert.deepEqual(names(exact), names(before));
      assert.equal(exact.metadata.resourceVersion, before.metadata.resourceVersion);
      await api.delete(`${path}/later`);
    });

    it('answers a resourceVersion from the future with 504 Timeout', async () => {
      const future = api.store.currentRevision() + 1000;
      const res = await api.get(`${cms}?resourceVersion=${future}`);
      assert.equal(res.status, 504);
      assert.equal(res.json()['reason'], 'Timeout');
      assert.equal(
        res.json()['message'],
        `Timeout: Too large resource version: ${future}, current: ${api.store.currentRevision()}`,
      );
      assert.deepEqual(res.json()['details'], {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    });

    it('refuses a malformed resourceVersion with 400', async () => {
      const res = await api.get(`${cms}?resourceVersion=abc`);
      assert.equal(res.status, 400);
    });

    it('validates resourceVersionMatch as ListOptions validation does', async () => {
      const noRv = await api.get(`${cms}?resourceVersionMatch=NotOlderThan`);
      assert.equal(noRv.status, 422);
      assert.equal(
        noRv.json()['message'],
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
      const bad = await api.get(`${cms}?resourceVersion=1&resourceVersionMatch=Newest`);
      assert.equal(bad.status, 422);
      assert.equal(
        bad.json()['message'],
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
      );
    });
  });

  describe('tables', () => {
    it('prints a list as a Table with column definitions and metadata-only objects', async () => {
      const res = await api.get(`${cms}?labelSelector=app%3Dweb`, { accept: TABLE });
      assert.equal(res.status, 200);
      const t = res.json<{
        kind: string;
        apiVersion: string;
        metadata: { resourceVersion: string };
        columnDefinitions: { name: string; type: string; format: string; priority: number }[];
        rows: { cells: unknown[]; object: Obj }[];
      }>();
      assert.equal(t.kind, 'Table');
      assert.equal(t.apiVersion, 'meta.k8s.io/v1');
      assert.equal(t.metadata.resourceVersion, String(api.store.currentRevision()));
      assert.deepEqual(
        t.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
        [
          ['Name', 'string', 'name', 0],
          ['Data', 'string', '', 0],
          ['Age', 'string', '', 0],
        ],
      );
      assert.deepEqual(
        t.rows.map((r) => r.cells.slice(0, 2)),
        [
          ['web-dev', 0],
          ['web-prod', 0],
        ],
      );
      const o = t.rows[0]?.object;
      assert.equal(o?.['kind'], 'PartialObjectMetadata');
      assert.equal(o?.['apiVersion'], 'meta.k8s.io/v1');
      assert.equal(o?.metadata['name'], 'web-dev');
      assert.equal(o?.['data'], undefined);
    });

    it('includes the whole object or none as includeObject asks', async () => {
      const full = (await api.get(`${cms}/web-dev?includeObject=Object`, { accept: TABLE })).json<{
        rows: { object: Obj }[];
      }>();
      assert.equal(full.rows[0]?.object['kind'], 'ConfigMap');
      assert.equal(full.rows[0]?.object['apiVersion'], 'v1');
      const none = (await api.get(`${cms}/web-dev?includeObject=None`, { accept: TABLE })).json<{
        rows: { object?: Obj }[];
      }>();
      assert.equal(none.rows[0]?.object, undefined);
      const bad = await api.get(`${cms}/web-dev?includeObject=Some`, { accept: TABLE });
      assert.equal(bad.status, 400);
      assert.equal(bad.json()['message'], 'unrecognized includeObject value: "Some"');
    });

    it('answers PartialObjectMetadata and PartialObjectMetadataList', async () => {
      const one = await api.get(`${cms}/web-dev`, {
        accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
      });
      const p = one.json<Obj>();
      assert.equal(p['kind'], 'PartialObjectMetadata');
      assert.equal(p['apiVersion'], 'meta.k8s.io/v1');
      assert.equal(p.metadata['name'], 'web-dev');
      assert.equal(p['data'], undefined);
      const list = await api.get(`${cms}?labelSelector=app%3Dweb`, {
        accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
      });
      const l = list.json<List>();
      assert.equal(l.kind, 'PartialObjectMetadataList');
      assert.equal(l.apiVersion, 'meta.k8s.io/v1');
      assert.deepEqual(names(l), ['web-dev', 'web-prod']);
      assert.equal(l.items[0]?.['kind'], 'PartialObjectMetadata');
      assert.equal(l.items[0]?.['apiVersion'], 'meta.k8s.io/v1');
      assert.ok(l.metadata.resourceVersion);
    });
  });
});
