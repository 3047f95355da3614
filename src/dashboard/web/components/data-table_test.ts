import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { visibleSlice } from './data-table.js';

describe('windowed table slice', () => {
  it('renders the rows in view and a margin on each side', () => {
    assert.deepEqual(visibleSlice(5000, 0, 330, 33, 5), [0, 15]);
    assert.deepEqual(visibleSlice(5000, 3300, 330, 33, 5), [95, 115]);
  });
  it('stays within the list at its end and with odd offsets', () => {
    assert.deepEqual(visibleSlice(5000, 5000 * 33, 330, 33, 5), [4995, 5000]);
    assert.deepEqual(visibleSlice(10, 99999, 330, 33, 5), [10, 10]);
    assert.deepEqual(visibleSlice(10, -50, 330, 33, 5), [0, 10]);
  });
});
