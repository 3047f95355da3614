import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, equalIgnoreHash, fnv32a, safeEncode } from './hash.js';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue } from './intstr.js';
import { setNewReplicaSetAnnotations } from './annotations.js';
import { proportion } from './replicasets.js';
import type { Deployment, ReplicaSet } from './types.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

void describe('pod-template-hash', () => {
  void it('is FNV-32a', () => {
    assert.equal(fnv32a(bytes('')), 0x811c9dc5);
    assert.equal(fnv32a(bytes('a')), 0xe40c292c);
    assert.equal(fnv32a(bytes('foobar')), 0xbf9cf968);
  });

  void it('spells digits in the safe alphabet', () => {
    assert.equal(safeEncode('0123456789'), '456789bcdf');
  });

  void it('is stable for a template, changes with it and with the collision count', () => {
    const t = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'a', image: 'x' }] },
    };
    const same = {
      spec: { containers: [{ image: 'x', name: 'a' }] },
      metadata: { labels: { app: 'web' } },
    };
    const h = computeHash(t);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(computeHash(same), h);
    assert.notEqual(computeHash({ ...t, spec: { containers: [{ name: 'a', image: 'y' }] } }), h);
    assert.notEqual(computeHash(t, 0), h);
    assert.notEqual(computeHash(t, 1), computeHash(t, 0));
  });

  void it('template equality ignores the hash label and empty values', () => {
    const a = {
      metadata: { labels: { app: 'web' }, creationTimestamp: null },
      spec: { volumes: [] },
    };
    const b = { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: {} };
    assert.ok(equalIgnoreHash(a as never, b));
    assert.ok(!equalIgnoreHash(a as never, { metadata: { labels: { app: 'db' } } }));
  });
});

const rolling = (
  replicas: number,
  surge: number | string,
  unavailable: number | string,
): Deployment => ({
  metadata: { name: 'd' },
  spec: {
    replicas,
    strategy: {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable },
    },
  },
});

void describe('maxSurge and maxUnavailable', () => {
  void it('round surge up and unavailability down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), [1, 0]);
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), [3, 2]);
    assert.deepEqual(resolveFenceposts('30%', '20%', 10), [3, 2]);
    assert.deepEqual(resolveFenceposts(2, 1, 10), [2, 1]);
  });

  void it('lets one pod be unavailable when both round to zero', () => {
    assert.deepEqual(resolveFenceposts('0%', '10%', 5), [0, 1]);
  });

  void it('caps unavailability at the replica count; Recreate has neither', () => {
    assert.equal(maxUnavailable(rolling(2, 0, 5)), 2);
    assert.equal(maxUnavailable(rolling(0, 0, 5)), 0);
    const recreate: Deployment = {
      metadata: {},
      spec: { replicas: 3, strategy: { type: 'Recreate' } },
    };
    assert.equal(maxSurge(recreate), 0);
    assert.equal(maxUnavailable(recreate), 0);
  });

  void it('rejects strings that are not percents', () => {
    assert.throws(() => scaledValue('3', 10, true), /not a percentage/);
  });
});

void describe('revision annotations', () => {
  const d: Deployment = { metadata: { annotations: { 'kubernetes.io/change-cause': 'v2' } } };

  void it('moves a reused ReplicaSet to the new revision and keeps the old in the history', () => {
    const rs: ReplicaSet = {
      metadata: { annotations: { 'deployment.kubernetes.io/revision': '1' } },
    };
    assert.ok(setNewReplicaSetAnnotations(d, rs, 3, true, 3, 4));
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(rs.metadata.annotations?.['kubernetes.io/change-cause'], 'v2');
    rs.metadata.annotations!['deployment.kubernetes.io/revision'] = '3';
    assert.ok(setNewReplicaSetAnnotations(d, rs, 5, true, 3, 4));
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1,3');
    // An RS at the newest revision already is left alone; replica annotations only on create.
    assert.ok(!setNewReplicaSetAnnotations(d, rs, 5, true, 3, 4));
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], undefined);
  });

  void it('compares revisions as numbers', () => {
    const rs: ReplicaSet = {
      metadata: { annotations: { 'deployment.kubernetes.io/revision': '9' } },
    };
    assert.ok(setNewReplicaSetAnnotations({ metadata: {} }, rs, 10, true, 1, 1));
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '10');
  });
});

void describe('proportional shares', () => {
  const rs = (replicas: number, max: number): ReplicaSet => ({
    metadata: { annotations: { 'deployment.kubernetes.io/max-replicas': String(max) } },
    spec: { replicas },
  });

  void it('keep each ReplicaSet its share of the new maximum', () => {
    const d = rolling(20, 3, 2);
    // 8 + 5 pods sized for a maximum of 13; the maximum is now 23.
    assert.equal(proportion(d, rs(8, 13), 10, 0), 6);
    assert.equal(proportion(d, rs(5, 13), 10, 6), 4);
  });

  void it('never hand out more than is left, and scale everything away at zero', () => {
    assert.equal(proportion(rolling(20, 3, 2), rs(5, 13), 10, 8), 2);
    assert.equal(proportion(rolling(0, 3, 2), rs(5, 13), -13, 0), -5);
  });
});
