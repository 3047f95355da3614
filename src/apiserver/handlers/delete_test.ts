import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const NS = '/api/v1/namespaces/deletes';
const pod = (name: string): object => ({
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'i' }] },
});

describe('delete', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('deletes');
  });
  after(() => api.close());

  it('answers with a Success Status for most kinds', async () => {
    const cm = (await api.post(`${NS}/configmaps`, { metadata: { name: 'gone' } })).json<Obj>();
    const res = await api.delete(`${NS}/configmaps/gone`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', kind: 'configmaps', uid: cm.metadata['uid'] },
    });
    assert.equal((await api.get(`${NS}/configmaps/gone`)).status, 404);
    const again = await api.delete(`${NS}/configmaps/gone`);
    assert.equal(again.status, 404);
    assert.equal(again.json()['message'], 'configmaps "gone" not found');
  });

  it('answers with the deleted object for pods and services', async () => {
    await api.post(`${NS}/pods`, pod('p'));
    const p = await api.delete(`${NS}/pods/p`);
    assert.equal(p.status, 200);
    assert.equal(p.json()['kind'], 'Pod');
    assert.equal(p.json<Obj>().metadata['name'], 'p');
    await api.post(`${NS}/services`, { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    const s = await api.delete(`${NS}/services/s`);
    assert.equal(s.status, 200);
    assert.equal(s.json()['kind'], 'Service');
  });

  it('keeps an object with finalizers until the last one is removed', async () => {
    await api.post(`${NS}/configmaps`, {
      metadata: { name: 'held', finalizers: ['example.com/a', 'example.com/b'] },
    });
    const res = await api.delete(`${NS}/configmaps/held`);
    assert.equal(res.status, 200);
    const held = res.json<Obj>();
    assert.equal(held['kind'], 'ConfigMap');
    assert.ok(held.metadata['deletionTimestamp']);
    assert.equal(held.metadata['deletionGracePeriodSeconds'], 0);
    const w = await api.watch(
      `${NS}/configmaps?fieldSelector=metadata.name%3Dheld&resourceVersion=${String(held.metadata['resourceVersion'])}`,
    );
    // A new finalizer may not be added to an object being deleted.
    const added = await api.patch(`${NS}/configmaps/held`, {
      metadata: { finalizers: ['example.com/a', 'example.com/b', 'example.com/c'] },
    });
    assert.equal(added.status, 422);
    const one = await api.patch(`${NS}/configmaps/held`, {
      metadata: { finalizers: ['example.com/b'] },
    });
    assert.equal(one.status, 200);
    assert.equal((await api.get(`${NS}/configmaps/held`)).status, 200);
    const last = await api.patch(`${NS}/configmaps/held`, { metadata: { finalizers: null } });
    assert.equal(last.status, 200);
    assert.equal((await api.get(`${NS}/configmaps/held`)).status, 404);
    const events = await w.drain();
    assert.deepEqual(
      events.map((e) => e.type),
      ['MODIFIED', 'DELETED'],
    );
    w.close();
  });

  it('adds the foregroundDeletion or orphan finalizer for those propagation policies', async () => {
    for (const [policy, finalizer] of [
      ['Foreground', 'foregroundDeletion'],
      ['Orphan', 'orphan'],
    ] as const) {
      const name = `policy-${policy.toLowerCase()}`;
      await api.post(`${NS}/configmaps`, { metadata: { name } });
      const res = await api.delete(`${NS}/configmaps/${name}`, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: policy },
      });
      assert.equal(res.status, 200, res.text);
      const o = res.json<Obj>();
      assert.deepEqual(o.metadata['finalizers'], [finalizer]);
      assert.ok(o.metadata['deletionTimestamp']);
    }
    await api.post(`${NS}/configmaps`, { metadata: { name: 'policy-background' } });
    const bg = await api.delete(`${NS}/configmaps/policy-background?propagationPolicy=Background`);
    assert.equal(bg.json()['kind'], 'Status');
    const bad = await api.delete(`${NS}/configmaps/policy-foreground?propagationPolicy=Sideways`);
    assert.equal(bad.status, 422);
  });

  it('answers 202 when the object stays and orphanDependents=false was asked', async () => {
    await api.post(`${NS}/configmaps`, { metadata: { name: 'old-style', finalizers: ['x/y'] } });
    const res = await api.delete(`${NS}/configmaps/old-style?orphanDependents=false`);
    assert.equal(res.status, 202);
    assert.equal(res.json()['kind'], 'ConfigMap');
  });

  it('checks uid and resourceVersion preconditions', async () => {
    const cm = (await api.post(`${NS}/configmaps`, { metadata: { name: 'pre' } })).json<Obj>();
    const uid = await api.delete(`${NS}/configmaps/pre`, {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-it' } },
    });
    assert.equal(uid.status, 409);
    assert.equal(
      uid.json()['message'],
      `Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: not-it, UID in object meta: ${String(cm.metadata['uid'])}`,
    );
    const rv = await api.delete(`${NS}/configmaps/pre`, {
      body: { preconditions: { resourceVersion: '1' } },
    });
    assert.equal(rv.status, 409);
    assert.equal(
      rv.json()['message'],
      `Operation cannot be fulfilled on configmaps "pre": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${String(cm.metadata['resourceVersion'])}`,
    );
    const ok = await api.delete(`${NS}/configmaps/pre`, {
      body: {
        preconditions: {
          uid: cm.metadata['uid'],
          resourceVersion: cm.metadata['resourceVersion'],
        },
      },
    });
    assert.equal(ok.status, 200);
  });

  it('writes nothing on dryRun=All', async () => {
    await api.post(`${NS}/configmaps`, { metadata: { name: 'dry' } });
    const rev = api.store.currentRevision();
    const res = await api.delete(`${NS}/configmaps/dry?dryRun=All`);
    assert.equal(res.status, 200);
    assert.equal(api.store.currentRevision(), rev);
    assert.equal((await api.get(`${NS}/configmaps/dry`)).status, 200);
  });

  describe('pods', () => {
    it('deletes a pod no node runs at once', async () => {
      await api.post(`${NS}/pods`, pod('unbound'));
      const res = await api.delete(`${NS}/pods/unbound`);
      assert.equal(res.status, 200);
      assert.equal((await api.get(`${NS}/pods/unbound`)).status, 404);
    });

    it('deletes a pod bound to a node gracefully', async () => {
      await api.post(`${NS}/pods`, pod('bound'));
      const bind = await api.post(`${NS}/pods/bound/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'bound' },
        target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
      });
      assert.equal(bind.status, 201, bind.text);
      const bound = (await api.get(`${NS}/pods/bound`)).json<Obj>();
      assert.equal((bound['spec'] as { nodeName: string }).nodeName, 'node-1');
      const again = await api.post(`${NS}/pods/bound/binding`, {
        metadata: { name: 'bound' },
        target: { kind: 'Node', name: 'node-2' },
      });
      assert.equal(again.status, 409);
      assert.equal(
        again.json()['message'],
        'Operation cannot be fulfilled on pods/binding "bound": pod bound is already assigned to node "node-1"',
      );

      const t0 = Date.now();
      const res = await api.delete(`${NS}/pods/bound`);
      assert.equal(res.status, 200);
      const p = res.json<Obj>();
      assert.equal(p.metadata['deletionGracePeriodSeconds'], 30);
      const at = Date.parse(String(p.metadata['deletionTimestamp']));
      assert.ok(at >= t0 + 28_000 && at <= t0 + 32_000);
      assert.equal((await api.get(`${NS}/pods/bound`)).status, 200);
      // A shorter grace period wins; a longer one does not.
      const shorter = (await api.delete(`${NS}/pods/bound?gracePeriodSeconds=10`)).json<Obj>();
      assert.equal(shorter.metadata['deletionGracePeriodSeconds'], 10);
      const longer = (await api.delete(`${NS}/pods/bound?gracePeriodSeconds=60`)).json<Obj>();
      assert.equal(longer.metadata['deletionGracePeriodSeconds'], 10);
      // The node agent (or --force) ends it with a zero grace period.
      const now = await api.delete(`${NS}/pods/bound`, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
      });
      assert.equal(now.status, 200);
      assert.equal((await api.get(`${NS}/pods/bound`)).status, 404);
    });
  });

  describe('namespaces', () => {
    it('moves a namespace to Terminating until it is finalized', async () => {
      await api.namespace('doomed');
      const res = await api.delete('/api/v1/namespaces/doomed');
      assert.equal(res.status, 200);
      const ns = res.json<Obj>();
      assert.equal(ns['kind'], 'Namespace');
      assert.ok(ns.metadata['deletionTimestamp']);
      assert.equal((ns['status'] as { phase: string }).phase, 'Terminating');
      assert.deepEqual((ns['spec'] as { finalizers: string[] }).finalizers, ['kubernetes']);
      const again = await api.delete('/api/v1/namespaces/doomed');
      assert.equal(again.status, 200);
      assert.equal((await api.get('/api/v1/namespaces/doomed')).status, 200);
      const cur = (await api.get('/api/v1/namespaces/doomed')).json<Obj>();
      const fin = await api.put('/api/v1/namespaces/doomed/finalize', {
        ...cur,
        spec: { finalizers: [] },
      });
      assert.equal(fin.status, 200, fin.text);
      const last = await api.delete('/api/v1/namespaces/doomed');
      assert.ok(last.status === 200 || last.status === 404, last.text);
      assert.equal((await api.get('/api/v1/namespaces/doomed')).status, 404);
    });

    it('refuses to delete the system namespaces with 403', async () => {
      for (const name of ['default', 'kube-system', 'kube-public']) {
        const res = await api.delete(`/api/v1/namespaces/${name}`);
        assert.equal(res.status, 403);
        assert.deepEqual(res.json(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `namespaces "${name}" is forbidden: this namespace may not be deleted`,
          reason: 'Forbidden',
          details: { name, kind: 'namespaces' },
          code: 403,
        });
      }
      const ns = (await api.get('/api/v1/namespaces/default')).json<Obj>();
      assert.equal(ns.metadata['deletionTimestamp'], undefined);
    });
  });

  it('deletes a collection by selector and lists what it deleted', async () => {
    for (const [name, app] of [
      ['c1', 'a'],
      ['c2', 'a'],
      ['c3', 'b'],
    ])
      await api.post(`${NS}/configmaps`, { metadata: { name, labels: { app } } });
    const res = await api.delete(`${NS}/configmaps?labelSelector=app%3Da`);
    assert.equal(res.status, 200);
    const l = res.json<{ kind: string; items: Obj[] }>();
    assert.equal(l.kind, 'ConfigMapList');
    assert.deepEqual(
      l.items.map((i) => i.metadata['name']),
      ['c1', 'c2'],
    );
    assert.equal((await api.get(`${NS}/configmaps/c1`)).status, 404);
    assert.equal((await api.get(`${NS}/configmaps/c3`)).status, 200);
    // Only within a namespace: a collection across namespaces is not deleted.
    const everywhere = await api.delete('/api/v1/configmaps');
    assert.equal(everywhere.status, 405);
    assert.equal((await api.get(`${NS}/configmaps/c3`)).status, 200);
  });
});
