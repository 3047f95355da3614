import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from './index.js';

void test('every declared status, finalize or scale subresource has its strategy on the definition', () => {
  for (const d of builtinResources)
    for (const sub of d.subresources ?? []) {
      const where = `${d.group}/${d.plural}/${sub.name}`;
      if (sub.name === 'status') assert.ok(d.statusStrategy, where);
      if (sub.name === 'finalize') assert.ok(d.finalizeStrategy, where);
      if (sub.name === 'scale') assert.ok(d.scaleStrategy, where);
    }
});

void test('no definition carries a strategy for a subresource it does not declare', () => {
  for (const d of builtinResources) {
    const subs = new Set((d.subresources ?? []).map((s) => s.name));
    if (d.statusStrategy) assert.ok(subs.has('status'), d.plural);
    if (d.finalizeStrategy) assert.ok(subs.has('finalize'), d.plural);
    if (d.scaleStrategy) assert.ok(subs.has('scale'), d.plural);
  }
});
