import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { visibleSlice } from './data-table.js';

describe('windowed table slice', () => {
  it('renders the rows in view and a margin on each side', () => {
    assert.deepEqual(visibleSlice(5000, 0, 330, 33, 5), [0, 16]);
    assert.deepEqual(visibleSlice(5000, 3300, 330, 33, 5), [95, 116]);
  });
  it('stays within the list at its end and with odd offsets', () => {
    assert.deepEqual(visibleSlice(5000, 5000 * 33, 330, 33, 5), [4995, 5000]);
    assert.deepEqual(visibleSlice(10, 99999, 330, 33, 5), [10, 10]);
    assert.deepEqual(visibleSlice(10, -50, 330, 33, 5), [0, 10]);
  });
});

describe('windowed table slice, generated', () => {
  it('always covers the rows in view and stays within the list (seeded, 500 cases)', () => {
    let seed = 15;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      const total = rand(6000);
      const height = 20 + rand(40);
      const viewport = rand(2000);
      const top = rand(total * height + 500) - 100;
      const margin = rand(20);
      const [start, end] = visibleSlice(total, top, viewport, height, margin);
      assert.ok(0 <= start && start <= end && end <= total, `${total} ${top}: ${start}-${end}`);
      const firstInView = Math.floor(Math.max(0, top) / height);
      const lastInView = Math.min(total - 1, Math.floor((Math.max(0, top) + viewport) / height));
      if (firstInView < total) {
        assert.ok(start <= firstInView, `first row in view rendered (${total} ${top})`);
        assert.ok(end >= Math.min(total, lastInView + 1), `last row in view rendered (${end})`);
      }
      assert.ok(end - start <= Math.ceil(viewport / height) + 2 * margin + 2, 'only a window');
    }
  });
});
