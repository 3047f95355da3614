import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { openStore, storeSchemes } from './registry.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));

void it('opens memory:// as an empty in-memory store', async () => {
  const store = await openStore('memory://');
  try {
    await store.create('/a', '1');
    assert.equal(store.currentRevision(), 1);
  } finally {
    await store.close();
  }
});

void it('opens sqlite:///abs/path and a plain path as the same file', async () => {
  const path = join(root, 'state.db');
  const first = await openStore(`sqlite://${path}`);
  await first.create('/registry/pods/default/a', '{}');
  await first.close();
  const second = await openStore(path);
  try {
    assert.equal((await second.get('/registry/pods/default/a'))?.value, '{}');
  } finally {
    await second.close();
  }
});

void it('fails loudly for etcd, which is not implemented yet', async () => {
  await assert.rejects(
    openStore('etcd://127.0.0.1:2379'),
    /etcd storage backend is not implemented yet/,
  );
});

void it('names the known schemes for an unknown one', async () => {
  await assert.rejects(openStore('postgres://db/skiff'), (error: Error) => {
    assert.match(error.message, /Unknown storage URL scheme "postgres:\/\/"/);
    for (const scheme of storeSchemes()) assert.ok(error.message.includes(`${scheme}://`));
    return true;
  });
  await assert.rejects(openStore(''), /empty/);
  await assert.rejects(openStore('sqlite://'), /names no database file/);
});
