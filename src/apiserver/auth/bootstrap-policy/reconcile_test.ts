import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterRole,
  clusterRoleBinding,
  group,
  rule,
  urls,
  user,
  aggregateFrom,
} from './build.js';
import { breakdownRule, covers } from '../rbac/index.js';
import { reconcileBinding, reconcileRole } from './reconcile.js';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

describe('rule coverage (kube’s Covers)', () => {
  it('breaks a rule into atoms of one group, resource, verb and name', () => {
    assert.deepEqual(breakdownRule(rule(['get', 'list'], [''], ['pods'], ['a'])), [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
    ]);
    assert.deepEqual(breakdownRule(urls(['get'], ['/a', '/b'])), [
      { verbs: ['get'], nonResourceURLs: ['/a'] },
      { verbs: ['get'], nonResourceURLs: ['/b'] },
    ]);
  });

  it('honours wildcards, */subresource, names and URL prefixes', () => {
    assert.ok(
      covers([rule(['*'], ['*'], ['*'])], [rule(['get'], ['apps'], ['deployments/scale'])])
        .length === 0,
    );
    assert.ok(
      covers([rule(['get'], ['*'], ['*/scale'])], [rule(['get'], ['apps'], ['deployments/scale'])])
        .length === 0,
    );
    assert.ok(
      covers([rule(['get'], ['*'], ['*/scale'])], [rule(['get'], ['apps'], ['deployments'])])
        .length > 0,
    );
    assert.ok(
      covers([rule(['get'], [''], ['pods'])], [rule(['get'], [''], ['pods'], ['x'])]).length === 0,
    );
    assert.ok(
      covers([rule(['get'], [''], ['pods'], ['x'])], [rule(['get'], [''], ['pods'])]).length > 0,
    );
    assert.ok(
      covers([urls(['get'], ['/healthz/*'])], [urls(['get'], ['/healthz/etcd'])]).length === 0,
    );
    assert.ok(covers([urls(['get'], ['/healthz'])], [urls(['get'], ['/healthz/etcd'])]).length > 0);
    assert.deepEqual(
      covers([rule(['get'], [''], ['pods'])], [rule(['get', 'list'], [''], ['pods'])]),
      [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
    );
  });
});

describe('reconcile (kubectl auth reconcile, additive)', () => {
  const expected = clusterRole('r', [rule(['get', 'list'], [''], ['pods'])], {
    labels: { a: '1' },
  });

  it('adds the missing atoms after the existing rules, never removes extra ones', () => {
    const existing = structuredClone(expected);
    existing.rules = [rule(['get'], [''], ['pods']), rule(['delete'], [''], ['secrets'])];
    const out = reconcileRole(existing, expected);
    assert.equal(out.operation, 'update');
    assert.deepEqual(out.object.rules, [
      rule(['get'], [''], ['pods']),
      rule(['delete'], [''], ['secrets']),
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    ]);
  });

  it('leaves a role that grants all it should alone', () => {
    const out = reconcileRole(structuredClone(expected), expected);
    assert.equal(out.operation, 'none');
    assert.equal(out.protected, false);
    // A label of someone else's, listed first, is no reason to write.
    const labelled = structuredClone(expected);
    labelled.metadata.labels = { mine: 'yes', ...expected.metadata.labels };
    assert.equal(reconcileRole(labelled, expected).operation, 'none');
  });

  it('adds missing labels and annotations; existing values win', () => {
    const existing = structuredClone(expected);
    existing.metadata.labels = { a: 'mine' };
    existing.metadata.annotations = { [AUTOUPDATE]: 'false' };
    const out = reconcileRole(existing, expected);
    assert.equal(out.operation, 'update');
    assert.equal(out.protected, true);
    assert.equal(out.object.metadata.labels?.['a'], 'mine');
    assert.equal(out.object.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
    assert.equal(out.object.metadata.annotations?.[AUTOUPDATE], 'false');
  });

  it('keeps aggregated rules and adds missing selectors to an aggregated role', () => {
    const view = clusterRole('view', [], { aggregationRule: aggregateFrom('x/aggregate-to-view') });
    const existing = structuredClone(view);
    existing.rules = [rule(['get'], [''], ['pods'])];
    existing.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { other: 'true' } }] };
    const out = reconcileRole(existing, view);
    assert.deepEqual(out.object.rules, [rule(['get'], [''], ['pods'])]);
    assert.deepEqual(out.object.aggregationRule?.clusterRoleSelectors, [
      { matchLabels: { other: 'true' } },
      { matchLabels: { 'x/aggregate-to-view': 'true' } },
    ]);
  });

  it('appends missing subjects; recreates a binding whose roleRef changed', () => {
    const want = clusterRoleBinding('b', 'r', [group('g'), user('u')]);
    const existing = structuredClone(want);
    existing.subjects = [{ kind: 'User', name: 'u' }, user('extra')];
    const out = reconcileBinding(existing, want);
    assert.equal(out.operation, 'update');
    assert.deepEqual(out.object.subjects, [{ kind: 'User', name: 'u' }, user('extra'), group('g')]);
    const moved = structuredClone(want);
    moved.roleRef.name = 'other';
    assert.equal(reconcileBinding(moved, want).operation, 'recreate');
    assert.equal(reconcileBinding(structuredClone(want), want).operation, 'none');
  });
});
