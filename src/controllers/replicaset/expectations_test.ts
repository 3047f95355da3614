import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createExpectations, EXPECTATIONS_TIMEOUT_MS } from './expectations.js';

describe('expectations', () => {
  it('waits for observed creates and tracked deletes, or for the timeout', () => {
    let t = 0;
    const e = createExpectations({ now: () => new Date(t) });
    assert.ok(e.satisfied('ns/a'));
    e.expectCreations('ns/a', 2);
    assert.ok(!e.satisfied('ns/a'));
    e.creationObserved('ns/a');
    e.creationObserved('ns/a');
    assert.ok(e.satisfied('ns/a'));

    e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/p1'); // the same pod seen twice counts once
    e.deletionObserved('ns/a', 'ns/other');
    assert.ok(!e.satisfied('ns/a'));
    e.deletionObserved('ns/a', 'ns/p2');
    assert.ok(e.satisfied('ns/a'));

    e.expectCreations('ns/a', 1);
    t += EXPECTATIONS_TIMEOUT_MS + 1;
    assert.ok(e.satisfied('ns/a'));
  });

  it('waits for creates and deletes expected together', () => {
    const e = createExpectations({ now: () => new Date(0) });
    e.expect('ns/d', 1, ['ns/p1']);
    e.creationObserved('ns/d');
    assert.ok(!e.satisfied('ns/d'));
    e.deletionObserved('ns/d', 'ns/p1');
    assert.ok(e.satisfied('ns/d'));
  });
});
