import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyRevision,
  newRevision,
  revisionHash,
  sortRevisions,
  type Revision,
} from './history.js';
import type { StatefulSet } from './types.js';

const set = (image: string): StatefulSet => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'shop', uid: 'u', annotations: { note: 'x' } },
  spec: {
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'c', image }] },
    },
  },
});

void test('a revision holds the patch that restores the template, named by its hash', () => {
  const rev = newRevision(set('nginx:1'), 3, 0);
  const hash = revisionHash(rev.data, 0);
  assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(rev.metadata.name, `web-${hash}`);
  assert.equal(rev.revision, 3);
  assert.deepEqual(rev.metadata.labels, { app: 'nginx', 'controller-revision-hash': hash });
  assert.deepEqual(rev.metadata.annotations, { note: 'x' });
  assert.deepEqual(rev.data, {
    spec: {
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
        $patch: 'replace',
      },
    },
  });
  // Same template, same name; another template or a collision, another name.
  assert.equal(newRevision(set('nginx:1'), 9, 0).metadata.name, rev.metadata.name);
  assert.notEqual(newRevision(set('nginx:2'), 3, 0).metadata.name, rev.metadata.name);
  assert.notEqual(newRevision(set('nginx:1'), 3, 1).metadata.name, rev.metadata.name);
});

void test('applying a revision puts its template back', () => {
  const old = newRevision(set('nginx:1'), 1, 0);
  const applied = applyRevision(set('nginx:2'), old);
  assert.deepEqual(applied.spec?.template, set('nginx:1').spec?.template);
  assert.deepEqual(applied.spec?.selector, { matchLabels: { app: 'nginx' } });
});

void test('revisions sort by number, then age, then name', () => {
  const r = (name: string, revision: number, at: string): Revision => ({
    metadata: { name, creationTimestamp: at },
    revision,
  });
  const sorted = sortRevisions([
    r('c', 2, '2026-01-01T00:00:00Z'),
    r('b', 1, '2026-01-02T00:00:00Z'),
    r('a', 1, '2026-01-02T00:00:00Z'),
    r('d', 1, '2026-01-01T00:00:00Z'),
  ]);
  assert.deepEqual(
    sorted.map((x) => x.metadata.name),
    ['d', 'a', 'b', 'c'],
  );
});
