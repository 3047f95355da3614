import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvents, fromList, type KObject } from './reducer.js';

const pod = (name: string, rv: string, ns = 'default'): KObject => ({
  metadata: { name, namespace: ns, resourceVersion: rv },
});

describe('watched list reducer', () => {
  it('adds, modifies and deletes by namespace/name, and moves the resourceVersion', () => {
    let s = fromList([pod('a', '1')], '5');
    s = applyEvents(s, [
      { type: 'ADDED', object: pod('b', '6') },
      { type: 'MODIFIED', object: { ...pod('a', '7'), spec: { x: 1 } } },
      { type: 'ADDED', object: pod('a', '8', 'other') },
    ]);
    assert.deepEqual([...s.items.keys()].sort(), ['default/a', 'default/b', 'other/a']);
    assert.equal(s.items.get('default/a')?.spec.x, 1);
    assert.equal(s.resourceVersion, '8');
    s = applyEvents(s, [{ type: 'DELETED', object: pod('b', '9') }]);
    assert.deepEqual([...s.items.keys()].sort(), ['default/a', 'other/a']);
    assert.equal(s.resourceVersion, '9');
  });

  it('a bookmark moves only the resourceVersion, and an empty batch keeps the same state', () => {
    const s = fromList([pod('a', '1')], '5');
    assert.equal(applyEvents(s, []), s);
    const t = applyEvents(s, [
      { type: 'BOOKMARK', object: { metadata: { resourceVersion: '40' } } },
    ]);
    assert.equal(t.items, s.items);
    assert.equal(t.resourceVersion, '40');
  });

  it('ignores an event older than the object it holds (a replay after reconnecting)', () => {
    let s = fromList([{ ...pod('a', '10'), spec: { v: 'new' } }], '10');
    s = applyEvents(s, [{ type: 'MODIFIED', object: { ...pod('a', '9'), spec: { v: 'old' } } }]);
    assert.equal(s.items.get('default/a')?.spec.v, 'new');
  });
});
