import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndexes, parseIndexes } from './indexes.js';

void test('completed indexes: three or more in a row compress to a range', () => {
  assert.equal(formatIndexes([7, 1, 3, 4, 5]), '1,3-5,7');
  assert.equal(formatIndexes([0, 1]), '0,1');
  assert.equal(formatIndexes([]), '');
  assert.equal(formatIndexes([2, 2, 3, 4]), '2-4');
  assert.deepEqual([...parseIndexes('1,3-5,7', 10)].sort(), [1, 3, 4, 5, 7]);
  // Indexes at or past completions (after a scale down) are dropped.
  assert.deepEqual([...parseIndexes('0-4', 3)].sort(), [0, 1, 2]);
  assert.deepEqual([...parseIndexes('', 3)], []);
});
