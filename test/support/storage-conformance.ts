// The Store contract as one node:test suite that every backend runs (memory_test.ts,
// sqlite_test.ts, cached_test.ts). A backend passes when it behaves as types.ts says.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StoreError,
  type Store,
  type StoreErrorCode,
  type StoreEvent,
} from '../../src/storage/types.js';

export interface ConformanceOptions {
  /** The backend's per-watcher buffer, so the suite knows how far behind is too far. */
  watchBufferSize?: number;
}

export function runStoreConformance(
  name: string,
  makeStore: () => Store | Promise<Store>,
  options: ConformanceOptions = {},
): void {
  const bufferSize = options.watchBufferSize ?? 10_000;

  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await makeStore();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  void describe(`Store conformance: ${name}`, () => {
    void it(
      'starts empty at revision 0',
      withStore(async (store) => {
        assert.equal(store.currentRevision(), 0);
        assert.equal(store.compactRevision(), 0);
        assert.deepEqual(await store.list('/'), { items: [], revision: 0, more: false });
        assert.equal(await store.count('/'), 0);
        assert.equal(await store.get('/registry/pods/default/web'), undefined);
      }),
    );

    void it(
      'creates a key once and rejects a second create with KeyExists',
      withStore(async (store) => {
        const key = '/registry/pods/default/web';
        const kv = await store.create(key, obj('web'));
        assert.deepEqual(kv, { key, value: obj('web'), createRevision: 1, modRevision: 1 });
        assert.equal(store.currentRevision(), 1);
        assert.deepEqual(await store.get(key), kv);
        await rejectsWith(store.create(key, obj('again')), 'KeyExists');
        assert.equal(store.currentRevision(), 1, 'a failed write takes no revision');
        assert.deepEqual(await store.get(key), kv);
      }),
    );

    void it(
      'updates only at the expected revision',
      withStore(async (store) => {
        const key = '/registry/configmaps/default/cm';
        const created = await store.create(key, obj('v1'));
        const updated = await store.update(key, obj('v2'), created.modRevision);
        assert.equal(updated.value, obj('v2'));
        assert.equal(updated.createRevision, created.createRevision);
        assert.ok(updated.modRevision > created.modRevision);
        const error = await rejectsWith(
          store.update(key, obj('v3'), created.modRevision),
          'Conflict',
        );
        assert.match(error.message, new RegExp(`${created.modRevision}`));
        assert.deepEqual(await store.get(key), updated);
        await rejectsWith(
          store.update('/registry/configmaps/default/none', obj('x'), 1),
          'NotFound',
        );
        assert.equal(store.currentRevision(), updated.modRevision);
      }),
    );

    void it(
      'deletes, returning the last value at the delete revision',
      withStore(async (store) => {
        const key = '/registry/secrets/default/s';
        const created = await store.create(key, obj('s1'));
        const updated = await store.update(key, obj('s2'), created.modRevision);
        await rejectsWith(store.delete(key, created.modRevision), 'Conflict');
        const deleted = await store.delete(key, updated.modRevision);
        assert.deepEqual(deleted, {
          key,
          value: obj('s2'),
          createRevision: created.createRevision,
          modRevision: updated.modRevision + 1,
        });
        assert.equal(store.currentRevision(), deleted.modRevision);
        assert.equal(await store.get(key), undefined);
        await rejectsWith(store.delete(key), 'NotFound');
        await rejectsWith(store.update(key, obj('s3'), deleted.modRevision), 'NotFound');
        const again = await store.create(key, obj('s3'));
        assert.equal(again.createRevision, deleted.modRevision + 1, 'a new incarnation');
        const plain = await store.delete(key);
        assert.equal(plain.value, obj('s3'));
      }),
    );

    void it(
      'hands out strictly increasing revisions, one per write',
      withStore(async (store) => {
        const revisions: number[] = [];
        for (let i = 0; i < 20; i++) {
          const kv = await store.create(`/registry/pods/ns/p${i}`, obj(i));
          revisions.push(kv.modRevision);
          assert.equal(store.currentRevision(), kv.modRevision);
        }
        const concurrent = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.create(`/registry/pods/ns/q${i}`, obj(i))),
        );
        revisions.push(...concurrent.map((kv) => kv.modRevision));
        for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i]! > revisions[i - 1]!);
        assert.equal(new Set(revisions).size, revisions.length);
        assert.equal(store.currentRevision(), revisions[revisions.length - 1]);
      }),
    );

    void it(
      'lists a prefix in key order with limit, startAfter and more',
      withStore(async (store) => {
        const names = ['c', 'a', 'e', 'b', 'd'];
        for (const n of names) await store.create(`/registry/pods/default/${n}`, obj(n));
        await store.create('/registry/pods/kube-system/x', obj('x'));
        await store.create('/registry/podsx/default/z', obj('z'));
        await store.create('/registry/pod', obj('p'));

        const all = await store.list('/registry/pods/default/');
        assert.deepEqual(keysOf(all.items), ['a', 'b', 'c', 'd', 'e'].map(pod));
        assert.equal(all.more, false);
        assert.equal(all.revision, store.currentRevision());

        const pods = await store.list('/registry/pods/');
        assert.deepEqual(keysOf(pods.items), [
          ...['a', 'b', 'c', 'd', 'e'].map(pod),
          '/registry/pods/kube-system/x',
        ]);
        assert.equal(await store.count('/registry/pods/'), 6);
        assert.equal(await store.count('/registry/'), 8);

        const first = await store.list('/registry/pods/default/', { limit: 2 });
        assert.deepEqual(keysOf(first.items), [pod('a'), pod('b')]);
        assert.equal(first.more, true);
        const second = await store.list('/registry/pods/default/', {
          limit: 2,
          startAfter: pod('b'),
        });
        assert.deepEqual(keysOf(second.items), [pod('c'), pod('d')]);
        assert.equal(second.more, true);
        const third = await store.list('/registry/pods/default/', {
          limit: 2,
          startAfter: pod('d'),
        });
        assert.deepEqual(keysOf(third.items), [pod('e')]);
        assert.equal(third.more, false);
        const exact = await store.list('/registry/pods/default/', { limit: 5 });
        assert.equal(exact.more, false);
        const between = await store.list('/registry/pods/default/', { startAfter: pod('bb') });
        assert.deepEqual(keysOf(between.items), ['c', 'd', 'e'].map(pod));

        await store.delete(pod('c'));
        const afterDelete = await store.list('/registry/pods/default/');
        assert.deepEqual(keysOf(afterDelete.items), ['a', 'b', 'd', 'e'].map(pod));
        assert.equal(await store.count('/registry/pods/default/'), 4);
        const item = afterDelete.items[0]!;
        assert.equal(item.value, obj('a'));
        assert.equal(item.createRevision, item.modRevision);
      }),
    );

    void it(
      'lists as of an older revision',
      withStore(async (store) => {
        const a = await store.create('/r/a', obj('a1'));
        const b = await store.create('/r/b', obj('b1'));
        const at = store.currentRevision();
        await store.update('/r/a', obj('a2'), a.modRevision);
        await store.delete('/r/b', b.modRevision);
        await store.create('/r/c', obj('c1'));
        const past = await store.list('/r/', { revision: at });
        assert.equal(past.revision, at);
        assert.deepEqual(past.items, [a, b]);
        const paged = await store.list('/r/', { revision: at, limit: 1 });
        assert.deepEqual(paged.items, [a]);
        assert.equal(paged.more, true);
        const now = await store.list('/r/');
        assert.deepEqual(keysOf(now.items), ['/r/a', '/r/c']);
      }),
    );

    void it(
      'watches from a past revision: history, then live, no gap, no duplicate',
      withStore(async (store) => {
        const a = await store.create('/w/a', obj('a1'));
        const start = store.currentRevision();
        const a2 = await store.update('/w/a', obj('a2'), a.modRevision);
        await store.create('/w/b', obj('b1'));
        const deleted = await store.delete('/w/a');
        const watcher = collect(store, '/w/', start, 5);
        await store.create('/w/c', obj('c1'));
        await store.update('/w/c', obj('c2'), store.currentRevision());
        const events = await watcher;
        assert.deepEqual(
          events.map((e) => [e.type, e.kv.key, e.kv.modRevision]),
          [
            ['update', '/w/a', start + 1],
            ['create', '/w/b', start + 2],
            ['delete', '/w/a', start + 3],
            ['create', '/w/c', start + 4],
            ['update', '/w/c', start + 5],
          ],
        );
        assert.deepEqual(events[0]!.prev, a);
        assert.deepEqual(events[0]!.kv, a2);
        assert.equal(events[1]!.prev, undefined);
        assert.deepEqual(events[2]!.kv, deleted);
        assert.deepEqual(events[2]!.prev, a2);
        assert.equal(events[4]!.prev?.value, obj('c1'));
        assert.equal(events[4]!.kv.value, obj('c2'));
      }),
    );

    void it(
      'watches from revision 0 and from the current revision',
      withStore(async (store) => {
        await store.create('/z/1', obj(1));
        await store.create('/z/2', obj(2));
        const fromZero = collect(store, '/z/', 0, 3);
        const fromNow = collect(store, '/z/', store.currentRevision(), 1);
        await store.create('/z/3', obj(3));
        assert.deepEqual(keysOf((await fromZero).map((e) => e.kv)), ['/z/1', '/z/2', '/z/3']);
        assert.deepEqual(keysOf((await fromNow).map((e) => e.kv)), ['/z/3']);
      }),
    );

    void it(
      'delivers every event in order across many concurrent writes',
      withStore(async (store) => {
        await store.create('/m/seed', obj(0));
        const start = store.currentRevision();
        const n = 1500;
        const watcher = collect(store, '/m/', start, n, 20_000);
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < n; i++) writes.push(store.create(`/m/k${i}`, obj(i)));
        await Promise.all(writes);
        const events = await watcher;
        assert.equal(events.length, n);
        events.forEach((e, i) => assert.equal(e.kv.modRevision, start + 1 + i));
        assert.equal(new Set(events.map((e) => e.kv.key)).size, n);
      }),
    );

    void it(
      'replays a long history while writes continue, without gaps',
      withStore(async (store) => {
        for (let i = 0; i < 1200; i++) await store.create(`/h/k${i}`, obj(i));
        const watcher = collect(store, '/h/', 0, 1400, 20_000);
        for (let i = 1200; i < 1400; i++) await store.create(`/h/k${i}`, obj(i));
        const events = await watcher;
        events.forEach((e, i) => assert.equal(e.kv.key, `/h/k${i}`));
      }),
    );

    void it(
      'filters watch events by prefix',
      withStore(async (store) => {
        const start = store.currentRevision();
        const pods = collect(store, '/registry/pods/default/', start, 2);
        await store.create('/registry/pods/default/a', obj('a'));
        await store.create('/registry/pods/other/b', obj('b'));
        await store.create('/registry/podsx/default/c', obj('c'));
        await store.create('/registry/services/default/d', obj('d'));
        await store.create('/registry/pods/default/e', obj('e'));
        const events = await pods;
        assert.deepEqual(keysOf(events.map((e) => e.kv)), [
          '/registry/pods/default/a',
          '/registry/pods/default/e',
        ]);
        const history = await collect(store, '/registry/pods/', start, 3);
        assert.deepEqual(keysOf(history.map((e) => e.kv)), [
          '/registry/pods/default/a',
          '/registry/pods/other/b',
          '/registry/pods/default/e',
        ]);
      }),
    );

    void it(
      'compacts history and rejects older starts with Compacted',
      withStore(async (store) => {
        const a = await store.create('/c/a', obj('a1'));
        const a2 = await store.update('/c/a', obj('a2'), a.modRevision);
        const b = await store.create('/c/b', obj('b1'));
        await store.delete('/c/b', b.modRevision);
        const kept = await store.create('/c/c', obj('c1'));
        const at = store.currentRevision();
        const a3 = await store.update('/c/a', obj('a3'), a2.modRevision);

        await store.compact(at);
        assert.equal(store.compactRevision(), at);
        await store.compact(at - 1); // an older point is a no-op
        assert.equal(store.compactRevision(), at);

        assert.deepEqual((await store.list('/c/')).items, [a3, kept]);
        assert.deepEqual((await store.list('/c/', { revision: at })).items, [a2, kept]);
        const listErr = await rejectsWith(store.list('/c/', { revision: at - 1 }), 'Compacted');
        assert.equal(listErr.compactRevision, at);

        const watchErr = await rejectsWith(collect(store, '/c/', at - 1, 1), 'Compacted');
        assert.equal(watchErr.compactRevision, at);
        const events = await collect(store, '/c/', at, 1);
        assert.deepEqual(events[0]!.kv, a3);
        assert.deepEqual(events[0]!.prev, a2);

        const later = await store.update('/c/c', obj('c2'), kept.modRevision);
        assert.ok(later.modRevision > a3.modRevision, 'revisions keep growing after compaction');
        await assert.rejects(store.compact(store.currentRevision() + 10), RangeError);
      }),
    );

    void it(
      'ends a watcher that falls behind with Compacted, without stalling others',
      withStore(async (store) => {
        const start = store.currentRevision();
        const controller = new AbortController();
        const slow = store.watch('/s/', { afterRevision: start, signal: controller.signal });
        const slowIt = slow[Symbol.asyncIterator]();
        const total = bufferSize + 50;
        const fast = collect(store, '/s/', start, total, 60_000);
        const batch = 500;
        for (let i = 0; i < total; i += batch) {
          const writes: Promise<unknown>[] = [];
          for (let j = i; j < Math.min(total, i + batch); j++) {
            writes.push(store.create(`/s/k${j}`, 'x'));
          }
          await Promise.all(writes);
          // Let the fast watcher drain, as it would between requests in a server.
          await new Promise((resolve) => setImmediate(resolve));
        }
        assert.equal((await fast).length, total);
        let received = 0;
        const error = await rejectsWith(
          (async () => {
            for (;;) {
              const r = await slowIt.next();
              if (r.done) break;
              received++;
            }
          })(),
          'Compacted',
        );
        assert.ok(received < total, `slow watcher got ${received} of ${total}`);
        assert.match(error.message, /list again/);
        controller.abort();
      }),
    );

    void it(
      'ends iteration when the signal aborts',
      withStore(async (store) => {
        const controller = new AbortController();
        const it = store
          .watch('/', { afterRevision: 0, signal: controller.signal })
          [Symbol.asyncIterator]();
        const pending = it.next();
        controller.abort();
        assert.deepEqual(await pending, { done: true, value: undefined });
        assert.equal((await it.next()).done, true);

        const aborted = AbortSignal.abort();
        let count = 0;
        await store.create('/a/x', obj('x'));
        for await (const _ of store.watch('/', { afterRevision: 0, signal: aborted })) count++;
        assert.equal(count, 0);

        const loop = new AbortController();
        const seen: string[] = [];
        const done = (async () => {
          for await (const e of store.watch('/', { afterRevision: 0, signal: loop.signal })) {
            seen.push(e.kv.key);
            if (seen.length === 2) loop.abort();
          }
        })();
        await store.create('/a/y', obj('y'));
        await store.create('/a/z', obj('z'));
        await done;
        assert.deepEqual(seen, ['/a/x', '/a/y']);
      }),
    );

    void it(
      'rejects use after close with Closed and ends watchers',
      withStore(async (store) => {
        const controller = new AbortController();
        const it = store
          .watch('/', { afterRevision: 0, signal: controller.signal })
          [Symbol.asyncIterator]();
        const pending = rejectsWith(it.next(), 'Closed');
        await store.close();
        await pending;
        await rejectsWith(store.get('/x'), 'Closed');
        await rejectsWith(store.create('/x', obj('x')), 'Closed');
        await rejectsWith(collect(store, '/', 0, 1), 'Closed');
        await store.close(); // idempotent
      }),
    );
  });
}

function obj(name: string | number): string {
  return JSON.stringify({ metadata: { name: String(name) }, spec: { n: name } });
}

function pod(name: string): string {
  return `/registry/pods/default/${name}`;
}

function keysOf(items: readonly { key: string }[]): string[] {
  return items.map((kv) => kv.key);
}

async function rejectsWith(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StoreError, `expected StoreError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected StoreError ${code}, but it succeeded`);
}

/** The first n events of a watch (then stops watching); fails after timeoutMs. */
export async function collect(
  store: Store,
  prefix: string,
  afterRevision: number,
  n: number,
  timeoutMs = 5000,
): Promise<StoreEvent[]> {
  const controller = new AbortController();
  const events: StoreEvent[] = [];
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    for await (const event of store.watch(prefix, { afterRevision, signal: controller.signal })) {
      events.push(event);
      if (events.length === n) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  assert.equal(events.length, n, `watch on "${prefix}" got ${events.length} of ${n} events`);
  return events;
}
