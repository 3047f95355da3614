import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../storage/index.js';
import { instrumentStore, storageTypeOf } from './storage.js';

it('names the resource a storage key belongs to', () => {
  assert.equal(storageTypeOf('/registry/core/pods/default/web'), 'pods');
  assert.equal(storageTypeOf('/registry/apps/deployments/'), 'deployments.apps');
  assert.equal(storageTypeOf('/registry/core/namespaces/'), 'namespaces');
  assert.equal(storageTypeOf('/elsewhere/x'), '');
  assert.equal(storageTypeOf(''), '');
});

it('times every storage call; only real failures count as errors', async () => {
  const seen: [string, string, boolean][] = [];
  const inner = createMemoryStore();
  const store = instrumentStore(inner, (op, type, seconds, failed) => {
    assert.ok(seconds >= 0);
    seen.push([op, type, failed]);
  });
  const kv = await store.create('/registry/core/configmaps/ns/a', '{}');
  await assert.rejects(store.create('/registry/core/configmaps/ns/a', '{}'));
  assert.equal(await store.get('/registry/core/configmaps/ns/missing'), undefined);
  await store.update('/registry/core/configmaps/ns/a', '{"x":1}', kv.modRevision);
  await assert.rejects(store.update('/registry/core/configmaps/ns/a', '{}', kv.modRevision));
  assert.equal((await store.list('/registry/apps/deployments/')).items.length, 0);
  assert.equal(await store.count('/registry/core/configmaps/'), 1);
  await store.delete('/registry/core/configmaps/ns/a');
  await store.close();
  await assert.rejects(store.get('/registry/core/configmaps/ns/a'));
  assert.deepEqual(seen, [
    ['create', 'configmaps', false],
    ['create', 'configmaps', false], // KeyExists: an answer
    ['get', 'configmaps', false],
    ['update', 'configmaps', false],
    ['update', 'configmaps', false], // Conflict: an answer
    ['list', 'deployments.apps', false],
    ['count', 'configmaps', false],
    ['delete', 'configmaps', false],
    ['get', 'configmaps', true], // the store is closed
  ]);
});
