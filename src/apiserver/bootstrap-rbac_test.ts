// The bootstrap RBAC policy written by the API server and reconciled as kube-apiserver's
// post-start hook does, against a real registry.

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from './index.js';
import { createMemoryStore } from '../storage/index.js';
import { reconcileRbacPolicy } from './bootstrap.js';
import type { KubeObject } from '../api/types.js';
import { bootstrapPolicy, type PolicyRule } from './auth/bootstrap-policy/index.js';
import { covers } from './auth/rbac/index.js';
import { prng } from '../../test/support/prng.js';

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';

describe('bootstrap RBAC policy in the store', () => {
  let server: ApiServer;
  const d = (plural: string) => {
    const r = server.table.byGroupResource('rbac.authorization.k8s.io', plural);
    assert.ok(r);
    return r;
  };
  const get = (plural: string, name: string, ns = '') =>
    server.registry.tryGet(d(plural), ns, name);
  const reconcile = () => reconcileRbacPolicy(server.registry, server.table);

  before(async () => {
    server = await createApiServer({
      store: createMemoryStore(),
      tls: { cert: '', key: '', ca: '' },
    });
    await server.bootstrap();
  });

  it('creates every object of the policy', async () => {
    const count = async (plural: string) =>
      (await server.registry.list(d(plural), { namespace: '' })).items.filter(
        (o) => o.metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults',
      ).length;
    assert.ok((await count('clusterroles')) >= 67);
    assert.ok((await count('clusterrolebindings')) >= 48);
    assert.equal(await count('roles'), 8);
    assert.equal(await count('rolebindings'), 8);
    const view = await get('clusterroles', 'view');
    assert.deepEqual(view?.['aggregationRule'], {
      clusterRoleSelectors: [
        { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      ],
    });
    assert.ok(await get('roles', 'extension-apiserver-authentication-reader', 'kube-system'));
  });

  it('writes nothing when nothing changed', async () => {
    const versions = async () =>
      JSON.stringify(
        await Promise.all(
          ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'].map(async (p) =>
            (await server.registry.list(d(p), { namespace: '' })).items.map(
              (o) => o.metadata.resourceVersion,
            ),
          ),
        ),
      );
    const before = await versions();
    await reconcile();
    assert.equal(await versions(), before);
  });

  it('recreates a deleted role and adds back a removed rule and subject, keeping additions', async () => {
    await server.registry.delete(d('clusterroles'), '', 'system:basic-user');
    const discovery = (await get('clusterroles', 'system:discovery')) as KubeObject;
    const extra = { verbs: ['get'], nonResourceURLs: ['/extra'] };
    await server.registry.update(d('clusterroles'), '', 'system:discovery', {
      ...discovery,
      rules: [extra],
    });
    const binding = (await get('clusterrolebindings', 'system:discovery')) as KubeObject;
    const mine = { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'me' };
    await server.registry.update(d('clusterrolebindings'), '', 'system:discovery', {
      ...binding,
      subjects: [mine],
    });
    await reconcile();
    assert.ok(await get('clusterroles', 'system:basic-user'));
    const rules = (await get('clusterroles', 'system:discovery'))?.['rules'] as unknown[];
    assert.deepEqual(rules[0], extra);
    assert.equal(rules.length, 1 + 11, 'the 11 URLs come back one atom each');
    assert.deepEqual((await get('clusterrolebindings', 'system:discovery'))?.['subjects'], [
      mine,
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
    ]);
  });

  it('leaves an object annotated autoupdate=false alone, unless it is gone', async () => {
    const monitoring = (await get('clusterroles', 'system:monitoring')) as KubeObject;
    const changed = {
      ...monitoring,
      metadata: { ...monitoring.metadata, annotations: { [AUTOUPDATE]: 'false' } },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }],
    };
    await server.registry.update(d('clusterroles'), '', 'system:monitoring', changed);
    await reconcile();
    const after = await get('clusterroles', 'system:monitoring');
    assert.deepEqual(after?.['rules'], changed.rules);
    assert.equal(after?.metadata.annotations?.[AUTOUPDATE], 'false');
    await server.registry.delete(d('clusterroles'), '', 'system:monitoring');
    await reconcile();
    assert.equal(
      (await get('clusterroles', 'system:monitoring'))?.metadata.annotations?.[AUTOUPDATE],
      'true',
    );
  });

  it('recreates a binding whose roleRef was changed', async () => {
    // roleRef is immutable: only delete and create can change it.
    await server.registry.delete(d('clusterrolebindings'), '', 'system:basic-user');
    await server.registry.create(d('clusterrolebindings'), '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:basic-user' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'g' }],
    });
    await reconcile();
    const b = await get('clusterrolebindings', 'system:basic-user');
    assert.equal((b?.['roleRef'] as { name: string }).name, 'system:basic-user');
    assert.equal(b?.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults');
  });

  it('generated: 200 seeded edits, each round reconciled back to kube’s policy', async () => {
    const rand = prng(0xb007);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
    const policy = bootstrapPolicy();
    // Roles aggregated by the controller are left out: nothing here fills them.
    const roles = policy.clusterRoles.filter((r) => !r.aggregationRule);
    const bindings = policy.clusterRoleBindings.filter((b) => b.subjects?.length);
    const protectedRules = new Map<string, PolicyRule[]>();
    const extras = new Map<string, PolicyRule>();
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) {
        const kind = rand() < 0.6 ? 'clusterroles' : 'clusterrolebindings';
        const want = kind === 'clusterroles' ? pick(roles) : pick(bindings);
        const name = want.metadata.name ?? '';
        if (protectedRules.has(name)) continue;
        const live = (await get(kind, name)) as KubeObject | undefined;
        if (!live) continue;
        const op = Math.floor(rand() * 4);
        if (op === 0) {
          extras.delete(name);
          await server.registry.delete(d(kind), '', name);
        } else if (kind === 'clusterrolebindings') {
          await server.registry.update(d(kind), '', name, { ...live, subjects: [] });
        } else if (op === 1) {
          const rules = [...((live['rules'] as PolicyRule[]) ?? [])];
          const [gone] = rules.splice(Math.floor(rand() * rules.length), 1);
          if (JSON.stringify(gone) === JSON.stringify(extras.get(name))) extras.delete(name);
          await server.registry.update(d(kind), '', name, { ...live, rules });
        } else if (op === 2) {
          const extra = {
            verbs: ['get'],
            apiGroups: ['fuzz.example'],
            resources: [`r${round}x${i}`],
          };
          extras.set(name, extra);
          const rules = [...((live['rules'] as PolicyRule[]) ?? []), extra];
          await server.registry.update(d(kind), '', name, { ...live, rules });
        } else {
          const rules = [{ verbs: ['get'], nonResourceURLs: [`/protected-${round}-${i}`] }];
          protectedRules.set(name, rules);
          extras.delete(name);
          const meta = { ...live.metadata, annotations: { [AUTOUPDATE]: 'false' } };
          await server.registry.update(d(kind), '', name, { ...live, metadata: meta, rules });
        }
      }
      await reconcile();
      for (const want of roles) {
        const name = want.metadata.name ?? '';
        const live = await get('clusterroles', name);
        assert.ok(live, `${name} exists after round ${round}`);
        const rules = (live['rules'] as PolicyRule[]) ?? [];
        const mine = protectedRules.get(name);
        if (mine) assert.deepEqual(rules, mine, `${name} protected`);
        else {
          assert.deepEqual(covers(rules, want.rules ?? []), [], `${name} covers kube's rules`);
          const extra = extras.get(name);
          if (extra)
            assert.ok(
              rules.some((r) => JSON.stringify(r) === JSON.stringify(extra)),
              `${name} keeps its extra rule`,
            );
        }
      }
      for (const want of bindings) {
        const live = await get('clusterrolebindings', want.metadata.name ?? '');
        const names = ((live?.['subjects'] as { name: string }[]) ?? []).map((x) => x.name);
        for (const subject of want.subjects ?? []) assert.ok(names.includes(subject.name));
      }
    }
    assert.ok(protectedRules.size > 0 && extras.size > 0, 'the run exercised every kind of edit');
  });
});
