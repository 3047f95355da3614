import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../api/errors.js';
import type { KubeObject } from '../../../api/types.js';
import { createAuthorizer, superUserAuthorizer } from '../authz.js';
import { createRbacAuthorizer } from './authorizer.js';
import { createEscalationCheck } from './escalation.js';
import { createPolicyIndex } from './policy-index.js';
import { createRuleResolver } from './resolver.js';

const G = 'rbac.authorization.k8s.io';
const alice = { name: 'alice', groups: ['devs', 'system:authenticated'] };

function setup() {
  const index = createPolicyIndex();
  const resolver = createRuleResolver(index);
  const chain = createAuthorizer([superUserAuthorizer, createRbacAuthorizer(resolver)]);
  const check = createEscalationCheck({ resolver, authorize: (a) => chain.authorize(a) });
  const bindAlice = (name: string, role: object) => {
    index.set('clusterroles', '', name, role);
    index.set('clusterrolebindings', '', name, {
      roleRef: { apiGroup: G, kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', name: 'alice' }],
    });
  };
  return { index, check, bindAlice };
}

const role = (rules: object[]): KubeObject => ({ metadata: { name: 'r', namespace: 'a' }, rules });
const status = (fn: () => void): { code: number; message: string } | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return { code: e.code, message: e.message };
  }
};

void describe('escalation prevention', () => {
  void it('refuses a role granting what the requester lacks, with kube-apiserver message', () => {
    const { check, bindAlice } = setup();
    bindAlice('pods', { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    const w = { user: alice, resource: 'roles', namespace: 'a', name: '' };
    assert.equal(
      status(() =>
        check(w, role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), undefined),
      ),
      undefined,
    );
    assert.deepEqual(
      status(() =>
        check(
          w,
          role([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'] }]),
          undefined,
        ),
      ),
      {
        code: 403,
        message:
          'roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
          '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}\n' +
          '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
      },
    );
    // system:masters, and `escalate` on roles, may grant anything.
    const big = role([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
    assert.equal(
      status(() =>
        check({ ...w, user: { name: 'root', groups: ['system:masters'] } }, big, undefined),
      ),
      undefined,
    );
    bindAlice('escalate', {
      rules: [{ verbs: ['escalate'], apiGroups: [G], resources: ['roles'] }],
    });
    assert.equal(
      status(() => check(w, big, undefined)),
      undefined,
    );
  });

  void it('lets an update that only changes owner references or finalizers through', () => {
    const { check } = setup();
    const w = { user: alice, resource: 'roles', namespace: 'a', name: 'r' };
    const old = role([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
    const gc = { ...old, metadata: { ...old.metadata, finalizers: ['x'] } };
    assert.equal(
      status(() => check(w, gc, old)),
      undefined,
    );
    const labelled = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
    assert.equal(status(() => check(w, labelled, old))?.code, 403);
  });

  void it('requires cluster-admin rights for an aggregation rule', () => {
    const { check, bindAlice } = setup();
    bindAlice('pods', { rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    const agg: KubeObject = {
      metadata: { name: 'agg' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
    };
    assert.deepEqual(
      status(() =>
        check({ user: alice, resource: 'clusterroles', namespace: '', name: '' }, agg, undefined),
      ),
      {
        code: 403,
        message:
          'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
      },
    );
  });

  void it('refuses a binding to a role the requester does not hold, unless it may bind it', () => {
    const { index, check, bindAlice } = setup();
    index.set('clusterroles', '', 'admin', {
      rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    });
    const rb = (refKind: string, refName: string): KubeObject => ({
      metadata: { name: 'b', namespace: 'a' },
      roleRef: { apiGroup: G, kind: refKind, name: refName },
      subjects: [{ kind: 'User', name: 'bob', apiGroup: G }],
    });
    const w = { user: alice, resource: 'rolebindings', namespace: 'a', name: '' };
    assert.deepEqual(
      status(() => check(w, rb('ClusterRole', 'admin'), undefined)),
      {
        code: 403,
        message:
          'rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
      },
    );
    // A missing role is the registry's NotFound.
    assert.deepEqual(
      status(() => check(w, rb('ClusterRole', 'nope'), undefined)),
      {
        code: 404,
        message: 'clusterroles.rbac.authorization.k8s.io "nope" not found',
      },
    );
    assert.deepEqual(
      status(() => check(w, rb('Role', 'nope'), undefined)),
      {
        code: 404,
        message: 'roles.rbac.authorization.k8s.io "nope" not found',
      },
    );
    // `bind` on that very role (resourceNames honoured), in the binding's namespace.
    index.set('roles', 'a', 'binder', {
      rules: [
        { verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['admin'] },
      ],
    });
    index.set('rolebindings', 'a', 'binder', {
      roleRef: { apiGroup: G, kind: 'Role', name: 'binder' },
      subjects: [{ kind: 'User', name: 'alice' }],
    });
    assert.equal(
      status(() => check(w, rb('ClusterRole', 'admin'), undefined)),
      undefined,
    );
    assert.equal(
      status(() => check({ ...w, namespace: 'other' }, rb('ClusterRole', 'admin'), undefined))
        ?.code,
      403,
    );
    assert.equal(status(() => check(w, rb('ClusterRole', 'nope'), undefined))?.code, 404);
    // Holding the role's rules is enough.
    bindAlice('all', { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] });
    assert.equal(
      status(() => check({ ...w, namespace: 'other' }, rb('ClusterRole', 'admin'), undefined)),
      undefined,
    );
  });
});
