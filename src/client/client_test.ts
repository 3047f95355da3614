import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../../test/support/inprocess.js';
import { createInformer, createWorkQueue, isNotFound, resources, StatusError } from './index.js';

describe('client against a real API server (in-process)', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => api.close());

  it('creates, gets, patches, updates and deletes', async () => {
    const c = api.client;
    const cm = await c.create(resources.configMaps, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { x: '1' },
    });
    assert.equal(cm.metadata.name, 'a');
    const got = await c.get(resources.configMaps, 'default', 'a');
    assert.deepEqual(got['data'], { x: '1' });
    const patched = await c.patch(resources.configMaps, 'default', 'a', 'merge', {
      data: { y: '2' },
    });
    assert.deepEqual(patched['data'], { x: '1', y: '2' });
    const stale = { ...got, data: { z: '3' } };
    await assert.rejects(
      c.update(resources.configMaps, stale),
      (e: unknown) => e instanceof StatusError && e.code === 409,
    );
    await c.delete(resources.configMaps, 'default', 'a');
    await assert.rejects(c.get(resources.configMaps, 'default', 'a'), isNotFound);
  });

  it('keeps an informer cache in step with the API and notifies handlers', async () => {
    const ac = new AbortController();
    const inf = createInformer({
      client: api.client,
      resource: resources.configMaps,
      namespace: 'default',
      signal: ac.signal,
    });
    const seen: string[] = [];
    inf.on({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (_o, n) => seen.push(`update ${n.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    await inf.synced();
    await api.client.create(resources.configMaps, 'default', { metadata: { name: 'b' }, data: {} });
    await api.client.patch(resources.configMaps, 'default', 'b', 'merge', { data: { k: 'v' } });
    await api.client.delete(resources.configMaps, 'default', 'b');
    for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    assert.deepEqual(seen, ['add b', 'update b', 'delete b']);
    assert.equal(inf.get('default', 'b'), undefined);
  });
});

describe('work queue', () => {
  it('hands a key to one worker at a time and coalesces adds', async () => {
    const q = createWorkQueue();
    const ac = new AbortController();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const done = q.run(
      4,
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
      ac.signal,
    );
    q.add('k');
    q.add('k');
    await new Promise((r) => setTimeout(r, 5));
    q.add('k'); // while running: processed once more afterwards
    q.add('k');
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await done;
    assert.equal(maxRunning, 1);
    assert.equal(calls, 2);
  });

  it('retries a failing key with back-off', async () => {
    const q = createWorkQueue({ baseDelayMs: 5 });
    const ac = new AbortController();
    let attempts = 0;
    const done = q.run(
      1,
      async () => {
        attempts++;
        if (attempts < 3) throw new Error('not yet');
      },
      ac.signal,
    );
    q.add('x');
    for (let i = 0; i < 100 && attempts < 3; i++) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await done;
    assert.equal(attempts, 3);
    assert.equal(q.retries('x'), 0);
  });

  it('hands out the first waiting key by its order, ties in the order added', async () => {
    const rank: Record<string, number> = { low: 0, high: 10, mid: 5, 'mid-later': 5 };
    const q = createWorkQueue({ precedes: (a, b) => (rank[a] ?? 0) - (rank[b] ?? 0) });
    for (const k of ['low', 'mid', 'high', 'mid-later']) q.add(k);
    const ac = new AbortController();
    const seen: string[] = [];
    await q.run(
      1,
      async (key) => {
        seen.push(key);
        if (seen.length === 4) ac.abort();
      },
      ac.signal,
    );
    assert.deepEqual(seen, ['high', 'mid', 'mid-later', 'low']);
  });
});
