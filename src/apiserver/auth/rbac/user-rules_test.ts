import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationAttributes, Decision, UserInfo } from '../types.js';
import { createRbacAuthorizer } from './authorizer.js';
import { createPolicyIndex, type PolicyIndex, type RbacKind } from './policy-index.js';
import { aggregate, createRuleResolver, type RuleResolver, type RuleSource } from './resolver.js';
import { ruleAllows } from './rules.js';

const G = 'rbac.authorization.k8s.io';

const request = (user: UserInfo, verb: string, namespace: string): AuthorizationAttributes => ({
  user,
  verb,
  isResourceRequest: true,
  path: '',
  namespace,
  group: '',
  resource: 'pods',
  subresource: '',
  name: '',
});

/** The decision as visitRulesFor walks the bindings on every call, nothing kept between. */
function walked(resolver: RuleResolver, a: AuthorizationAttributes): Decision {
  let allowedBy: RuleSource | undefined;
  const errors: string[] = [];
  const visit = (source: RuleSource | undefined, rule: unknown, err: string | undefined) => {
    if (err && !errors.includes(err)) errors.push(err);
    if (source && rule && ruleAllows(a, rule as never)) allowedBy = source;
    return !allowedBy;
  };
  resolver.visitRulesFor(a.user, a.namespace, visit);
  if (allowedBy) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy.describe()}` };
  return errors.length
    ? { decision: 'noOpinion', reason: `RBAC: ${aggregate(errors)}` }
    : { decision: 'noOpinion' };
}

function setup(): {
  index: PolicyIndex;
  resolver: RuleResolver;
  decide: (a: AuthorizationAttributes) => Decision;
} {
  const index = createPolicyIndex();
  const resolver = createRuleResolver(index);
  const authz = createRbacAuthorizer(resolver);
  // As a plain object, to compare with deepEqual (an allow's reason is a getter).
  const decide = (a: AuthorizationAttributes): Decision => {
    const d = authz.authorize(a);
    return d.reason === undefined
      ? { decision: d.decision }
      : { decision: d.decision, reason: d.reason };
  };
  return { index, resolver, decide };
}

void describe("the resolution kept per user (the request path's)", () => {
  void it('answers as a fresh walk of the bindings (generated: a seeded walk of writes and requests)', () => {
    let seed = 0x5eed14;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const { index, resolver, decide } = setup();
    const namespaces = ['a', 'b'];
    const users: UserInfo[] = [
      { name: 'alice', groups: ['devs', 'system:authenticated'] },
      { name: 'alice', groups: ['system:authenticated'] },
      { name: 'bob', groups: ['ops'] },
      { name: 'system:serviceaccount:a:bot', groups: ['system:serviceaccounts'] },
      { name: 'carol', groups: [] },
    ];
    const subject = () =>
      pick([
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'devs' },
        { kind: 'Group', name: 'ops' },
        { kind: 'Group', name: 'system:authenticated' },
        { kind: 'ServiceAccount', name: 'bot' },
        { kind: 'ServiceAccount', name: 'bot', namespace: 'a' },
      ]);
    const rules = () => [
      { verbs: [pick(['get', 'list', '*'])], apiGroups: [''], resources: [pick(['pods', '*'])] },
    ];
    let checked = 0;
    for (let step = 0; step < 400; step++) {
      // A write: a role or binding set or removed (bindings may name roles that do not exist).
      const kind = pick<RbacKind>(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
      const ns = kind === 'roles' || kind === 'rolebindings' ? pick(namespaces) : '';
      const name = pick(['r1', 'r2', 'r3']);
      const remove = next() < 0.2;
      if (kind === 'roles' || kind === 'clusterroles')
        index.set(kind, ns, name, remove ? undefined : { rules: rules() });
      else
        index.set(
          kind,
          ns,
          name,
          remove
            ? undefined
            : {
                roleRef: {
                  apiGroup: G,
                  kind: pick(['Role', 'ClusterRole']),
                  name: pick(['r1', 'r2', 'r3']),
                },
                subjects: [subject(), subject()],
              },
        );
      // Then every user asks, in every scope, twice (the second from what was kept).
      for (const user of users)
        for (const namespace of ['', ...namespaces])
          for (const verb of ['get', 'list', 'watch']) {
            const a = request({ ...user, groups: [...user.groups] }, verb, namespace);
            const want = walked(resolver, a);
            assert.deepEqual(decide(a), want, JSON.stringify({ step, a }));
            assert.deepEqual(decide(a), want);
            checked++;
          }
    }
    assert.equal(checked, 400 * 5 * 3 * 3);
  });

  void it('tells users of one name apart by their groups', () => {
    const { index, decide } = setup();
    index.set('clusterroles', '', 'reader', {
      rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
    });
    index.set('rolebindings', 'a', 'devs', {
      roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'Group', name: 'devs' }],
    });
    const dev = request({ name: 'u', groups: ['devs'] }, 'list', 'a');
    const other = request({ name: 'u', groups: ['ops'] }, 'list', 'a');
    for (let i = 0; i < 2; i++) {
      assert.equal(decide(dev).decision, 'allow');
      assert.equal(decide(other).decision, 'noOpinion');
    }
  });

  void it('stays right for more users than it keeps', () => {
    const { index, decide } = setup();
    index.set('clusterroles', '', 'reader', {
      rules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }],
    });
    for (let i = 0; i < 3000; i += 2)
      index.set('clusterrolebindings', '', `b${i}`, {
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'reader' },
        subjects: [{ kind: 'User', name: `user-${i}` }],
      });
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 3000; i++)
        assert.equal(
          decide(request({ name: `user-${i}`, groups: [] }, 'list', `ns-${i % 7}`)).decision,
          i % 2 ? 'noOpinion' : 'allow',
        );
  });
});
