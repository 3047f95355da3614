import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopySlabs } from './copy-slabs.js';

describe('CopySlabs', () => {
  it('keeps each copy intact while the read buffer is reused and writes wait', () => {
    const slabs = new CopySlabs();
    const reused = Buffer.alloc(16 * 1024);
    const held: [Buffer, () => void, number][] = [];
    for (let i = 0; i < 100; i++) {
      reused.fill(i);
      const [copy, release] = slabs.copy(reused);
      held.push([copy, release, i]);
    }
    for (const [copy, , i] of held) assert.ok(copy.every((b) => b === i));
    for (const [, release] of held) release();
  });

  it('uses a slab again once the writes holding it are done', () => {
    const slabs = new CopySlabs();
    const chunk = Buffer.alloc(64 * 1024, 1);
    const first = slabs.copy(chunk);
    const seen = new Set<ArrayBufferLike>([first[0].buffer]);
    first[1]();
    // Each copy is released at once, as a write that went straight out: a few slabs serve all.
    for (let i = 0; i < 64; i++) {
      const [copy, release] = slabs.copy(chunk);
      seen.add(copy.buffer);
      release();
    }
    assert.ok(seen.size <= 2, `${seen.size} slabs for 4 MiB written one piece at a time`);
  });

  it('hands the slabs of a closed stream to the next one', () => {
    const first = new CopySlabs();
    const [a, releaseA] = first.copy(Buffer.from('first'));
    first.close();
    releaseA();
    const [b, releaseB] = new CopySlabs().copy(Buffer.from('second'));
    assert.equal(b.buffer, a.buffer);
    assert.equal(b.toString(), 'second');
    releaseB();
  });

  it('copies a piece larger than a slab on its own', () => {
    const big = Buffer.alloc(1 << 20, 9);
    const [copy, release] = new CopySlabs().copy(big);
    assert.ok(copy.equals(big));
    release();
  });
});
