import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { eventually } from '../../../test/support/eventually.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const NS = 'evictions';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const PDBS = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`;

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

const eviction = (name: string, extra: Record<string, unknown> = {}): object => ({
  apiVersion: 'policy/v1',
  kind: 'Eviction',
  metadata: { name, namespace: NS },
  ...extra,
});

describe('pods/eviction', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace(NS);
  });
  after(() => api.close());

  /** A pod on node-1 in the given phase, Ready or not. */
  async function pod(name: string, app: string, phase = 'Running', ready = true): Promise<Obj> {
    const created = (
      await api.post(PODS, {
        metadata: { name, labels: { app } },
        spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i' }] },
      })
    ).json<Obj>();
    const res = await api.send('PUT', `${PODS}/${name}/status`, {
      body: {
        ...created,
        status: {
          phase,
          conditions: [
            {
              type: 'Ready',
              status: ready ? 'True' : 'False',
              lastTransitionTime: '2026-01-01T00:00:00Z',
            },
          ],
        },
      },
    });
    assert.equal(res.status, 200, res.text);
    return res.json<Obj>();
  }

  /** A budget for `app` whose status says what the controller would have written. */
  async function budget(
    name: string,
    app: string,
    status: Record<string, unknown>,
    spec: Record<string, unknown> = { minAvailable: 1 },
  ): Promise<Obj> {
    const created = (
      await api.post(PDBS, {
        metadata: { name },
        spec: { ...spec, selector: { matchLabels: { app } } },
      })
    ).json<Obj>();
    assert.equal(created.metadata['generation'], 1);
    const res = await api.send('PUT', `${PDBS}/${name}/status`, {
      body: { ...created, status: { observedGeneration: 1, ...status } },
    });
    assert.equal(res.status, 200, res.text);
    return res.json<Obj>();
  }

  const evict = (name: string, extra: Record<string, unknown> = {}) =>
    api.post(`${PODS}/${name}/eviction`, eviction(name, extra));

  const gone = async (name: string): Promise<boolean> => {
    const res = await api.get(`${PODS}/${name}`);
    if (res.status === 404) return true;
    return !!res.json<Obj>().metadata['deletionTimestamp'];
  };

  it('deletes a pod no budget covers, with the deleteOptions, and answers 201 Success', async () => {
    await pod('free', 'free');
    const res = await evict('free', { deleteOptions: { gracePeriodSeconds: 7 } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json(), SUCCESS);
    const p = (await api.get(`${PODS}/free`)).json<Obj>();
    assert.equal(p.metadata['deletionGracePeriodSeconds'], 7);
    const conditions = (p['status'] as { conditions: Obj[] }).conditions;
    const target = conditions.find((c) => c['type'] === 'DisruptionTarget');
    assert.equal(target?.['reason'], 'EvictionByEvictionAPI');
    assert.equal(target?.['message'], 'Eviction API: evicting');
  });

  it('takes one allowed disruption from the budget, notes the pod, then deletes it', async () => {
    await pod('web-1', 'web');
    await budget('web', 'web', {
      disruptionsAllowed: 1,
      currentHealthy: 2,
      desiredHealthy: 1,
      expectedPods: 2,
    });
    const res = await evict('web-1');
    assert.equal(res.status, 201, res.text);
    assert.ok(await gone('web-1'));
    const web = (await api.get(`${PDBS}/web`)).json<Obj>();
    const status = web['status'] as Obj;
    assert.equal(status['disruptionsAllowed'], 0);
    const managers = (web.metadata['managedFields'] as Obj[]).map((m) => [
      m['manager'],
      m['subresource'],
    ]);
    assert.ok(
      managers.some(([m, sub]) => m === 'kube-apiserver' && sub === 'status'),
      JSON.stringify(managers),
    );
    assert.deepEqual(Object.keys(status['disruptedPods'] as Obj), ['web-1']);
    const cond = (status['conditions'] as Obj[])[0];
    assert.equal(cond?.['type'], 'DisruptionAllowed');
    assert.equal(cond?.['status'], 'False');
    assert.equal(cond?.['reason'], 'InsufficientPods');
  });

  it('refuses with 429 when the budget allows no disruption', async () => {
    await pod('db-1', 'db');
    await budget('db', 'db', {
      disruptionsAllowed: 0,
      currentHealthy: 1,
      desiredHealthy: 2,
      expectedPods: 1,
    });
    const res = await evict('db-1');
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], undefined);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget db needs 2 healthy pods and has 1 currently',
          },
        ],
      },
      code: 429,
    });
    assert.equal(await gone('db-1'), false);
  });

  it('refuses with 429 while the budget status is behind its spec', async () => {
    await pod('q-1', 'q');
    const b = await budget('q', 'q', { disruptionsAllowed: 1 });
    // A spec change bumps the generation; the status still says generation 1.
    const res0 = await api.send('PUT', `${PDBS}/q`, {
      body: { ...b, spec: { ...(b['spec'] as Obj), minAvailable: 0 } },
    });
    assert.equal(res0.json<Obj>().metadata['generation'], 2);
    const res = await evict('q-1');
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '10');
    assert.deepEqual(res.json<Obj>()['details'], {
      retryAfterSeconds: 10,
      causes: [
        {
          reason: 'DisruptionBudget',
          message: 'The disruption budget q is still being processed by the server.',
        },
      ],
    });
  });

  it('answers a Failure Status for a pod under two budgets', async () => {
    await pod('two-1', 'two');
    await budget('two-a', 'two', { disruptionsAllowed: 1 });
    await budget('two-b', 'two', { disruptionsAllowed: 1 });
    const res = await evict('two-1');
    assert.equal(res.status, 201);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    assert.equal(await gone('two-1'), false);
  });

  it('deletes pending, terminal and unready pods without spending a healthy budget', async () => {
    const status = { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 };
    await budget('side', 'side', status);
    await pod('side-pending', 'side', 'Pending', false);
    await pod('side-done', 'side', 'Succeeded', false);
    await pod('side-unready', 'side', 'Running', false);
    for (const name of ['side-pending', 'side-done', 'side-unready']) {
      const res = await evict(name);
      assert.equal(res.status, 201, `${name}: ${res.text}`);
      assert.ok(await gone(name), name);
    }
    const after = (await api.get(`${PDBS}/side`)).json<Obj>()['status'] as Obj;
    assert.equal(after['disruptionsAllowed'], 0);
    assert.equal(after['disruptedPods'], undefined);
  });

  it('spends the budget on an unready pod only as IfHealthyBudget says', async () => {
    const low = { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 2, expectedPods: 3 };
    await budget('ih', 'ih', low);
    await pod('ih-unready', 'ih', 'Running', false);
    assert.equal((await evict('ih-unready')).status, 429);
    await budget('aa', 'aa', low, { minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    await pod('aa-unready', 'aa', 'Running', false);
    assert.equal((await evict('aa-unready')).status, 201);
    assert.ok(await gone('aa-unready'));
  });

  it('checks the Eviction against the URL', async () => {
    await pod('named', 'named');
    const res = await api.post(`${PODS}/named/eviction`, eviction('other'));
    assert.equal(res.status, 400);
    assert.equal(res.json()['message'], 'name in URL does not match name in Eviction object');
    const missing = await evict('nobody');
    assert.equal(missing.status, 404);
    assert.equal(missing.json()['message'], 'pods "nobody" not found');
    // policy/v1beta1 bodies are taken too.
    const beta = await api.post(`${PODS}/named/eviction`, {
      apiVersion: 'policy/v1beta1',
      kind: 'Eviction',
      metadata: { name: 'named' },
    });
    assert.equal(beta.status, 201, beta.text);
  });

  it('a dry run spends nothing and deletes nothing', async () => {
    await pod('dry-1', 'dry');
    await budget('dry', 'dry', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    const res = await api.post(`${PODS}/dry-1/eviction?dryRun=All`, eviction('dry-1'));
    assert.equal(res.status, 201, res.text);
    assert.equal(await gone('dry-1'), false);
    const status = (await api.get(`${PDBS}/dry`)).json<Obj>()['status'] as Obj;
    assert.equal(status['disruptionsAllowed'], 1);
  });

  it('is authorized as create on pods/eviction', async () => {
    await pod('guarded', 'guarded');
    const alice = { name: 'alice', groups: ['system:authenticated'] };
    const denied = await api.post(`${PODS}/guarded/eviction`, eviction('guarded'), { as: alice });
    assert.equal(denied.status, 403);
    assert.equal(
      denied.json()['message'],
      `pods "guarded" is forbidden: User "alice" cannot create resource "pods/eviction" in API group "" in the namespace "${NS}"`,
    );
    const role = await api.post(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, {
      metadata: { name: 'evictor' },
      rules: [{ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] }],
    });
    assert.equal(role.status, 201, role.text);
    const binding = await api.post(
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`,
      {
        metadata: { name: 'evictor' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'evictor' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
      },
    );
    assert.equal(binding.status, 201, binding.text);
    // The RBAC index follows storage: the binding counts once it has seen it.
    const res = await eventually(async () => {
      const r = await api.post(`${PODS}/guarded/eviction`, eviction('guarded'), { as: alice });
      return r.status === 403 ? undefined : r;
    }, 'the binding to count');
    assert.equal(res.status, 201, res.text);
    assert.ok(await gone('guarded'));
  });
});
