import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followPrefix } from './follow.js';
import { createMemoryStore } from './memory.js';

const until = async (what: string, ok: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('followPrefix lists every page at one revision, then passes on later writes under the prefix', async () => {
  const store = createMemoryStore();
  for (let i = 0; i < 1_205; i++) await store.create(`/r/a/${String(i).padStart(4, '0')}`, `${i}`);
  await store.create('/other/x', 'x');
  const listed: number[] = [];
  const events: string[] = [];
  const stop = new AbortController();
  const done = followPrefix(
    store,
    '/r/',
    {
      listed: (items) => listed.push(items.length),
      event: (e) => events.push(`${e.type} ${e.kv.key}`),
    },
    stop.signal,
  );
  await until('the list', () => listed.length === 1);
  assert.deepEqual(listed, [1_205]);
  await store.create('/r/b', 'b');
  await store.create('/other/y', 'y');
  await until('the event', () => events.length === 1);
  assert.deepEqual(events, ['create /r/b']);
  stop.abort();
  await done;
  await store.close();
});

test('followPrefix stops when its signal aborts, saying the listing is no longer followed', async () => {
  const store = createMemoryStore();
  await store.create('/r/a', 'a');
  let lost = 0;
  let lists = 0;
  const stop = new AbortController();
  const done = followPrefix(
    store,
    '/r/',
    { listed: () => void lists++, event: () => undefined, lost: () => void lost++ },
    stop.signal,
  );
  await until('the list', () => lists === 1);
  stop.abort();
  await done;
  assert.equal(lost, 1);
  await store.close();
});
