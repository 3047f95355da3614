import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };
interface Container {
  name: string;
  image: string;
  [k: string]: unknown;
}

const NS = '/api/v1/namespaces/patches';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/patches/deployments';
const SMP = 'application/strategic-merge-patch+json';
const JSONPATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';

function deployment(name: string, containers: Container[] = [{ name: 'a', image: 'one' }]): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  };
}

const containersOf = (d: Obj): Container[] =>
  (d['spec'] as { template: { spec: { containers: Container[] } } }).template.spec.containers;

describe('patch', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('patches');
  });
  after(() => api.close());

  it('merges lists by key with a strategic merge patch', async () => {
    await api.post(
      DEPLOYMENTS,
      deployment('smp', [
        { name: 'a', image: 'one' },
        { name: 'b', image: 'two' },
      ]),
    );
    const res = await api.patch(
      `${DEPLOYMENTS}/smp`,
      { spec: { template: { spec: { containers: [{ name: 'b', image: 'three' }] } } } },
      { contentType: SMP },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      containersOf(res.json<Obj>()).map((c) => [c.name, c.image]),
      [
        ['a', 'one'],
        ['b', 'three'],
      ],
    );
    const del = await api.patch(
      `${DEPLOYMENTS}/smp`,
      { spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } } } },
      { contentType: SMP },
    );
    assert.deepEqual(
      containersOf(del.json<Obj>()).map((c) => c.name),
      ['b'],
    );
  });

  it('replaces lists with a JSON merge patch', async () => {
    await api.post(
      DEPLOYMENTS,
      deployment('merge', [
        { name: 'a', image: 'one' },
        { name: 'b', image: 'two' },
      ]),
    );
    const res = await api.patch(`${DEPLOYMENTS}/merge`, {
      metadata: { labels: { added: 'yes' } },
      spec: { template: { spec: { containers: [{ name: 'b', image: 'three' }] } } },
    });
    assert.equal(res.status, 200, res.text);
    const d = res.json<Obj>();
    assert.deepEqual(
      containersOf(d).map((c) => [c.name, c.image]),
      [['b', 'three']],
    );
    assert.deepEqual(d.metadata['labels'], { added: 'yes' });
    const removed = await api.patch(`${DEPLOYMENTS}/merge`, { metadata: { labels: null } });
    assert.equal(removed.json<Obj>().metadata['labels'], undefined);
  });

  it('applies JSON patch operations, test included', async () => {
    await api.post(`${NS}/configmaps`, { metadata: { name: 'jp' }, data: { a: '1' } });
    const res = await api.patch(
      `${NS}/configmaps/jp`,
      [
        { op: 'test', path: '/data/a', value: '1' },
        { op: 'add', path: '/data/b', value: '2' },
        { op: 'remove', path: '/data/a' },
      ],
      { contentType: JSONPATCH },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json()['data'], { b: '2' });
    const failed = await api.patch(
      `${NS}/configmaps/jp`,
      [{ op: 'test', path: '/data/b', value: 'nope' }],
      { contentType: JSONPATCH },
    );
    assert.ok(failed.status >= 400 && failed.status < 500, failed.text);
  });

  it('refuses an unknown patch type with 415', async () => {
    await api.post(`${NS}/configmaps`, { metadata: { name: 'ct' } });
    const res = await api.patch(`${NS}/configmaps/ct`, {}, { contentType: 'text/plain' });
    assert.equal(res.status, 415);
    assert.equal(res.json()['reason'], 'UnsupportedMediaType');
  });

  it('answers 404 when patching an object that does not exist', async () => {
    const res = await api.patch(`${NS}/configmaps/ghost`, { data: { a: 'b' } });
    assert.equal(res.status, 404);
    assert.equal(res.json()['message'], 'configmaps "ghost" not found');
  });

  it('retries concurrent patches so that none is lost', async () => {
    await api.post(`${NS}/configmaps`, { metadata: { name: 'race' } });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api.patch(`${NS}/configmaps/race`, { metadata: { labels: { [`l${i}`]: 'x' } } }),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, r.text);
    const labels = (await api.get(`${NS}/configmaps/race`)).json<Obj>().metadata['labels'];
    assert.equal(Object.keys(labels as object).length, 12);
  });

  it('checks a resourceVersion carried in the patch', async () => {
    const cm = (await api.post(`${NS}/configmaps`, { metadata: { name: 'pinned' } })).json<Obj>();
    const rv = String(cm.metadata['resourceVersion']);
    const ok = await api.patch(`${NS}/configmaps/pinned`, {
      metadata: { resourceVersion: rv },
      data: { a: '1' },
    });
    assert.equal(ok.status, 200, ok.text);
    const stale = await api.patch(`${NS}/configmaps/pinned`, {
      metadata: { resourceVersion: rv },
      data: { a: '2' },
    });
    assert.equal(stale.status, 409);
    assert.equal(
      stale.json()['message'],
      'Operation cannot be fulfilled on configmaps "pinned": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('refuses unknown fields in a Strict patch with 422 and drops them otherwise', async () => {
    await api.post(`${NS}/configmaps`, { metadata: { name: 'strict' } });
    const rev = api.store.currentRevision();
    const res = await api.patch(`${NS}/configmaps/strict?fieldValidation=Strict`, {
      data: { a: '1' },
      spec: { foo: 1 },
    });
    assert.equal(res.status, 422, res.text);
    const s = res.json<{ reason: string; message: string; details: { causes: object[] } }>();
    assert.equal(s.reason, 'Invalid');
    assert.match(
      s.message,
      /is invalid: patch: Invalid value: .*: strict decoding error: unknown field "spec"$/,
    );
    assert.equal((s.details.causes[0] as { field: string }).field, 'patch');
    assert.equal(api.store.currentRevision(), rev);
    const warn = await api.patch(`${NS}/configmaps/strict`, { data: { a: '1' }, spec: { foo: 1 } });
    assert.equal(warn.status, 200);
    assert.equal(warn.headers['warning'], '299 - "unknown field \\"spec\\""');
    assert.equal(warn.json()['spec'], undefined);
  });

  describe('server-side apply', () => {
    const cmYaml = (data: Record<string, string>): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n${Object.entries(data)
        .map(([k, v]) => `  ${k}: "${v}"`)
        .join('\n')}\n`;

    it('creates, then updates, recording the manager', async () => {
      const created = await api.patch(
        `${NS}/configmaps/ssa?fieldManager=alice`,
        cmYaml({ a: '1' }),
        { contentType: APPLY },
      );
      assert.equal(created.status, 201, created.text);
      const mf = created.json<Obj>().metadata['managedFields'] as Record<string, unknown>[];
      assert.deepEqual(
        mf.map((m) => [m['manager'], m['operation']]),
        [['alice', 'Apply']],
      );
      const updated = await api.patch(
        `${NS}/configmaps/ssa?fieldManager=alice`,
        cmYaml({ a: '2' }),
        { contentType: APPLY },
      );
      assert.equal(updated.status, 200, updated.text);
      assert.deepEqual(updated.json()['data'], { a: '2' });
    });

    it('requires a fieldManager', async () => {
      const res = await api.patch(`${NS}/configmaps/ssa`, cmYaml({ a: '1' }), {
        contentType: APPLY,
      });
      assert.equal(res.status, 400);
      assert.equal(
        res.json()['message'],
        'PATCH requests with apply content type require fieldManager query parameter',
      );
    });

    it('refuses to take a field another manager owns with 409 and FieldManagerConflict causes', async () => {
      const res = await api.patch(`${NS}/configmaps/ssa?fieldManager=bob`, cmYaml({ a: '3' }), {
        contentType: APPLY,
      });
      assert.equal(res.status, 409);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Apply failed with 1 conflict: conflict with "alice": .data.a',
        reason: 'Conflict',
        details: {
          causes: [
            { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.a' },
          ],
        },
        code: 409,
      });
      const forced = await api.patch(
        `${NS}/configmaps/ssa?fieldManager=bob&force=true`,
        cmYaml({ a: '3' }),
        { contentType: APPLY },
      );
      assert.equal(forced.status, 200, forced.text);
      assert.deepEqual(forced.json()['data'], { a: '3' });
    });

    it('takes over from client-side apply without a conflict', async () => {
      const lastApplied = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'csa', namespace: 'patches' },
        data: { a: '1' },
      });
      const created = await api.post(`${NS}/configmaps?fieldManager=kubectl-client-side-apply`, {
        metadata: {
          name: 'csa',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
        },
        data: { a: '1' },
      });
      assert.equal(created.status, 201);
      const res = await api.patch(
        `${NS}/configmaps/csa?fieldManager=kubectl`,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa\ndata:\n  a: "2"\n',
        { contentType: APPLY },
      );
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json()['data'], { a: '2' });
    });

    it('refuses fields the schema does not declare, whatever fieldValidation says', async () => {
      for (const q of ['', '&fieldValidation=Ignore']) {
        const res = await api.patch(
          `${NS}/configmaps/ssa?fieldManager=alice${q}`,
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: patches\nspec:\n  foo: 1\n',
          { contentType: APPLY },
        );
        assert.equal(res.status, 400);
        assert.equal(
          res.json()['message'],
          'failed to create typed patch object (patches/ssa; /v1, Kind=ConfigMap): .spec: field not declared in schema',
        );
      }
    });

    it('refuses a name that differs from the URL', async () => {
      const res = await api.patch(`${NS}/configmaps/other?fieldManager=x`, cmYaml({ a: '1' }), {
        contentType: APPLY,
      });
      assert.equal(res.status, 400);
      assert.equal(
        res.json()['message'],
        'the name of the object (ssa) does not match the name on the URL (other)',
      );
    });
  });

  describe('scale subresource', () => {
    before(async () => {
      await api.post(DEPLOYMENTS, deployment('scaled'));
    });

    it('gets an autoscaling/v1 Scale with the selector', async () => {
      const res = await api.get(`${DEPLOYMENTS}/scaled/scale`);
      assert.equal(res.status, 200);
      const s = res.json<Obj>();
      assert.equal(s['kind'], 'Scale');
      assert.equal(s['apiVersion'], 'autoscaling/v1');
      assert.equal(s.metadata['name'], 'scaled');
      assert.equal(s.metadata['namespace'], 'patches');
      assert.deepEqual(s['spec'], { replicas: 1 });
      assert.deepEqual(s['status'], { replicas: 0, selector: 'app=scaled' });
    });

    it('patches and updates replicas through the Scale', async () => {
      const patched = await api.patch(`${DEPLOYMENTS}/scaled/scale`, { spec: { replicas: 3 } });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.json()['spec'], { replicas: 3 });
      const scale = patched.json<Obj>();
      const put = await api.put(`${DEPLOYMENTS}/scaled/scale`, { ...scale, spec: { replicas: 5 } });
      assert.equal(put.status, 200, put.text);
      const d = (await api.get(`${DEPLOYMENTS}/scaled`)).json<Obj>();
      assert.equal((d['spec'] as { replicas: number }).replicas, 5);
      assert.equal(d.metadata['generation'], 3);
      const stale = await api.put(`${DEPLOYMENTS}/scaled/scale`, {
        ...scale,
        spec: { replicas: 6 },
      });
      assert.equal(stale.status, 409);
    });

    it('refuses negative replicas with 422', async () => {
      const res = await api.patch(`${DEPLOYMENTS}/scaled/scale`, { spec: { replicas: -1 } });
      assert.equal(res.status, 422);
      assert.equal(
        res.json()['message'],
        'Scale.autoscaling "scaled" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      );
    });
  });
});
