import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../api/errors.js';
import { createAuthorizer, superUserAuthorizer } from '../authz.js';
import type { AuthorizationAttributes } from '../types.js';
import { createRbacAuthorizer } from './authorizer.js';
import { createPolicyIndex } from './policy-index.js';
import { createRuleResolver } from './resolver.js';

const G = 'rbac.authorization.k8s.io';

it("puts RBAC's reason in the Forbidden message where kube-apiserver does", () => {
  const index = createPolicyIndex();
  index.set('clusterrolebindings', '', 'dangling', {
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'gone' },
    subjects: [{ kind: 'User', name: 'u' }],
  });
  const chain = createAuthorizer([
    superUserAuthorizer,
    createRbacAuthorizer(createRuleResolver(index)),
  ]);
  const base: AuthorizationAttributes = {
    user: { name: 'u', groups: ['system:authenticated'] },
    verb: 'list',
    isResourceRequest: true,
    path: '/api/v1/namespaces/a/pods',
    namespace: 'a',
    group: '',
    resource: 'pods',
    subresource: '',
    name: '',
  };
  const message = (a: AuthorizationAttributes): string => {
    try {
      chain.check(a);
    } catch (e) {
      assert.ok(e instanceof ApiError);
      assert.equal(e.code, 403);
      return e.message;
    }
    return 'allowed';
  };
  assert.equal(
    message(base),
    'pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "a": RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
  );
  assert.equal(
    message({ ...base, isResourceRequest: false, verb: 'get', path: '/logs' }),
    'forbidden: User "u" cannot get path "/logs": RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
  );
  // Once the role exists the binding applies.
  index.set('clusterroles', '', 'gone', {
    rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
  });
  assert.equal(message(base), 'allowed');
  assert.equal(
    chain.authorize(base).reason,
    'RBAC: allowed by ClusterRoleBinding "dangling" of ClusterRole "gone" to User "u"',
  );
});
