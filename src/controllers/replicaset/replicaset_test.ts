import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resources } from '../../client/index.js';
import { startTestApi } from '../../../test/support/inprocess.js';
import { createLogger } from '../../log/index.js';
import { startControllerManager } from '../manager.js';
import {
  startControllers,
  eventually,
  type ControllerTestEnv,
} from '../../../test/support/controllers.js';
import { replicaSetController } from './index.js';
import {
  bindToNode,
  createNamespace,
  eventsFor,
  markReady,
  podsOf,
  rsBody,
} from '../../../test/support/controllers-replicaset.js';
import type { Pod, ReplicaOwner } from './types.js';

const RS = resources.replicaSets;
const PODS = resources.pods;

describe('replicaset controller', () => {
  let env: ControllerTestEnv;
  before(async () => {
    env = await startControllers([replicaSetController]);
  });
  after(async () => env.stop());

  const getRS = (ns: string, name: string): Promise<ReplicaOwner> =>
    env.client.get<ReplicaOwner>(RS, ns, name);
  const waitPods = (ns: string, name: string, n: number, ms = 5000): Promise<Pod[]> =>
    eventually(
      async () => {
        const pods = await podsOf(env.client, ns, name);
        return pods.length === n ? pods : false;
      },
      `${n} pods of ${name}`,
      ms,
    );
  const waitStatus = (
    ns: string,
    name: string,
    ok: (s: NonNullable<ReplicaOwner['status']>) => boolean,
    what: string,
    ms = 5000,
  ): Promise<ReplicaOwner> =>
    eventually(
      async () => {
        const rs = await getRS(ns, name);
        return ok(rs.status ?? {}) ? rs : false;
      },
      what,
      ms,
    );

  it('creates pods from the template, owned by the ReplicaSet, with events', async () => {
    const ns = await createNamespace(env.client, 'rs-create');
    const rs = await env.client.create<ReplicaOwner>(RS, ns, rsBody('web', 3));
    const pods = await waitPods(ns, 'web', 3);
    for (const p of pods) {
      assert.match(p.metadata.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(p.metadata.labels, { app: 'web', tier: 'web' });
      assert.deepEqual(p.metadata.annotations, { note: 'from-template' });
      assert.deepEqual(p.metadata.ownerReferences, [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const st = await waitStatus(ns, 'web', (s) => s.replicas === 3, 'status.replicas 3');
    assert.equal(st.status?.fullyLabeledReplicas, 3);
    assert.equal(st.status?.readyReplicas, undefined);
    assert.equal(st.status?.observedGeneration, 1);
    const events = await eventually(async () => {
      const ev = await eventsFor(env.client, ns, 'web');
      return ev.filter((e) => e.reason === 'SuccessfulCreate').length === 3 ? ev : false;
    }, 'three SuccessfulCreate events');
    const names = new Set(pods.map((p) => `Created pod: ${p.metadata.name}`));
    for (const e of events.filter((x) => x.reason === 'SuccessfulCreate')) {
      assert.ok(names.has(e.message), e.message);
      assert.equal(e.type, 'Normal');
      assert.equal(e.component, 'replicaset-controller');
      assert.equal(e.kind, 'ReplicaSet');
    }
  });

  it('scales up and down, deleting not-ready pods before ready ones', async () => {
    const ns = await createNamespace(env.client, 'rs-scale');
    await env.client.create(RS, ns, rsBody('api', 1));
    await waitPods(ns, 'api', 1);
    await env.client.patch(RS, ns, 'api', 'merge', { spec: { replicas: 4 } });
    const pods = await waitPods(ns, 'api', 4);
    // Two of them become Running and Ready; scaling to two must keep exactly those.
    const keep = pods.slice(0, 2);
    for (const p of keep) await markReady(env.client, p);
    await waitStatus(ns, 'api', (s) => s.readyReplicas === 2, 'two ready');
    await env.client.patch(RS, ns, 'api', 'merge', { spec: { replicas: 2 } });
    const left = await waitPods(ns, 'api', 2);
    assert.deepEqual(
      left.map((p) => p.metadata.name).sort(),
      keep.map((p) => p.metadata.name).sort(),
    );
    const st = await waitStatus(
      ns,
      'api',
      (s) => s.replicas === 2 && s.observedGeneration === 3,
      'status after scale down',
    );
    assert.equal(st.status?.readyReplicas, 2);
    const deleted = pods
      .filter((p) => !keep.includes(p))
      .map((p) => `Deleted pod: ${p.metadata.name}`);
    await eventually(async () => {
      const ev = await eventsFor(env.client, ns, 'api');
      const msgs = ev.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
      return deleted.every((m) => msgs.includes(m));
    }, 'SuccessfulDelete events');
    // And to zero.
    await env.client.patch(RS, ns, 'api', 'merge', { spec: { replicas: 0 } });
    await waitPods(ns, 'api', 0);
    await waitStatus(
      ns,
      'api',
      (s) => (s.replicas ?? 0) === 0 && s.readyReplicas === undefined,
      'zero',
    );
  });

  it('replaces a deleted pod', async () => {
    const ns = await createNamespace(env.client, 'rs-replace');
    await env.client.create(RS, ns, rsBody('db', 2));
    const [first] = await waitPods(ns, 'db', 2);
    await env.client.delete(PODS, ns, first?.metadata.name ?? '');
    const now = await waitPods(ns, 'db', 2);
    assert.ok(!now.some((p) => p.metadata.name === first?.metadata.name));
  });

  it('replaces pods being deleted gracefully at once (kubectl delete po --all)', async () => {
    const ns = await createNamespace(env.client, 'rs-delete-all');
    await env.client.create(RS, ns, rsBody('front', 3));
    const pods = await waitPods(ns, 'front', 3);
    // On a node, deletion is graceful: the old pods stay Terminating for 30 s.
    for (const p of pods) await bindToNode(env.client, p, 'node-1');
    for (const p of pods) await env.client.delete(PODS, ns, p.metadata.name ?? '');
    const terminating = await env.client.list<Pod>(PODS, ns);
    assert.equal(terminating.items.filter((p) => p.metadata.deletionTimestamp).length, 3);
    const fresh = await waitPods(ns, 'front', 3, 2000);
    const old = new Set(pods.map((p) => p.metadata.name));
    assert.ok(fresh.every((p) => !old.has(p.metadata.name)));
    // Terminating pods are not counted.
    await waitStatus(ns, 'front', (s) => s.replicas === 3, 'status counts only new pods');
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    const ns = await createNamespace(env.client, 'rs-adopt');
    const orphan = await env.client.create<Pod>(PODS, ns, {
      metadata: { name: 'stray', labels: { app: 'cache' } },
      spec: { containers: [{ name: 'c', image: 'redis' }] },
    });
    const rs = await env.client.create<ReplicaOwner>(RS, ns, rsBody('cache', 2));
    const pods = await waitPods(ns, 'cache', 2);
    const adopted = pods.find((p) => p.metadata.name === 'stray');
    assert.ok(adopted, 'the orphan was adopted');
    assert.equal(adopted.metadata.uid, orphan.metadata.uid);
    assert.deepEqual(adopted.metadata.ownerReferences?.[0], {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'cache',
      uid: rs.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    });
    // Only one pod was created besides it.
    const created = (await eventsFor(env.client, ns, 'cache')).filter(
      (e) => e.reason === 'SuccessfulCreate',
    );
    assert.equal(created.length, 1);
    // The adopted pod has no `tier` label: it is not fully labeled.
    await waitStatus(
      ns,
      'cache',
      (s) => s.replicas === 2 && s.fullyLabeledReplicas === 1,
      'fullyLabeledReplicas 1',
    );

    // Relabelled, it is released (and replaced).
    await env.client.patch(PODS, ns, 'stray', 'merge', { metadata: { labels: { app: 'other' } } });
    await eventually(async () => {
      const p = await env.client.get<Pod>(PODS, ns, 'stray');
      return !(p.metadata.ownerReferences ?? []).some((r) => r.uid === rs.metadata.uid);
    }, 'stray released');
    const after = await waitPods(ns, 'cache', 2);
    assert.ok(!after.some((p) => p.metadata.name === 'stray'));
  });

  it('neither adopts nor creates while the ReplicaSet is being deleted', async () => {
    const ns = await createNamespace(env.client, 'rs-deleting');
    await env.client.create(RS, ns, {
      ...rsBody('old', 1),
      metadata: { name: 'old', finalizers: ['example.com/hold'] },
    });
    await waitPods(ns, 'old', 1);
    await env.client.delete(RS, ns, 'old');
    const rs = await getRS(ns, 'old');
    assert.ok(rs.metadata.deletionTimestamp);
    await env.client.create<Pod>(PODS, ns, {
      metadata: { name: 'late', labels: { app: 'old' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    // A pod deleted now is not replaced; give the controller a moment to (wrongly) act.
    const [p] = await podsOf(env.client, ns, 'old');
    if (p) await env.client.delete(PODS, ns, p.metadata.name ?? '');
    await new Promise((r) => setTimeout(r, 300));
    const late = await env.client.get<Pod>(PODS, ns, 'late');
    assert.equal(late.metadata.ownerReferences, undefined);
    assert.equal((await podsOf(env.client, ns, 'old')).length, 0);
    await env.client.patch(RS, ns, 'old', 'merge', { metadata: { finalizers: null } });
  });

  it('counts ready pods and, after minReadySeconds, available ones', async () => {
    const ns = await createNamespace(env.client, 'rs-ready');
    await env.client.create(RS, ns, rsBody('slow', 2, { minReadySeconds: 2 }));
    const [a, b] = await waitPods(ns, 'slow', 2);
    assert.ok(a && b);
    // Ready long ago: available at once. Ready now: available two seconds later.
    await markReady(env.client, a, new Date(Date.now() - 60_000));
    await markReady(env.client, b);
    const st = await waitStatus(ns, 'slow', (s) => s.readyReplicas === 2, 'two ready');
    assert.equal(st.status?.availableReplicas, 1);
    const t0 = Date.now();
    await waitStatus(ns, 'slow', (s) => s.availableReplicas === 2, 'two available', 8000);
    assert.ok(Date.now() - t0 >= 500, 'not available before minReadySeconds');
  });

  it('never creates more pods than asked under a burst of events', async () => {
    const ns = await createNamespace(env.client, 'rs-burst');
    const seen = new Set<string>();
    const ac = new AbortController();
    const watching = (async () => {
      const list = await env.client.list(PODS, ns);
      for await (const ev of env.client.watch(PODS, ns, {
        resourceVersion: list.metadata.resourceVersion ?? '',
        signal: ac.signal,
      })) {
        if (ev.type === 'ADDED') seen.add(ev.object.metadata.uid ?? '');
      }
    })().catch(() => undefined);
    await env.client.create(RS, ns, rsBody('burst', 20));
    // While it creates, the ReplicaSet changes under it many times (each change is a sync).
    for (let i = 0; i < 30; i++)
      await env.client.patch(RS, ns, 'burst', 'merge', {
        metadata: { annotations: { poke: String(i) } },
      });
    await waitPods(ns, 'burst', 20);
    await waitStatus(ns, 'burst', (s) => s.replicas === 20, 'status 20');
    // Pod updates (as a node agent would make) wake it again.
    for (const p of await podsOf(env.client, ns, 'burst')) await markReady(env.client, p);
    await waitStatus(ns, 'burst', (s) => s.readyReplicas === 20, 'all ready');
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    await watching;
    assert.equal(seen.size, 20);
    assert.equal((await env.client.list(PODS, ns)).items.length, 20);
  });

  it('reports a template the API rejects: FailedCreate, ReplicaFailure, back-off', async () => {
    const ns = await createNamespace(env.client, 'rs-bad');
    // Valid as a ReplicaSet, but the pod it makes is not (an image with a trailing space).
    await env.client.create(RS, ns, rsBody('bad', 3, { image: 'nginx ' }));
    const st = await waitStatus(
      ns,
      'bad',
      (s) => (s.conditions ?? []).some((c) => c.type === 'ReplicaFailure'),
      'ReplicaFailure condition',
    );
    const cond = st.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.reason, 'FailedCreate');
    assert.match(
      cond?.message ?? '',
      /^Pod "bad-[a-z0-9]{5}" is invalid: spec\.containers\[0\]\.image: Invalid value: "nginx ": must not have leading or trailing whitespace$/,
    );
    assert.equal(st.status?.replicas, 0);
    const failed = await eventually(async () => {
      const ev = await eventsFor(env.client, ns, 'bad');
      return ev.find((e) => e.reason === 'FailedCreate');
    }, 'FailedCreate event');
    assert.equal(failed.type, 'Warning');
    assert.match(failed.message, /^Error creating: Pod "bad-[a-z0-9]{5}" is invalid: /);
    // Retries back off: over 1.5 s a handful of attempts, not hundreds.
    await new Promise((r) => setTimeout(r, 1500));
    const attempts = (await eventsFor(env.client, ns, 'bad'))
      .filter((e) => e.reason === 'FailedCreate')
      .reduce((n, e) => n + e.count, 0);
    assert.ok(attempts >= 4 && attempts <= 20, `attempts: ${attempts}`);
    assert.equal((await env.client.list(PODS, ns)).items.length, 0);

    // Fixed, it recovers and the condition goes away.
    const cur = await getRS(ns, 'bad');
    await env.client.patch(RS, ns, 'bad', 'merge', {
      spec: {
        template: { ...cur.spec?.template, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    await waitPods(ns, 'bad', 3);
    await waitStatus(
      ns,
      'bad',
      (s) => s.replicas === 3 && !(s.conditions ?? []).length,
      'condition cleared',
    );
  });

  it('leaves pods of an earlier ReplicaSet of the same name alone', async () => {
    const ns = await createNamespace(env.client, 'rs-recreate');
    const rs1 = await env.client.create<ReplicaOwner>(RS, ns, rsBody('again', 1));
    const [old] = await waitPods(ns, 'again', 1);
    // No garbage collector runs here: the old pod keeps pointing at the old uid.
    await env.client.delete(RS, ns, 'again');
    const rs2 = await env.client.create<ReplicaOwner>(RS, ns, rsBody('again', 2));
    const mine = await eventually(async () => {
      const ps = (await podsOf(env.client, ns, 'again')).filter(
        (p) => p.metadata.ownerReferences?.[0]?.uid === rs2.metadata.uid,
      );
      return ps.length === 2 ? ps : false;
    }, 'two pods of the new ReplicaSet');
    assert.ok(!mine.some((p) => p.metadata.name === old?.metadata.name));
    const still = await env.client.get<Pod>(PODS, ns, old?.metadata.name ?? '');
    assert.equal(still.metadata.ownerReferences?.[0]?.uid, rs1.metadata.uid);
    await waitStatus(ns, 'again', (s) => s.replicas === 2, 'counts only its own pods');
  });
});

describe('replicaset controller starting over existing pods', () => {
  it('waits for its caches and does not create pods that already exist', async () => {
    const api = await startTestApi();
    const ac = new AbortController();
    try {
      const rs = await api.client.create<ReplicaOwner>(RS, 'default', rsBody('existing', 2));
      const ref = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'existing',
        uid: rs.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      };
      for (const name of ['existing-aaaaa', 'existing-bbbbb'])
        await api.client.create(PODS, 'default', {
          metadata: { name, labels: { app: 'existing', tier: 'web' }, ownerReferences: [ref] },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        });
      await startControllerManager({
        client: api.client,
        controllers: [replicaSetController],
        logger: createLogger({ level: 'error' }),
        signal: ac.signal,
      });
      await eventually(async () => {
        const cur = await api.client.get<ReplicaOwner>(RS, 'default', 'existing');
        return cur.status?.replicas === 2 && cur.status.observedGeneration === 1;
      }, 'status of the existing pods');
      const pods = await api.client.list(PODS, 'default');
      assert.deepEqual(pods.items.map((p) => p.metadata.name).sort(), [
        'existing-aaaaa',
        'existing-bbbbb',
      ]);
    } finally {
      ac.abort();
      await api.close();
    }
  });
});
