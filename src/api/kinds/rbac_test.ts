import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../errors.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../types.js';
import {
  clusterRoleBindingResource,
  clusterRoleResource,
  roleBindingResource,
  roleResource,
} from './rbac.js';

const ctx: StrategyContext = { namespace: 'ns', now: new Date('2024-01-01T00:02:00Z') };
const G = 'rbac.authorization.k8s.io';

const check = (def: ResourceDef, obj: KubeObject): string[] => {
  def.strategy.defaults?.(obj, ctx);
  return (def.strategy.validate?.(obj, ctx) ?? []).map(fieldErrorText);
};
const role = (rules: unknown[], namespace: string | undefined = 'ns'): KubeObject => ({
  metadata: { name: 'r', ...(namespace ? { namespace } : {}) },
  rules,
});
const binding = (roleRef: unknown, subjects: unknown[], namespace?: string): KubeObject => ({
  metadata: { name: 'b', ...(namespace ? { namespace } : {}) },
  roleRef,
  subjects,
});

void describe('Role and ClusterRole', () => {
  void it('accepts kube-style rules and names any URL segment', () => {
    assert.deepEqual(
      check(roleResource, role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])),
      [],
    );
    const cr: KubeObject = {
      metadata: { name: 'system:controller:x' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }],
    };
    assert.deepEqual(check(clusterRoleResource, cr), []);
  });

  void it('reports rule errors as pkg/apis/rbac/validation words them', () => {
    assert.deepEqual(check(roleResource, role([{}])), [
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
    assert.deepEqual(
      check(roleResource, role([{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }])),
      [
        'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs',
        'rules[0].nonResourceURLs: Invalid value: []string{"/x"}: rules cannot apply to both regular resources and non-resource URLs',
      ],
    );
    assert.deepEqual(check(roleResource, role([], '')), ['metadata.namespace: Required value']);
    assert.deepEqual(check(roleResource, { metadata: { name: 'a/b', namespace: 'ns' } }), [
      `metadata.name: Invalid value: "a/b": may not contain '/'`,
    ]);
  });

  void it('validates aggregation rules', () => {
    const agg = (aggregationRule: unknown): KubeObject => ({
      metadata: { name: 'agg' },
      aggregationRule,
    });
    assert.deepEqual(check(clusterRoleResource, agg({ clusterRoleSelectors: [] })), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
    assert.deepEqual(
      check(clusterRoleResource, agg({ clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] })),
      [],
    );
    assert.deepEqual(
      check(
        clusterRoleResource,
        agg({ clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Bad' }] }] }),
      ),
      [
        'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Invalid value: "Bad": not a valid selector operator',
        'aggregationRule.clusterRoleSelectors[0]: Invalid value: "null": invalid label selector.',
      ],
    );
  });
});

void describe('RoleBinding and ClusterRoleBinding', () => {
  void it('defaults the role and subject API groups', () => {
    const b = binding(
      { kind: 'Role', name: 'r' },
      [
        { kind: 'User', name: 'alice' },
        { kind: 'ServiceAccount', name: 'default', namespace: 'ns' },
      ],
      'ns',
    );
    assert.deepEqual(check(roleBindingResource, b), []);
    assert.equal((b.roleRef as { apiGroup: string }).apiGroup, G);
    assert.deepEqual(b.subjects, [
      { kind: 'User', name: 'alice', apiGroup: G },
      { kind: 'ServiceAccount', name: 'default', namespace: 'ns' },
    ]);
  });

  void it('reports roleRef and subject errors', () => {
    assert.deepEqual(
      check(
        clusterRoleBindingResource,
        binding({ kind: 'Role', name: '', apiGroup: 'x' }, [
          { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'v1' },
          { kind: 'Robot', name: 'r2' },
          { kind: 'Group', name: '', apiGroup: 'g' },
        ]),
      ),
      [
        'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        'roleRef.name: Required value',
        `subjects[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        'subjects[0].apiGroup: Unsupported value: "v1": supported values: ""',
        'subjects[0].namespace: Required value',
        'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        'subjects[2].name: Required value',
        'subjects[2].apiGroup: Unsupported value: "g": supported values: "rbac.authorization.k8s.io"',
      ],
    );
  });

  void it('refuses a changed roleRef', () => {
    const old = binding({ kind: 'ClusterRole', name: 'view', apiGroup: G }, []);
    const cur = binding({ kind: 'ClusterRole', name: 'edit', apiGroup: G }, []);
    const errs = (clusterRoleBindingResource.strategy.validateUpdate?.(cur, old, ctx) ?? []).map(
      fieldErrorText,
    );
    assert.deepEqual(errs, [
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
    ]);
    assert.deepEqual(clusterRoleBindingResource.strategy.validateUpdate?.(old, old, ctx), []);
  });

  void it('prints role, users, groups and service accounts', () => {
    const b = binding({ kind: 'ClusterRole', name: 'view', apiGroup: G }, [
      { kind: 'User', name: 'a' },
      { kind: 'User', name: 'b' },
      { kind: 'Group', name: 'g' },
      { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
    ]);
    b.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
    assert.deepEqual(clusterRoleBindingResource.strategy.row?.(b, ctx.now), [
      'b',
      'ClusterRole/view',
      '2m',
      'a, b',
      'g',
      'ns/sa',
    ]);
    assert.deepEqual(
      clusterRoleBindingResource.strategy.columns?.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Role', 0],
        ['Age', 0],
        ['Users', 1],
        ['Groups', 1],
        ['ServiceAccounts', 1],
      ],
    );
  });
});
