import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCachedStore } from './cached.js';
import { eventually } from '../../test/support/eventually.js';
import { collect, runStoreConformance } from '../../test/support/storage-conformance.js';
import { createMemoryStore } from './memory.js';
import { createSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-cached-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshSqlite = () => createSqliteStore({ path: join(root, `state-${n++}.db`) });

runStoreConformance('cached over sqlite', () => createCachedStore(freshSqlite()));

void describe('watch cache', () => {
  void it('loads existing keys and serves reads from memory', async () => {
    const backing = freshSqlite();
    await backing.create('/registry/pods/default/a', 'a');
    await backing.create('/registry/pods/default/b', 'b');
    const cached = await createCachedStore(backing);
    try {
      assert.equal(cached.currentRevision(), 2);
      assert.deepEqual(
        (await cached.list('/registry/pods/')).items.map((kv) => kv.key),
        ['/registry/pods/default/a', '/registry/pods/default/b'],
      );
      const c = await cached.create('/registry/pods/default/c', 'c');
      assert.deepEqual(await cached.get(c.key), c, 'a read right after a write sees it');
      assert.equal(await cached.count('/registry/pods/'), 3);
    } finally {
      await cached.close();
    }
  });

  void it('follows writes made directly to the backing store', async () => {
    const backing = createMemoryStore();
    const cached = await createCachedStore(backing);
    try {
      const watch = collect(cached, '/x/', 0, 1);
      await backing.create('/x/direct', 'd');
      const [event] = await watch;
      assert.equal(event?.kv.key, '/x/direct');
      assert.equal((await cached.get('/x/direct'))?.value, 'd');
    } finally {
      await cached.close();
    }
  });

  void it('lists 10,000 keys whole and in pages of 500', async () => {
    const cached = await createCachedStore(createMemoryStore());
    try {
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 10_000; i++) {
        const ns = `ns${i % 10}`;
        const value = JSON.stringify({ metadata: { name: `pod-${i}`, namespace: ns } });
        writes.push(cached.create(`/registry/pods/${ns}/pod-${i}`, value));
      }
      await Promise.all(writes);
      await cached.create('/registry/services/default/kubernetes', '{}');
      const all = await cached.list('/registry/pods/');
      assert.equal(all.items.length, 10_000);
      let pages = 0;
      let startAfter: string | undefined;
      for (;;) {
        const page = await cached.list('/registry/pods/', { limit: 500, startAfter });
        pages++;
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1]!.key;
      }
      assert.equal(pages, 20);
      assert.equal(await cached.count('/registry/pods/ns3/'), 1000);
    } finally {
      await cached.close();
    }
  });

  void it('delivers every event to 1,000 concurrent watchers', async () => {
    const cached = await createCachedStore(freshSqlite());
    try {
      const events = 200;
      const start = cached.currentRevision();
      const watchers = Array.from({ length: 1000 }, () =>
        collect(cached, '/registry/', start, events, 30_000),
      );
      for (let i = 0; i < events; i++) {
        await cached.create(`/registry/configmaps/default/cm${i}`, '{}');
      }
      for (const received of await Promise.all(watchers)) {
        assert.equal(received.length, events);
        received.forEach((e, i) => assert.equal(e.kv.modRevision, start + 1 + i));
      }
    } finally {
      await cached.close();
    }
  });

  void it('falls back to the backing store for watches older than its ring', async () => {
    const backing = freshSqlite();
    const cached = await createCachedStore(backing, { historySize: 10 });
    try {
      for (let i = 0; i < 30; i++) await cached.create(`/r/k${i}`, String(i));
      const events = await collect(cached, '/r/', 0, 30);
      assert.deepEqual(
        events.map((e) => e.kv.key),
        Array.from({ length: 30 }, (_, i) => `/r/k${i}`),
      );
      const recent = await collect(cached, '/r/', 25, 5);
      assert.equal(recent[0]?.kv.key, '/r/k25');
    } finally {
      await cached.close();
    }
  });

  void it('reloads when its feed from the backing store breaks', async () => {
    const backing = createMemoryStore({ watchBufferSize: 5 });
    const cached = await createCachedStore(backing, { retryDelayMs: 1 });
    try {
      // Writes straight to the backing store, in one synchronous burst, overflow the
      // cache's own subscription; the cache must list again and catch up.
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) writes.push(backing.create(`/b/k${i}`, String(i)));
      await Promise.all(writes);
      await eventually(
        async () => (await cached.count('/b/')) === 20,
        'the cache to hold 20 keys',
        {
          timeoutMs: 5000,
          intervalMs: 5,
        },
      );
      assert.equal(cached.currentRevision(), backing.currentRevision());
    } finally {
      await cached.close();
    }
  });
});

export type { Store };
