import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect, runStoreConformance } from '../../test/support/storage-conformance.js';
import { createSqliteStore } from './sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `state-${n++}.db`);

runStoreConformance('sqlite', () => createSqliteStore({ path: freshPath() }));

void describe('sqlite store across restarts', () => {
  void it('brings back every key and the revision counter', async () => {
    const path = freshPath();
    const first = createSqliteStore({ path });
    const a = await first.create('/registry/pods/default/a', '{"a":1}');
    const a2 = await first.update(a.key, '{"a":2}', a.modRevision);
    const b = await first.create('/registry/pods/default/b', '{"b":1}');
    await first.create('/registry/pods/default/gone', '{}');
    await first.delete('/registry/pods/default/gone');
    const revision = first.currentRevision();
    await first.close();

    const second = createSqliteStore({ path });
    try {
      assert.equal(second.currentRevision(), revision);
      assert.deepEqual((await second.list('/registry/')).items, [a2, b]);
      assert.equal(await second.get('/registry/pods/default/gone'), undefined);
      const events = await collect(second, '/registry/', 0, 5);
      assert.deepEqual(
        events.map((e) => e.type),
        ['create', 'update', 'create', 'create', 'delete'],
      );
      const c = await second.create('/registry/pods/default/c', '{}');
      assert.equal(c.modRevision, revision + 1);
    } finally {
      await second.close();
    }
  });

  void it('keeps the compact revision, and never reuses a revision compaction removed', async () => {
    const path = freshPath();
    const first = createSqliteStore({ path });
    const a = await first.create('/k/a', 'a1');
    await first.update('/k/a', 'a2', a.modRevision);
    await first.create('/k/b', 'b');
    await first.delete('/k/b'); // the newest row is a tombstone that compaction removes
    const revision = first.currentRevision();
    await first.compact(revision);
    await first.close();

    const second = createSqliteStore({ path });
    try {
      assert.equal(second.compactRevision(), revision);
      assert.equal(second.currentRevision(), revision);
      await assert.rejects(second.list('/k/', { revision: revision - 1 }), { code: 'Compacted' });
      const c = await second.create('/k/c', 'c');
      assert.equal(c.modRevision, revision + 1);
      assert.deepEqual(
        (await second.list('/k/')).items.map((kv) => [kv.key, kv.value]),
        [
          ['/k/a', 'a2'],
          ['/k/c', 'c'],
        ],
      );
    } finally {
      await second.close();
    }
  });

  void it('compaction removes superseded rows from the file', async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    try {
      let kv = await store.create('/big/a', 'x'.repeat(1000));
      for (let i = 0; i < 3000; i++) kv = await store.update('/big/a', `v${i}`, kv.modRevision);
      await store.create('/big/b', 'b');
      await store.compact(store.currentRevision());
      // Only the newest row of each live key is left: history from revision 0 is gone,
      // and a watch from the compact revision sees nothing older.
      assert.deepEqual(
        (await store.list('/big/')).items.map((i) => i.value),
        ['v2999', 'b'],
      );
      const { default: Database } = await import('better-sqlite3');
      const peek = new Database(path, { readonly: true });
      try {
        assert.equal(peek.prepare('SELECT COUNT(*) FROM log').pluck().get(), 2);
      } finally {
        peek.close();
      }
    } finally {
      await store.close();
    }
  });
});
