import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationAttributes, UserInfo } from '../types.js';
import { createRbacAuthorizer } from './authorizer.js';
import { createPolicyIndex } from './policy-index.js';
import { createRuleResolver } from './resolver.js';

const G = 'rbac.authorization.k8s.io';
const podsReader = { rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] };
const binding = (kind: string, name: string, subjects: object[]) => ({
  roleRef: { apiGroup: G, kind, name },
  subjects,
});
const listPods = (user: UserInfo, namespace: string): AuthorizationAttributes => ({
  user,
  verb: 'list',
  isResourceRequest: true,
  path: '',
  namespace,
  group: '',
  resource: 'pods',
  subresource: '',
  name: '',
});

function setup() {
  const index = createPolicyIndex();
  const resolver = createRuleResolver(index);
  return { index, resolver, authz: createRbacAuthorizer(resolver) };
}

void describe('the RBAC index and authorizer', () => {
  void it('finds bindings by user, group and service account, in their scope only', () => {
    const { index, authz } = setup();
    index.set('roles', 'a', 'reader', podsReader);
    index.set(
      'rolebindings',
      'a',
      'by-user',
      binding('Role', 'reader', [{ kind: 'User', name: 'alice' }]),
    );
    index.set(
      'rolebindings',
      'a',
      'by-sa',
      binding('Role', 'reader', [{ kind: 'ServiceAccount', name: 'bot' }]),
    );
    index.set(
      'rolebindings',
      'a',
      'by-group',
      binding('Role', 'reader', [{ kind: 'Group', name: 'devs' }]),
    );
    const alice = { name: 'alice', groups: ['system:authenticated'] };
    const d = authz.authorize(listPods(alice, 'a'));
    assert.deepEqual(
      [d.decision, d.reason],
      ['allow', 'RBAC: allowed by RoleBinding "by-user/a" of Role "reader" to User "alice"'],
    );
    assert.deepEqual(authz.authorize(listPods(alice, 'b')), { decision: 'noOpinion' });
    assert.deepEqual(authz.authorize(listPods(alice, '')), { decision: 'noOpinion' });
    // A RoleBinding's service account without a namespace is the binding's namespace's.
    const bot = { name: 'system:serviceaccount:a:bot', groups: ['system:serviceaccounts'] };
    assert.equal(
      authz.authorize(listPods(bot, 'a')).reason,
      'RBAC: allowed by RoleBinding "by-sa/a" of Role "reader" to ServiceAccount "bot/a"',
    );
    assert.equal(
      authz.authorize(listPods({ name: 'system:serviceaccount:b:bot', groups: [] }, 'a')).decision,
      'noOpinion',
    );
    assert.equal(
      authz.authorize(listPods({ name: 'carol', groups: ['devs'] }, 'a')).reason,
      'RBAC: allowed by RoleBinding "by-group/a" of Role "reader" to Group "devs"',
    );
  });

  void it('applies ClusterRoleBindings everywhere, before RoleBindings', () => {
    const { index, authz } = setup();
    index.set('clusterroles', '', 'reader', podsReader);
    index.set(
      'rolebindings',
      'a',
      'local',
      binding('ClusterRole', 'reader', [{ kind: 'User', name: 'u' }]),
    );
    index.set(
      'clusterrolebindings',
      '',
      'global',
      binding('ClusterRole', 'reader', [
        { kind: 'ServiceAccount', name: 'other', namespace: 'x' },
        { kind: 'User', name: 'u' },
      ]),
    );
    const u = { name: 'u', groups: [] };
    assert.equal(
      authz.authorize(listPods(u, 'a')).reason,
      'RBAC: allowed by ClusterRoleBinding "global" of ClusterRole "reader" to User "u"',
    );
    assert.equal(authz.authorize(listPods(u, '')).decision, 'allow');
    index.set('clusterrolebindings', '', 'global', undefined);
    assert.equal(authz.authorize(listPods(u, '')).decision, 'noOpinion');
    assert.equal(authz.authorize(listPods(u, 'a')).decision, 'allow');
  });

  void it('gives a missing role as the reason, and still uses the rules found', () => {
    const { index, resolver, authz } = setup();
    index.set(
      'clusterrolebindings',
      '',
      'dangling',
      binding('ClusterRole', 'gone', [{ kind: 'Group', name: 'g' }]),
    );
    index.set(
      'rolebindings',
      'a',
      'dangling',
      binding('Role', 'gone', [{ kind: 'Group', name: 'g' }]),
    );
    const u = { name: 'u', groups: ['g'] };
    assert.deepEqual(authz.authorize(listPods(u, 'a')), {
      decision: 'noOpinion',
      reason:
        'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "gone" not found]',
    });
    index.set('roles', 'a', 'gone', podsReader);
    assert.equal(authz.authorize(listPods(u, 'a')).decision, 'allow');
    assert.deepEqual(resolver.rulesFor(u, 'a').errors, [
      'clusterrole.rbac.authorization.k8s.io "gone" not found',
    ]);
    assert.deepEqual(authz.rulesFor?.(u, 'a'), {
      resourceRules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
      nonResourceRules: [],
      evaluationError: 'clusterrole.rbac.authorization.k8s.io "gone" not found',
    });
  });

  void it('looks only at the bindings of the user and its groups among 1,000 others', () => {
    const { index, resolver } = setup();
    index.set('clusterroles', '', 'reader', podsReader);
    for (let i = 0; i < 1000; i++)
      index.set(
        'clusterrolebindings',
        '',
        `b${i}`,
        binding('ClusterRole', 'reader', [{ kind: 'User', name: `user-${i}` }]),
      );
    let visited = 0;
    resolver.visitRulesFor({ name: 'user-7', groups: ['system:authenticated'] }, '', () => {
      visited++;
      return true;
    });
    assert.equal(visited, 1);
    // Replacing a binding drops its old subjects from the index.
    index.set(
      'clusterrolebindings',
      '',
      'b7',
      binding('ClusterRole', 'reader', [{ kind: 'User', name: 'someone' }]),
    );
    assert.deepEqual(index.bindingsFor('', 'user-7', []), []);
    assert.deepEqual(
      index.bindingsFor('', 'someone', []).map((b) => b.name),
      ['b7'],
    );
    index.clear('clusterrolebindings');
    assert.deepEqual(index.bindingsFor('', 'someone', []), []);
  });
});
