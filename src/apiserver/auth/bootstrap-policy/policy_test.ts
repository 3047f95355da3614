// The policy checked against kube-apiserver 1.33's own (its bootstrappolicy testdata, read
// rule by rule while writing this): the counts, and a representative set of objects whole.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubeBootstrapPolicy, type PolicyRule, type RoleObject } from './index.js';

const policy = kubeBootstrapPolicy();
const clusterRole = (name: string): RoleObject => {
  const r = policy.clusterRoles.find((o) => o.metadata.name === name);
  assert.ok(r, `ClusterRole ${name}`);
  return r;
};
const binding = (name: string) => {
  const b = policy.clusterRoleBindings.find((o) => o.metadata.name === name);
  assert.ok(b, `ClusterRoleBinding ${name}`);
  return b;
};
const r = (
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
) => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({
  verbs,
  nonResourceURLs,
});
const group = (name: string) => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const user = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const EVENTS = r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

describe('bootstrap policy (kube-apiserver 1.33)', () => {
  it('has kube’s counts: 31 + 36 controller ClusterRoles, 12 + 36 bindings, 7 Roles, 7 RoleBindings', () => {
    assert.equal(policy.clusterRoles.length, 67);
    assert.equal(
      policy.clusterRoles.filter((o) => o.metadata.name?.startsWith('system:controller:')).length,
      36,
    );
    assert.equal(policy.clusterRoleBindings.length, 48);
    assert.equal(policy.roles.length, 7);
    assert.equal(policy.roleBindings.length, 7);
    const names = policy.clusterRoles.map((o) => o.metadata.name);
    assert.equal(new Set(names).size, names.length, 'no duplicate names');
  });

  it('labels every object rbac-defaults and annotates it for automatic update', () => {
    const all = [
      ...policy.clusterRoles,
      ...policy.clusterRoleBindings,
      ...policy.roles,
      ...policy.roleBindings,
    ];
    for (const o of all) {
      assert.equal(o.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
      assert.deepEqual(o.metadata.annotations, {
        'rbac.authorization.kubernetes.io/autoupdate': 'true',
      });
    }
  });

  it('cluster-admin may do anything, bound to system:masters', () => {
    assert.deepEqual(clusterRole('cluster-admin').rules, [
      r(['*'], ['*'], ['*']),
      urls(['*'], ['*']),
    ]);
    assert.deepEqual(binding('cluster-admin').subjects, [group('system:masters')]);
  });

  it('admin, edit and view aggregate, and feed one another', () => {
    const agg = (role: string) => ({
      clusterRoleSelectors: [
        { matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' } },
      ],
    });
    for (const name of ['admin', 'edit', 'view']) {
      assert.deepEqual(clusterRole(name).aggregationRule, agg(name));
      assert.equal(clusterRole(name).rules, null);
    }
    const labels = (name: string) => clusterRole(name).metadata.labels;
    assert.equal(labels('admin')?.['rbac.authorization.k8s.io/aggregate-to-edit'], undefined);
    assert.equal(labels('edit')?.['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
    assert.equal(labels('view')?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
    for (const role of ['admin', 'edit', 'view'])
      assert.equal(
        labels(`system:aggregate-to-${role}`)?.[`rbac.authorization.k8s.io/aggregate-to-${role}`],
        'true',
      );
    assert.deepEqual(clusterRole('system:aggregate-to-admin').rules, [
      r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      r(
        ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        ['rbac.authorization.k8s.io'],
        ['rolebindings', 'roles'],
      ),
    ]);
    // Since 1.22 edit writes no endpoints (CVE-2021-25740).
    const write = clusterRole('system:aggregate-to-edit').rules?.find(
      (x) => x.resources?.includes('services/proxy') && x.verbs.includes('deletecollection'),
    );
    assert.deepEqual(write?.resources, [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ]);
    assert.equal(clusterRole('system:aggregate-to-view').rules?.length, 10);
    assert.deepEqual(
      clusterRole('system:aggregate-to-view').rules?.[3],
      r(['get', 'list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    );
  });

  it('discovery, basic-user and public-info-viewer as kube grants them', () => {
    assert.deepEqual(clusterRole('system:discovery').rules, [
      urls(
        ['get'],
        [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      ),
    ]);
    assert.deepEqual(clusterRole('system:basic-user').rules, [
      r(
        ['create'],
        ['authorization.k8s.io'],
        ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      ),
      r(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]);
    assert.deepEqual(clusterRole('system:public-info-viewer').rules, [
      urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
    ]);
    assert.deepEqual(binding('system:discovery').subjects, [group('system:authenticated')]);
    assert.deepEqual(binding('system:basic-user').subjects, [group('system:authenticated')]);
    assert.deepEqual(binding('system:public-info-viewer').subjects, [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]);
    assert.deepEqual(clusterRole('system:monitoring').rules, [
      urls(
        ['get'],
        [
          '/healthz',
          '/healthz/*',
          '/livez',
          '/livez/*',
          '/metrics',
          '/metrics/slis',
          '/readyz',
          '/readyz/*',
        ],
      ),
    ]);
    assert.deepEqual(binding('system:monitoring').subjects, [group('system:monitoring')]);
  });

  it('the components’ roles: node-proxier, kube-controller-manager, kube-scheduler', () => {
    assert.deepEqual(clusterRole('system:node-proxier').rules, [
      r(['list', 'watch'], [''], ['endpoints', 'services']),
      r(['get', 'list', 'watch'], [''], ['nodes']),
      EVENTS,
      r(['list', 'watch'], ['networking.k8s.io'], ['servicecidrs']),
      r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]);
    assert.deepEqual(binding('system:node-proxier').subjects, [user('system:kube-proxy')]);
    assert.deepEqual(clusterRole('system:kube-controller-manager').rules, [
      EVENTS,
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      r(['create'], [''], ['secrets', 'serviceaccounts']),
      r(['delete'], [''], ['secrets']),
      r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      r(['update'], [''], ['secrets', 'serviceaccounts']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(['list', 'watch'], ['*'], ['*']),
      r(['create'], [''], ['serviceaccounts/token']),
    ]);
    const scheduler = clusterRole('system:kube-scheduler').rules ?? [];
    assert.equal(scheduler.length, 20);
    assert.deepEqual(scheduler[6], r(['create'], [''], ['bindings', 'pods/binding']));
    assert.deepEqual(binding('system:kube-scheduler').subjects, [user('system:kube-scheduler')]);
    assert.deepEqual(binding('system:volume-scheduler').subjects, [user('system:kube-scheduler')]);
    assert.deepEqual(binding('system:node').subjects, undefined, 'system:node is bound to no one');
  });

  it('each controller role is bound to its service account in kube-system', () => {
    assert.deepEqual(clusterRole('system:controller:deployment-controller').rules, [
      r(['get', 'list', 'update', 'watch'], ['apps', 'extensions'], ['deployments']),
      r(['update'], ['apps', 'extensions'], ['deployments/status']),
      r(['update'], ['apps', 'extensions'], ['deployments/finalizers']),
      r(
        ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        ['apps', 'extensions'],
        ['replicasets'],
      ),
      r(['get', 'list', 'update', 'watch'], [''], ['pods']),
      EVENTS,
    ]);
    assert.deepEqual(binding('system:controller:deployment-controller').subjects, [
      { kind: 'ServiceAccount', name: 'deployment-controller', namespace: 'kube-system' },
    ]);
    assert.deepEqual(clusterRole('system:controller:clusterrole-aggregation-controller').rules, [
      r(
        ['escalate', 'get', 'list', 'patch', 'update', 'watch'],
        ['rbac.authorization.k8s.io'],
        ['clusterroles'],
      ),
    ]);
    const controllers = policy.clusterRoles
      .map((o) => o.metadata.name ?? '')
      .filter((n) => n.startsWith('system:controller:'));
    for (const name of [
      'service-cidrs-controller',
      'legacy-service-account-token-cleaner',
      'validatingadmissionpolicy-status-controller',
      'selinux-warning-controller',
    ])
      assert.ok(controllers.includes(`system:controller:${name}`), name);
    assert.ok(
      !controllers.includes('system:controller:resource-claim-controller'),
      'behind a gate off by default',
    );
  });

  it('namespaced roles: leader locking in kube-system, the bootstrap signer in kube-public', () => {
    const lock = policy.roles.find(
      (o) => o.metadata.name === 'system::leader-locking-kube-scheduler',
    );
    assert.equal(lock?.metadata.namespace, 'kube-system');
    assert.deepEqual(
      lock?.rules?.[1],
      r(['get', 'update'], [''], ['configmaps'], ['kube-scheduler']),
    );
    const signer = policy.roleBindings.filter(
      (o) => o.metadata.name === 'system:controller:bootstrap-signer',
    );
    assert.deepEqual(signer.map((o) => o.metadata.namespace).sort(), [
      'kube-public',
      'kube-system',
    ]);
  });
});
