import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SortedKeys } from './sorted-keys.js';

void it('stays sorted through random inserts and deletes, across many chunks', () => {
  const keys = new SortedKeys();
  const reference = new Set<string>();
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let step = 0; step < 20_000; step++) {
    const key = `/registry/pods/ns${Math.floor(random() * 5)}/p${Math.floor(random() * 3000)}`;
    if (reference.has(key)) {
      if (random() < 0.5) {
        assert.equal(keys.delete(key), true);
        reference.delete(key);
      }
    } else {
      keys.insert(key);
      reference.add(key);
    }
  }
  const sorted = [...reference].sort();
  assert.equal(keys.size, sorted.length);
  assert.deepEqual([...keys.from('', false)], sorted);
  assert.equal(keys.delete('/not/there'), false);

  const start = sorted[1234]!;
  assert.deepEqual([...keys.from(start, false)].slice(0, 3), sorted.slice(1234, 1237));
  assert.deepEqual([...keys.from(start, true)].slice(0, 3), sorted.slice(1235, 1238));
  assert.deepEqual(
    [...keys.from('/registry/pods/ns2/', false)][0],
    sorted.find((k) => k >= '/registry/pods/ns2/'),
  );
  assert.deepEqual([...keys.from('/zzz', false)], []);
});
