import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { eventually } from '../../../test/support/eventually.js';
import { defaultResourceTable } from '../../api/registry.js';
import { createMemoryStore, type Store } from '../../storage/index.js';
import { createQuotaAdmission } from './quota-admission.js';

const NS = 'quota';
const QUOTAS = `/api/v1/namespaces/${NS}/resourcequotas`;
const PODS = `/api/v1/namespaces/${NS}/pods`;

const pod = (name: string, resources: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox', resources }] },
});

describe('quota admission', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace(NS);
  });
  after(() => api.close());

  /** A quota with its status as the controller would have written it. */
  async function quota(name: string, hard: Record<string, string>, used: Record<string, string>) {
    const made = await api.post(QUOTAS, { metadata: { name }, spec: { hard } });
    assert.equal(made.status, 201, made.text);
    const q = made.json<{ status?: unknown }>();
    q.status = { hard, used };
    const res = await api.send('PUT', `${QUOTAS}/${name}/status`, { body: q });
    assert.equal(res.status, 200, res.text);
  }
  const used = async (name: string) =>
    (await api.get(`${QUOTAS}/${name}`)).json<{ status: { used: Record<string, string> } }>().status
      .used;

  it('admits anything in a namespace without quotas', async () => {
    await api.namespace('free');
    const res = await api.post('/api/v1/namespaces/free/pods', pod('p'));
    assert.equal(res.status, 201, res.text);
  });

  it('charges pods into status.used and refuses the one past the limit', async () => {
    await quota('pods', { pods: '2' }, { pods: '0' });
    assert.equal((await api.post(PODS, pod('a'))).status, 201);
    assert.deepEqual(await used('pods'), { pods: '1' });
    assert.equal((await api.post(PODS, pod('b'))).status, 201);
    const res = await api.post(PODS, pod('c'));
    assert.equal(res.status, 403);
    assert.equal(
      res.json().message,
      'pods "c" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2',
    );
    assert.deepEqual(await used('pods'), { pods: '2' });
    await api.send('DELETE', `${QUOTAS}/pods`);
  });

  it('lets only one of two simultaneous creates take the last unit', async () => {
    await quota('one', { configmaps: '1' }, { configmaps: '0' });
    const results = await Promise.all(
      ['x', 'y'].map((n) =>
        api.post(`/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: n } }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 403]);
    assert.deepEqual(await used('one'), { configmaps: '1' });
    await api.send('DELETE', `${QUOTAS}/one`);
  });

  it('gives the charge back when the object is not stored', async () => {
    await quota('give', { 'count/configmaps': '5' }, { 'count/configmaps': '0' });
    const cm = { metadata: { name: 'twice' } };
    assert.equal((await api.post(`/api/v1/namespaces/${NS}/configmaps`, cm)).status, 201);
    assert.equal((await api.post(`/api/v1/namespaces/${NS}/configmaps`, cm)).status, 409);
    const dry = await api.post(`/api/v1/namespaces/${NS}/configmaps?dryRun=All`, {
      metadata: { name: 'dry' },
    });
    assert.equal(dry.status, 201, dry.text);
    assert.deepEqual(await used('give'), { 'count/configmaps': '1' });
    await api.send('DELETE', `${QUOTAS}/give`);
  });

  it('requires compute resources a quota tracks, naming the containers', async () => {
    await quota(
      'compute',
      { 'requests.memory': '1Gi', 'limits.cpu': '2' },
      { 'requests.memory': '0', 'limits.cpu': '0' },
    );
    const res = await api.post(PODS, pod('bare'));
    assert.equal(res.status, 403);
    assert.equal(
      res.json().message,
      'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: c; requests.memory for: c',
    );
    const ok = await api.post(
      PODS,
      pod('sized', { requests: { memory: '512Mi' }, limits: { cpu: '1', memory: '512Mi' } }),
    );
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(await used('compute'), { 'limits.cpu': '1', 'requests.memory': '512Mi' });
    const big = await api.post(
      PODS,
      pod('big', { requests: { memory: '768Mi' }, limits: { cpu: '1', memory: '768Mi' } }),
    );
    assert.equal(big.status, 403);
    assert.equal(
      big.json().message,
      'pods "big" is forbidden: exceeded quota: compute, requested: requests.memory=768Mi, used: requests.memory=512Mi, limited: requests.memory=1Gi',
    );
    await api.send('DELETE', `${QUOTAS}/compute`);
  });

  it('refuses while the quota has no usage for what it tracks', async () => {
    const made = await api.post(QUOTAS, {
      metadata: { name: 'fresh' },
      spec: { hard: { secrets: '3' } },
    });
    assert.equal(made.status, 201);
    // No status yet (the controller has not run): nothing is tracked, so nothing is refused.
    assert.equal(
      (await api.post(`/api/v1/namespaces/${NS}/secrets`, { metadata: { name: 's1' } })).status,
      201,
    );
    const q = made.json<{ status?: unknown; metadata: { resourceVersion?: string } }>();
    q.status = { hard: { secrets: '3' } };
    delete q.metadata.resourceVersion;
    assert.equal((await api.send('PUT', `${QUOTAS}/fresh/status`, { body: q })).status, 200);
    const res = await api.post(`/api/v1/namespaces/${NS}/secrets`, { metadata: { name: 's2' } });
    assert.equal(res.status, 403);
    assert.equal(
      res.json().message,
      'secrets "s2" is forbidden: status unknown for quota: fresh, resources: secrets',
    );
    await api.send('DELETE', `${QUOTAS}/fresh`);
  });

  it('charges a service turned NodePort on update', async () => {
    await quota('ports', { 'services.nodeports': '1' }, { 'services.nodeports': '0' });
    const svcs = `/api/v1/namespaces/${NS}/services`;
    const made = await api.post(svcs, {
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 81 },
        ],
      },
    });
    assert.equal(made.status, 201, made.text);
    const svc = made.json<{ spec: Record<string, unknown> }>();
    svc.spec.type = 'NodePort';
    const res = await api.send('PUT', `${svcs}/web`, { body: svc });
    assert.equal(res.status, 403);
    assert.equal(
      res.json().message,
      'services "web" is forbidden: exceeded quota: ports, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1',
    );
  });
});

describe('quota admission cost', () => {
  it('reads no quota from storage for a namespace that has none', async () => {
    const store = createMemoryStore();
    const table = defaultResourceTable();
    const quotaDef = table.byGroupResource('', 'resourcequotas');
    const podDef = table.byGroupResource('', 'pods');
    assert.ok(quotaDef && podDef);
    const lists: string[] = [];
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'list')
          return (prefix: string, o?: Parameters<Store['list']>[1]) => {
            lists.push(prefix);
            return target.list(prefix, o);
          };
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const admission = createQuotaAdmission(counting, quotaDef);
    try {
      await admission.ready;
      const before = lists.length;
      const object = { metadata: { name: 'p', namespace: 'empty' }, spec: {} };
      for (let i = 0; i < 100; i++)
        assert.equal(
          await admission.admit({ def: podDef, op: 'create', object, now: new Date() }),
          undefined,
        );
      assert.equal(lists.length, before);
      // A quota appears: that namespace's quotas are read from then on.
      await store.create(
        '/registry/core/resourcequotas/empty/q',
        JSON.stringify({ metadata: { name: 'q', namespace: 'empty' }, spec: { hard: {} } }),
      );
      await eventually(async () => {
        await admission.admit({ def: podDef, op: 'create', object, now: new Date() });
        return lists.includes('/registry/core/resourcequotas/empty/');
      }, 'the namespace quotas read');
    } finally {
      admission.close();
    }
  });
});
