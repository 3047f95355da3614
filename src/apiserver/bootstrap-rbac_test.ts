// The bootstrap RBAC policy written by the API server and reconciled as kube-apiserver's
// post-start hook does, against a real registry.

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from './index.js';
import { createMemoryStore } from '../storage/index.js';
import { reconcileRbacPolicy } from './bootstrap.js';
import type { KubeObject } from '../api/types.js';

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
});
