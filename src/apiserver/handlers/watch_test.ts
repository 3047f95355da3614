import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  startTestServer,
  type TestApiServer,
  type WatchEventJson,
} from '../../../test/support/apiserver.js';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

const NS = '/api/v1/namespaces/watches';
const CMS = `${NS}/configmaps`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

const summary = (events: WatchEventJson[]): string[] =>
  events.map((e) => `${e.type} ${String(e.object.metadata?.['name'] ?? '')}`);

describe('watch', () => {
  let api: TestApiServer;
  let rv0 = '';
  before(async () => {
    api = await startTestServer();
    await api.namespace('watches');
    await api.post(CMS, { metadata: { name: 'existing', labels: { app: 'x' } } });
    rv0 = String(api.store.currentRevision());
  });
  after(() => api.close());

  it('sends only what happens after the given resourceVersion', async () => {
    const w = await api.watch(`${CMS}?resourceVersion=${rv0}`);
    assert.equal(w.status, 200);
    assert.equal(w.headers['content-type'], 'application/json');
    await api.post(CMS, { metadata: { name: 'w1' } });
    await api.patch(`${CMS}/w1`, { data: { a: 'b' } });
    const del = (await api.delete(`${CMS}/w1`)).json<Obj>();
    const events = await w.drain();
    assert.deepEqual(summary(events), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    const deleted = events[2]?.object;
    assert.equal(deleted?.['kind'], 'ConfigMap');
    assert.equal(deleted?.['apiVersion'], 'v1');
    assert.deepEqual(deleted?.['data'], { a: 'b' });
    assert.equal(deleted?.metadata?.['uid'], del['details'] && (del['details'] as Obj)['uid']);
    assert.equal(Number(deleted?.metadata?.['resourceVersion']), api.store.currentRevision());
    w.close();
  });

  it('starts with the current objects as ADDED without a resourceVersion or with "0"', async () => {
    for (const q of ['', '&resourceVersion=0']) {
      const name = `live${q ? '0' : ''}`;
      const w = await api.watch(`${CMS}?labelSelector=app%3Dx${q}`);
      assert.deepEqual(summary(await w.drain()), ['ADDED existing']);
      await api.post(CMS, { metadata: { name, labels: { app: 'x' } } });
      assert.deepEqual(summary(await w.drain()), [`ADDED ${name}`]);
      w.close();
      await api.delete(`${CMS}/${name}`);
    }
  });

  it('turns objects leaving and entering the selector into DELETED and ADDED', async () => {
    await api.post(CMS, { metadata: { name: 'mover', labels: { app: 'in' } } });
    const rv = String(api.store.currentRevision());
    const w = await api.watch(`${CMS}?labelSelector=app%3Din&resourceVersion=${rv}`);
    await api.patch(`${CMS}/mover`, { data: { k: 'v' } });
    await api.patch(`${CMS}/mover`, { metadata: { labels: { app: 'out' } } });
    await api.patch(`${CMS}/mover`, { data: { k: 'w' } });
    await api.patch(`${CMS}/mover`, { metadata: { labels: { app: 'in' } } });
    const events = await w.drain();
    assert.deepEqual(summary(events), ['MODIFIED mover', 'DELETED mover', 'ADDED mover']);
    // The DELETED event carries the object as it now is (outside the selector).
    assert.deepEqual(events[1]?.object.metadata?.['labels'], { app: 'out' });
    w.close();
  });

  it('filters by field selector, with the same transitions', async () => {
    const rv = String(api.store.currentRevision());
    await api.post(`${NS}/pods`, {
      metadata: { name: 'fp' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    const w = await api.watch(
      `${NS}/pods?fieldSelector=${encodeURIComponent('spec.nodeName=node-1')}&resourceVersion=${rv}`,
    );
    assert.deepEqual(await w.drain(), []);
    const bind = await api.post(`${NS}/pods/fp/binding`, {
      metadata: { name: 'fp' },
      target: { kind: 'Node', name: 'node-1' },
    });
    assert.equal(bind.status, 201);
    assert.deepEqual(summary(await w.drain()), ['ADDED fp']);
    w.close();
  });

  it('watches one object by name', async () => {
    await api.post(CMS, { metadata: { name: 'one' } });
    await api.post(CMS, { metadata: { name: 'one-more' } });
    const rv = String(api.store.currentRevision());
    const byField = await api.watch(
      `${CMS}?fieldSelector=metadata.name%3Done&resourceVersion=${rv}`,
    );
    const byPath = await api.watch(
      `/api/v1/watch/namespaces/watches/configmaps/one?resourceVersion=${rv}`,
    );
    await api.patch(`${CMS}/one-more`, { data: { a: '1' } });
    await api.patch(`${CMS}/one`, { data: { a: '1' } });
    assert.deepEqual(summary(await byField.drain()), ['MODIFIED one']);
    assert.deepEqual(summary(await byPath.drain()), ['MODIFIED one']);
    byField.close();
    byPath.close();
  });

  it('sends 410 Expired as an ERROR event when the resourceVersion was compacted', async () => {
    const old = api.store.currentRevision();
    await api.post(CMS, { metadata: { name: 'after-old' } });
    await api.store.compact(api.store.currentRevision());
    const w = await api.watch(`${CMS}?resourceVersion=${old - 1}`);
    assert.equal(w.status, 200);
    const ev = await w.next();
    assert.equal(ev?.type, 'ERROR');
    assert.deepEqual(ev?.object, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${old - 1} (${api.store.compactRevision()})`,
      reason: 'Expired',
      code: 410,
    });
    assert.equal(await w.next(200), undefined);
    assert.ok(w.ended());
  });

  it('sends the initial events then a bookmark marking their end (sendInitialEvents)', async () => {
    const w = await api.watch(
      `${CMS}?labelSelector=app%3Dx&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=`,
    );
    const events = await w.drain();
    const rv = String(api.store.currentRevision());
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'BOOKMARK'],
    );
    assert.deepEqual(events[1]?.object, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
    w.close();
    const quiet = await api.watch(
      `${CMS}?labelSelector=app%3Dx&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
    );
    assert.deepEqual(summary(await quiet.drain()), ['ADDED existing']);
    quiet.close();
    const bad = await api.get(`${CMS}?watch=true&sendInitialEvents=true`);
    assert.equal(bad.status, 422);
    assert.equal(
      bad.json()['message'],
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    );
  });

  it('ends the stream after timeoutSeconds', async () => {
    const t0 = Date.now();
    const w = await api.watch(
      `${CMS}?resourceVersion=${api.store.currentRevision()}&timeoutSeconds=1`,
    );
    assert.equal(await w.next(3000), undefined);
    assert.ok(w.ended());
    const took = Date.now() - t0;
    // Ended by the server once the second passed (a generous upper bound for a loaded machine).
    assert.ok(took >= 900 && took < 10_000, `ended after ${took} ms`);
  });

  it('sends Table events with the column definitions once', async () => {
    const rv = String(api.store.currentRevision());
    const w = await api.watch(`${CMS}?resourceVersion=${rv}`, { accept: TABLE });
    await api.post(CMS, { metadata: { name: 't1' }, data: { a: '1' } });
    await api.post(CMS, { metadata: { name: 't2' } });
    const events = await w.drain();
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'ADDED'],
    );
    const [first, second] = events.map((e) => e.object) as Obj[];
    assert.equal(first?.['kind'], 'Table');
    assert.equal(first?.['apiVersion'], 'meta.k8s.io/v1');
    assert.ok(Array.isArray(first?.['columnDefinitions']));
    assert.equal(second?.['columnDefinitions'], undefined);
    const row = (first?.['rows'] as { cells: unknown[]; object: Obj }[])[0];
    assert.deepEqual(row?.cells.slice(0, 2), ['t1', 1]);
    assert.equal(row?.object['kind'], 'PartialObjectMetadata');
    w.close();
  });
});
