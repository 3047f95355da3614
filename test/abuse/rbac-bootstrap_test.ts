// The bootstrap RBAC policy against requests it must refuse: identities with only the
// bootstrap roles (a service account, a plain user, a user bound to `view`, anonymous) may
// not touch the policy or anything else, with kube-apiserver's exact Status, and nothing
// changes; plus a seeded run of a few hundred such requests.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../support/eventually.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng } from '../support/prng.js';

const NS = 'rbac-abuse';
const JSON_HEADERS = { 'content-type': 'application/json' };
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const PLAIN = { token: 'plain-user-token' };
const VIEWER = { token: 'viewer-token' };
const MONITOR = { token: 'monitor-token' };
const SNAPSHOT = [
  `${RBAC}/clusterroles`,
  `${RBAC}/clusterrolebindings`,
  `${RBAC}/roles`,
  `${RBAC}/rolebindings`,
  `/api/v1/namespaces/${NS}/configmaps`,
];

describe('bootstrap RBAC policy refusals', () => {
  let s: AbuseServer;
  let saToken: { token: string };
  let before_: Record<string, string>;
  const SA_USER = `system:serviceaccount:${NS}:default`;

  const post = (path: string, body: unknown, as?: { token: string }): Promise<RawResponse> =>
    s.send({
      method: 'POST',
      path,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
      ...(as ? { as } : {}),
    });

  before(async () => {
    s = startAbuseServer({
      tokens: [
        { token: PLAIN.token, user: 'plain', uid: 'u-plain' },
        { token: VIEWER.token, user: 'viewer', uid: 'u-viewer' },
        { token: MONITOR.token, user: 'prometheus', uid: 'u-prom', groups: ['system:monitoring'] },
      ],
    });
    assert.equal((await post('/api/v1/namespaces', { metadata: { name: NS } })).status, 201);
    const binding = {
      metadata: { name: 'viewer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }],
    };
    assert.equal((await post(`${RBAC}/namespaces/${NS}/rolebindings`, binding)).status, 201);
    const sa = { metadata: { name: 'default' } };
    await post(`/api/v1/namespaces/${NS}/serviceaccounts`, sa); // or the controller's
    const tr = await post(`/api/v1/namespaces/${NS}/serviceaccounts/default/token`, {
      spec: { expirationSeconds: 3600 },
    });
    assert.equal(tr.status, 201, tr.text);
    saToken = { token: tr.json.status.token };
    // The aggregated roles are filled once after start; the snapshot is taken after that.
    await eventually(async () => {
      for (const name of ['admin', 'edit', 'view']) {
        const role = await s.send({ path: `${RBAC}/clusterroles/${name}` });
        if (!role.json?.rules?.length) return undefined;
      }
      return true;
    }, 'admin, edit and view aggregated');
    before_ = await s.snapshot(SNAPSHOT);
  });
  after(() => s?.stop());

  test('a service account may not delete cluster-admin: 403 with kube’s words', async () => {
    const res = await s.send({
      method: 'DELETE',
      path: `${RBAC}/clusterroles/cluster-admin`,
      as: saToken,
    });
    assertStatus(res, 403, 'Forbidden');
    assert.deepEqual(res.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `clusterroles.rbac.authorization.k8s.io "cluster-admin" is forbidden: User "${SA_USER}" cannot delete resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope`,
      reason: 'Forbidden',
      details: { name: 'cluster-admin', group: 'rbac.authorization.k8s.io', kind: 'clusterroles' },
      code: 403,
    });
    assert.deepEqual(await s.snapshot(SNAPSHOT), before_);
  });

  test('a user bound to view may read pods but not edit view, bind, or write config maps', async () => {
    assert.equal((await s.send({ path: `/api/v1/namespaces/${NS}/pods`, as: VIEWER })).status, 200);
    const patch = await s.send({
      method: 'PATCH',
      path: `${RBAC}/clusterroles/view`,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }),
      as: VIEWER,
    });
    assertStatus(patch, 403, 'Forbidden');
    assert.equal(
      patch.json.message,
      'clusterroles.rbac.authorization.k8s.io "view" is forbidden: User "viewer" cannot patch resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
    const bind = await post(
      `${RBAC}/namespaces/${NS}/rolebindings`,
      {
        metadata: { name: 'me-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'viewer' }],
      },
      VIEWER,
    );
    assertStatus(bind, 403, 'Forbidden');
    assert.equal(
      bind.json.message,
      `rolebindings.rbac.authorization.k8s.io is forbidden: User "viewer" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "${NS}"`,
    );
    const cm = await post(
      `/api/v1/namespaces/${NS}/configmaps`,
      { metadata: { name: 'x' } },
      VIEWER,
    );
    assertStatus(cm, 403, 'Forbidden');
    assert.deepEqual(await s.snapshot(SNAPSHOT), before_);
  });

  test('paths: public info for anyone, discovery for the authenticated, metrics for system:monitoring', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version'])
      assert.equal((await s.send({ path, as: 'anonymous' })).status, 200, path);
    const etcd = await s.send({ path: '/healthz/etcd', as: 'anonymous' });
    assertStatus(etcd, 403, 'Forbidden');
    assert.equal(
      etcd.json.message,
      'forbidden: User "system:anonymous" cannot get path "/healthz/etcd"',
    );
    assertStatus(await s.send({ path: '/api', as: 'anonymous' }), 403, 'Forbidden');
    assert.equal((await s.send({ path: '/apis', as: PLAIN })).status, 200);
    assert.equal((await s.send({ path: '/healthz/etcd', as: MONITOR })).status, 200);
    assert.equal((await s.send({ path: '/metrics', as: MONITOR })).status, 200);
    const metrics = await s.send({ path: '/metrics', as: PLAIN });
    assertStatus(metrics, 403, 'Forbidden');
    assert.equal(metrics.json.message, 'forbidden: User "plain" cannot get path "/metrics"');
  });

  test('generated: 300 seeded requests on the policy by identities that hold none of it', async () => {
    const rand = prng(0x5eed14);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
    const who = [saToken, PLAIN, VIEWER, MONITOR, 'anonymous'] as const;
    const names = [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:basic-user',
      'system:discovery',
      'system:node',
      'system:controller:deployment-controller',
      'new-role',
    ];
    const paths = [
      (n: string) => `${RBAC}/clusterroles/${encodeURIComponent(n)}`,
      (n: string) => `${RBAC}/clusterrolebindings/${encodeURIComponent(n)}`,
      () => `${RBAC}/clusterroles`,
      () => `${RBAC}/clusterrolebindings`,
      () => `${RBAC}/namespaces/kube-system/roles/extension-apiserver-authentication-reader`,
      () => `${RBAC}/namespaces/kube-system/rolebindings`,
      () => `${RBAC}/namespaces/${NS}/rolebindings/viewer`,
    ];
    const methods = ['PUT', 'PATCH', 'DELETE', 'POST'] as const;
    for (let i = 0; i < 300; i++) {
      const name = pick(names);
      const path = pick(paths)(name);
      const method = pick(methods);
      const as = pick(who);
      const collection =
        !path.includes(encodeURIComponent(name)) &&
        !path.endsWith('/viewer') &&
        !path.endsWith('-reader');
      const body = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: path.includes('binding') ? 'ClusterRoleBinding' : 'ClusterRole',
        metadata: { name },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      };
      const res = await s.send({
        method: collection && method !== 'DELETE' ? 'POST' : method,
        path,
        headers: {
          'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        },
        body: JSON.stringify(body),
        as: as === 'anonymous' ? 'anonymous' : as,
      });
      const what = `#${i} ${method} ${path} as ${as === 'anonymous' ? as : as.token.slice(0, 12)}`;
      assertStatus(res, 403, 'Forbidden');
      assert.match(
        res.json.message,
        /is forbidden: User ".+" cannot \S+ resource "(cluster)?role(binding)?s" in API group "rbac\.authorization\.k8s\.io"/,
        what,
      );
    }
    assert.deepEqual(await s.snapshot(SNAPSHOT), before_);
  });
});
