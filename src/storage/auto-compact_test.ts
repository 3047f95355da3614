import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startCompactor } from './auto-compact.js';
import { createMemoryStore } from './memory.js';
import { eventually } from '../../test/support/eventually.js';

void it('compacts to currentRevision - keepRevisions on its interval', async () => {
  const store = createMemoryStore();
  const controller = new AbortController();
  try {
    for (let i = 0; i < 30; i++) await store.create(`/k/${i}`, String(i));
    startCompactor(store, { keepRevisions: 10, intervalMs: 5, signal: controller.signal });
    await eventually(() => store.compactRevision() === 20, 'the compactor to run', {
      timeoutMs: 5000,
      intervalMs: 5,
    });
    await assert.rejects(store.list('/k/', { revision: 19 }), { code: 'Compacted' });
    assert.equal((await store.list('/k/')).items.length, 30, 'live keys stay');
  } finally {
    controller.abort();
    await store.close();
  }
});

void it('does nothing until there is more history than it keeps, and stops on abort', async () => {
  const store = createMemoryStore();
  const controller = new AbortController();
  try {
    const compactor = startCompactor(store, {
      keepRevisions: 100,
      intervalMs: 60_000,
      signal: controller.signal,
    });
    for (let i = 0; i < 50; i++) await store.create(`/k/${i}`, String(i));
    assert.equal(await compactor.runOnce(), undefined);
    for (let i = 50; i < 150; i++) await store.create(`/k/${i}`, String(i));
    assert.equal(await compactor.runOnce(), 50);
    assert.equal(store.compactRevision(), 50);
    controller.abort();
  } finally {
    await store.close();
  }
});

void it('reports a failed run and keeps going', async () => {
  const store = createMemoryStore();
  const controller = new AbortController();
  const errors: unknown[] = [];
  await store.create('/a', '1');
  await store.create('/b', '2');
  await store.close(); // every compaction now fails with Closed
  startCompactor(store, {
    keepRevisions: 0,
    intervalMs: 5,
    signal: controller.signal,
    onError: (error) => errors.push(error),
  });
  await eventually(() => errors.length >= 2, 'two errors reported', {
    timeoutMs: 5000,
    intervalMs: 5,
  });
  controller.abort();
  assert.match(String(errors[0]), /closed/);
});

void it('rejects nonsense options', () => {
  const store = createMemoryStore();
  const signal = new AbortController().signal;
  assert.throws(
    () => startCompactor(store, { keepRevisions: -1, intervalMs: 10, signal }),
    RangeError,
  );
  assert.throws(
    () => startCompactor(store, { keepRevisions: 1, intervalMs: 0, signal }),
    RangeError,
  );
});
