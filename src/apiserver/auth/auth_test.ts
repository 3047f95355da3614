// Authentication and authorization through the whole handler chain.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

const ALICE = { name: 'alice', groups: ['devs'] };

const forbiddenStatus = (message: string, details: Record<string, string>): object => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason: 'Forbidden',
  details,
  code: 403,
});

describe('authentication and authorization', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer({
      tokenAuthenticators: [(t) => (t === 'alice-token' ? { ...ALICE, uid: 'u-1' } : undefined)],
    });
  });
  after(() => api.close());

  it('refuses anonymous requests with kube-apiserver’s Forbidden wording', async () => {
    const cluster = await api.get('/api/v1/pods', { as: 'anonymous' });
    assert.equal(cluster.status, 403);
    assert.deepEqual(
      cluster.json(),
      forbiddenStatus(
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope',
        { kind: 'pods' },
      ),
    );
    const ns = await api.get('/api/v1/namespaces/default/pods', { as: 'anonymous' });
    assert.deepEqual(
      ns.json(),
      forbiddenStatus(
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"',
        { kind: 'pods' },
      ),
    );
    const named = await api.get('/apis/apps/v1/namespaces/default/deployments/web', {
      as: 'anonymous',
    });
    assert.deepEqual(
      named.json(),
      forbiddenStatus(
        'deployments.apps "web" is forbidden: User "system:anonymous" cannot get resource "deployments" in API group "apps" in the namespace "default"',
        { name: 'web', group: 'apps', kind: 'deployments' },
      ),
    );
    const watch = await api.get('/api/v1/namespaces/default/configmaps?watch=true', {
      as: 'anonymous',
    });
    assert.equal(
      watch.json()['message'],
      'configmaps is forbidden: User "system:anonymous" cannot watch resource "configmaps" in API group "" in the namespace "default"',
    );
    const create = await api.post(
      '/api/v1/namespaces/default/configmaps',
      { metadata: { name: 'x' } },
      { as: 'anonymous' },
    );
    assert.equal(
      create.json()['message'],
      'configmaps is forbidden: User "system:anonymous" cannot create resource "configmaps" in API group "" in the namespace "default"',
    );
  });

  it('lets anonymous read /version and the health endpoints only', async () => {
    for (const path of ['/version', '/healthz', '/livez', '/readyz'])
      assert.equal((await api.get(path, { as: 'anonymous' })).status, 200, path);
    const disc = await api.get('/api', { as: 'anonymous' });
    assert.equal(disc.status, 403);
    assert.deepEqual(disc.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'forbidden: User "system:anonymous" cannot get path "/api"',
      reason: 'Forbidden',
      details: {},
      code: 403,
    });
  });

  it('refuses an unknown bearer token with 401', async () => {
    for (const path of ['/version', '/api/v1/pods']) {
      const res = await api.get(path, { as: { token: 'wrong' } });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
  });

  it('authenticates a known token; the user may discover but not read pods', async () => {
    const as = { token: 'alice-token' };
    assert.equal((await api.get('/api', { as })).status, 200);
    assert.equal((await api.get('/apis/apps/v1', { as })).status, 200);
    const pods = await api.get('/api/v1/namespaces/default/pods', { as });
    assert.equal(pods.status, 403);
    assert.equal(
      pods.json()['message'],
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    const status = await api.get('/api/v1/namespaces/default/pods/p/status', { as });
    assert.equal(
      status.json()['message'],
      'pods "p" is forbidden: User "alice" cannot get resource "pods/status" in API group "" in the namespace "default"',
    );
    const nsObj = await api.get('/api/v1/namespaces/default', { as });
    assert.equal(
      nsObj.json()['message'],
      'namespaces "default" is forbidden: User "alice" cannot get resource "namespaces" in API group "" at the cluster scope',
    );
  });

  it('lets system:masters do everything', async () => {
    const root = { name: 'root', groups: ['system:masters'] };
    assert.equal((await api.get('/api/v1/pods', { as: root })).status, 200);
    const res = await api.post(
      '/api/v1/namespaces/default/configmaps',
      { metadata: { name: 'by-root' } },
      { as: root },
    );
    assert.equal(res.status, 201);
    assert.equal(
      (await api.delete('/api/v1/namespaces/default/configmaps/by-root', { as: root })).status,
      200,
    );
  });

  describe('self reviews', () => {
    const ssar = (resourceAttributes: object): object => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes },
    });

    it('answers SelfSubjectAccessReview for the caller', async () => {
      const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
      const alice = await api.post(
        path,
        ssar({ verb: 'list', resource: 'pods', namespace: 'default' }),
        {
          as: ALICE,
        },
      );
      assert.equal(alice.status, 201, alice.text);
      const body = alice.json<{ kind: string; apiVersion: string; status: { allowed: boolean } }>();
      assert.equal(body.kind, 'SelfSubjectAccessReview');
      assert.equal(body.apiVersion, 'authorization.k8s.io/v1');
      assert.equal(body.status.allowed, false);
      const self = await api.post(
        path,
        ssar({
          verb: 'create',
          group: 'authorization.k8s.io',
          resource: 'selfsubjectaccessreviews',
        }),
        { as: ALICE },
      );
      assert.equal(self.json<{ status: { allowed: boolean } }>().status.allowed, true);
      const admin = await api.post(path, ssar({ verb: 'delete', resource: 'nodes' }));
      assert.equal(admin.json<{ status: { allowed: boolean } }>().status.allowed, true);
      const nonResource = await api.post(
        path,
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { nonResourceAttributes: { verb: 'get', path: '/version' } },
        },
        { as: ALICE },
      );
      assert.equal(nonResource.json<{ status: { allowed: boolean } }>().status.allowed, true);
      const anon = await api.post(path, ssar({ verb: 'list', resource: 'pods' }), {
        as: 'anonymous',
      });
      assert.equal(anon.status, 403);
    });

    it('answers SelfSubjectRulesReview with the caller’s rules', async () => {
      const res = await api.post(
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectRulesReview',
          spec: { namespace: 'default' },
        },
        { as: ALICE },
      );
      assert.equal(res.status, 201, res.text);
      const s = res.json<{
        status: {
          resourceRules: { verbs: string[]; resources: string[] }[];
          nonResourceRules: { verbs: string[]; nonResourceURLs: string[] }[];
          incomplete: boolean;
        };
      }>().status;
      assert.equal(s.incomplete, false);
      assert.ok(s.resourceRules.some((r) => r.resources.includes('selfsubjectaccessreviews')));
      assert.ok(s.resourceRules.every((r) => !r.resources.includes('pods')));
      assert.ok(s.nonResourceRules.some((r) => r.nonResourceURLs.includes('/version')));
      const root = await api.post('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectRulesReview',
        spec: { namespace: 'default' },
      });
      assert.ok(
        root
          .json<{ status: { resourceRules: { verbs: string[] }[] } }>()
          .status.resourceRules.some((r) => r.verbs.includes('*')),
      );
    });

    it('answers SelfSubjectReview with who the caller is', async () => {
      const res = await api.post(
        '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        { as: { token: 'alice-token' } },
      );
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(res.json()['status'], {
        userInfo: { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] },
      });
    });

    it('refuses verbs other than create on reviews', async () => {
      const res = await api.get('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
      assert.equal(res.status, 405);
    });
  });
});
