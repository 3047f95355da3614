// The Node authorizer and NodeRestriction through the whole handler chain: what a node's
// credentials (system:node:NAME in system:nodes) may read and write, with kube-apiserver's
// Status messages, and that a refused request changes nothing.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startTestServer, type TestApiServer } from '../../../../test/support/apiserver.js';
import { eventually } from '../../../../test/support/eventually.js';

const N1 = { name: 'system:node:n1', groups: ['system:nodes'] };
const N2 = { name: 'system:node:n2', groups: ['system:nodes'] };
const NS = 'apps';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const podOn = (name: string, nodeName: string, secret: string, configMap: string) => ({
  metadata: { name },
  spec: {
    nodeName,
    containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: configMap } }] }],
    volumes: [{ name: 's', secret: { secretName: secret } }],
  },
});

describe('the Node authorizer and NodeRestriction', () => {
  let t: TestApiServer;
  let webUid = '';
  let otherUid = '';
  const status = async (res: Promise<{ status: number; text: string }>) => (await res).status;
  const message = async (res: Promise<{ text: string }>) =>
    JSON.parse((await res).text).message as string;

  before(async () => {
    t = await startTestServer({ serviceAccountTokens: { signingKey: key.privateKey } });
    await t.namespace(NS);
    for (const name of ['n1', 'n2'])
      assert.equal(await status(t.post('/api/v1/nodes', { metadata: { name } })), 201);
    for (const s of ['web-secret', 'other-secret', 'lonely-secret'])
      await t.post(`/api/v1/namespaces/${NS}/secrets`, { metadata: { name: s } });
    for (const c of ['web-config', 'other-config'])
      await t.post(`/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: c } });
    const web = await t.post(
      `/api/v1/namespaces/${NS}/pods`,
      podOn('web', 'n1', 'web-secret', 'web-config'),
    );
    assert.equal(web.status, 201, web.text);
    webUid = web.json<any>().metadata.uid;
    const other = await t.post(
      `/api/v1/namespaces/${NS}/pods`,
      podOn('other', 'n2', 'other-secret', 'other-config'),
    );
    otherUid = other.json<any>().metadata.uid;
    // The graph follows storage: wait until it has seen both pods.
    await eventually(
      async () =>
        (await t.get(`/api/v1/namespaces/${NS}/secrets/other-secret`, { as: N2 })).status === 200,
      'the graph to know the pods',
    );
  });
  after(() => t.close());

  it('lets a node read the secrets and config maps of its own pods only', async () => {
    assert.equal(
      await status(t.get(`/api/v1/namespaces/${NS}/secrets/web-secret`, { as: N1 })),
      200,
    );
    assert.equal(
      await status(t.get(`/api/v1/namespaces/${NS}/configmaps/web-config`, { as: N1 })),
      200,
    );
    for (const [kind, name] of [
      ['secrets', 'other-secret'],
      ['secrets', 'lonely-secret'],
      ['configmaps', 'other-config'],
    ] as const) {
      const res = await t.get(`/api/v1/namespaces/${NS}/${kind}/${name}`, { as: N1 });
      assert.equal(res.status, 403);
      assert.deepEqual(res.json(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `${kind} "${name}" is forbidden: User "system:node:n1" cannot get resource "${kind}" in API group "" in the namespace "${NS}": no relationship found between node 'n1' and this object`,
        reason: 'Forbidden',
        details: { name, kind },
        code: 403,
      });
    }
    assert.equal(
      await message(t.get(`/api/v1/namespaces/${NS}/secrets`, { as: N1 })),
      `secrets is forbidden: User "system:node:n1" cannot list resource "secrets" in API group "" in the namespace "${NS}": No Object name found`,
    );
  });

  it('lists pods only with its own spec.nodeName selector, and reads only its own Node', async () => {
    const mine = await t.get('/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', { as: N1 });
    assert.equal(mine.status, 200);
    assert.deepEqual(
      mine.json<any>().items.map((p: any) => p.metadata.name),
      ['web'],
    );
    assert.equal(
      await message(t.get('/api/v1/pods', { as: N1 })),
      'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector',
    );
    assert.equal(
      await message(t.get('/api/v1/pods?fieldSelector=spec.nodeName%3Dn2', { as: N1 })),
      'pods is forbidden: User "system:node:n1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector',
    );
    assert.equal(await status(t.get(`/api/v1/namespaces/${NS}/pods/web`, { as: N1 })), 200);
    assert.equal(
      await message(t.get(`/api/v1/namespaces/${NS}/pods/other`, { as: N1 })),
      `pods "other" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "${NS}": no relationship found between node 'n1' and this object`,
    );
    assert.equal(await status(t.get('/api/v1/nodes/n1', { as: N1 })), 200);
    assert.equal(
      await message(t.get('/api/v1/nodes/n2', { as: N1 })),
      `nodes "n2" is forbidden: User "system:node:n1" cannot get resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read 'n2', only its own Node object`,
    );
    assert.equal(
      await message(t.get('/api/v1/nodes', { as: N1 })),
      `nodes is forbidden: User "system:node:n1" cannot list resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read all nodes, only its own Node object`,
    );
    // The node rules: services, events, reviews.
    assert.equal(await status(t.get('/api/v1/services', { as: N1 })), 200);
    const event = await t.post(
      `/api/v1/namespaces/${NS}/events`,
      {
        metadata: { name: 'web.1' },
        involvedObject: { kind: 'Pod', namespace: NS, name: 'web' },
        reason: 'Started',
      },
      { as: N1 },
    );
    assert.equal(event.status, 201, event.text);
    assert.equal(
      await message(t.get(`/api/v1/namespaces/${NS}/services/x/proxy/`, { as: N1 })),
      `services "x" is forbidden: User "system:node:n1" cannot get resource "services/proxy" in API group "" in the namespace "${NS}"`,
    );
  });

  it('refuses writes to another Node, forbidden labels and taints, leaving the Node as it was', async () => {
    const before = (await t.get('/api/v1/nodes/n2')).text;
    const other = t.patch('/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } }, { as: N1 });
    assert.equal(await status(other), 403);
    assert.equal(
      await message(t.patch('/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } }, { as: N1 })),
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    );
    assert.equal(
      await message(
        t.patch('/api/v1/nodes/n2/status', { status: { phase: 'Running' } }, { as: N1 }),
      ),
      'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"',
    );
    assert.equal((await t.get('/api/v1/nodes/n2')).text, before);
    assert.equal(
      await message(
        t.patch(
          '/api/v1/nodes/n1',
          {
            metadata: {
              labels: { 'node-restriction.kubernetes.io/pool': 'gold', 'kubernetes.io/role': 'x' },
            },
          },
          { as: N1 },
        ),
      ),
      'nodes "n1" is forbidden: is not allowed to modify labels: kubernetes.io/role, node-restriction.kubernetes.io/pool',
    );
    assert.equal(
      await message(
        t.patch(
          '/api/v1/nodes/n1',
          { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } },
          { as: N1 },
        ),
      ),
      'nodes "n1" is forbidden: node "n1" is not allowed to modify taints',
    );
    // Its own labels in the kubelet's set, and its status, are its to write.
    const own = await t.patch(
      '/api/v1/nodes/n1',
      {
        metadata: {
          labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '', team: 'a' },
        },
      },
      { as: N1 },
    );
    assert.equal(own.status, 200, own.text);
    assert.equal(
      await message(t.post('/api/v1/nodes', { metadata: { name: 'n3' } }, { as: N1 })),
      'nodes "n3" is forbidden: node "n1" is not allowed to modify node "n3"',
    );
    assert.equal(await status(t.get('/api/v1/nodes/n3')), 404);
    assert.equal(
      await message(t.delete('/api/v1/nodes/n1', { as: N1 })),
      'nodes "n1" is forbidden: User "system:node:n1" cannot delete resource "nodes" in API group "" at the cluster scope',
    );
  });

  it('refuses pod creation (no mirror pods) and pod writes for pods not bound to it', async () => {
    const created = await t.post(
      `/api/v1/namespaces/${NS}/pods`,
      {
        metadata: { name: 'sneaky' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
      },
      { as: N1 },
    );
    assert.equal(created.status, 403);
    assert.equal(
      created.json<any>().message,
      'pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    );
    assert.equal(await status(t.get(`/api/v1/namespaces/${NS}/pods/sneaky`)), 404);
    const mirror = await t.post(
      `/api/v1/namespaces/${NS}/pods`,
      {
        metadata: { name: 'static', annotations: { 'kubernetes.io/config.mirror': 'h' } },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
      },
      { as: N1 },
    );
    assert.equal(
      mirror.json<any>().message,
      'pods "static" is forbidden: node "n1" can only create pods with an owner reference set to itself',
    );
    const otherBefore = (await t.get(`/api/v1/namespaces/${NS}/pods/other`)).text;
    assert.equal(
      await message(
        t.patch(
          `/api/v1/namespaces/${NS}/pods/other/status`,
          { status: { phase: 'Failed' } },
          { as: N1 },
        ),
      ),
      'pods "other" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    assert.equal(
      await message(t.delete(`/api/v1/namespaces/${NS}/pods/other`, { as: N1 })),
      'pods "Unknown" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself',
    );
    assert.equal((await t.get(`/api/v1/namespaces/${NS}/pods/other`)).text, otherBefore);
    assert.equal(
      await message(
        t.patch(
          `/api/v1/namespaces/${NS}/pods/web/status`,
          { metadata: { labels: { hacked: 'yes' } } },
          { as: N1 },
        ),
      ),
      'pods "web" is forbidden: node "n1" cannot update labels through pod status',
    );
    const own = await t.patch(
      `/api/v1/namespaces/${NS}/pods/web/status`,
      { status: { phase: 'Running' } },
      { as: N1 },
    );
    assert.equal(own.status, 200, own.text);
  });

  it('issues tokens only for pods bound to the node', async () => {
    const token = (as: typeof N1, pod: string, uid: string) =>
      t.post(
        `/api/v1/namespaces/${NS}/serviceaccounts/default/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod, uid } },
        },
        { as },
      );
    assert.equal(await status(token(N1, 'web', webUid)), 201);
    // Both nodes run a pod of `default`: the graph lets n1 ask, the binding does not.
    assert.equal(
      await message(token(N1, 'other', otherUid)),
      'serviceaccounts "Unknown" is forbidden: node requested token bound to a pod scheduled on a different node',
    );
    assert.equal(
      await message(token(N1, 'web', 'not-the-uid')),
      'serviceaccounts "Unknown" is forbidden: the UID in the bound object reference (not-the-uid) does not match the UID in record. The object might have been deleted and then recreated',
    );
    const unbound = await t.post(
      `/api/v1/namespaces/${NS}/serviceaccounts/default/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
      { as: N1 },
    );
    assert.equal(
      unbound.json<any>().message,
      'serviceaccounts "Unknown" is forbidden: node requested token not bound to a pod',
    );
    // No pod of this node runs as `robot`.
    await t.post(`/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'robot' } });
    assert.equal(
      await message(
        t.post(
          `/api/v1/namespaces/${NS}/serviceaccounts/robot/token`,
          { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
          { as: N1 },
        ),
      ),
      `serviceaccounts "robot" is forbidden: User "system:node:n1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "${NS}": no relationship found between node 'n1' and this object`,
    );
  });

  it('keeps each node to its own Lease in kube-node-lease', async () => {
    const lease = (name: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: { holderIdentity: name },
    });
    const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    assert.equal(await status(t.post(path, lease('n1'), { as: N1 })), 201);
    assert.equal(
      await message(t.post(path, lease('n2'), { as: N1 })),
      'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node',
    );
    assert.equal(await status(t.post(path, lease('n2'), { as: N2 })), 201);
    assert.equal(
      await message(t.patch(`${path}/n2`, { spec: { holderIdentity: 'n1' } }, { as: N1 })),
      'leases.coordination.k8s.io "n2" is forbidden: User "system:node:n1" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node',
    );
    assert.equal(
      await message(
        t.post('/apis/coordination.k8s.io/v1/namespaces/default/leases', lease('n1'), { as: N1 }),
      ),
      'leases.coordination.k8s.io is forbidden: User "system:node:n1" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "default": can only access leases in the "kube-node-lease" system namespace',
    );
  });

  it('leaves a node in system:masters, and non-node users, to the other authorizers', async () => {
    const master = { name: 'system:node:n1', groups: ['system:nodes', 'system:masters'] };
    assert.equal(
      await status(t.get(`/api/v1/namespaces/${NS}/secrets/other-secret`, { as: master })),
      200,
    );
    const notANode = { name: 'system:node:n1', groups: ['devs'] };
    assert.equal(
      await message(t.get(`/api/v1/namespaces/${NS}/secrets/web-secret`, { as: notANode })),
      `secrets "web-secret" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    const nameless = { name: 'system:node:', groups: ['system:nodes'] };
    assert.equal(
      await message(t.get(`/api/v1/namespaces/${NS}/secrets/web-secret`, { as: nameless })),
      `secrets "web-secret" is forbidden: User "system:node:" cannot get resource "secrets" in API group "" in the namespace "${NS}": unknown node for user "system:node:"`,
    );
  });

  it('answers a node’s rules review as incomplete, with kube’s error; others’ as complete', async () => {
    const review = async (as: { name: string; groups: string[] }) => {
      const res = await t.post(
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        { apiVersion: 'authorization.k8s.io/v1', spec: { namespace: NS } },
        { as },
      );
      assert.equal(res.status, 201, res.text);
      return (JSON.parse(res.text) as { status: Record<string, unknown> }).status;
    };
    const n1 = await review(N1);
    assert.equal(n1['incomplete'], true);
    assert.equal(n1['evaluationError'], 'node authorizer does not support user rule resolution');
    // What RBAC lists for system:authenticated is still there.
    assert.ok((n1['nonResourceRules'] as unknown[]).length > 0);
    const s = await review({ name: 'system:node:n1', groups: ['devs'] });
    assert.equal(s['incomplete'], false);
    assert.equal(s['evaluationError'], undefined);

    // Generated: 150 seeded identities; only a named node in system:nodes (in system:masters
    // or not) gets the incomplete answer.
    let seed = 0x14;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 4294967296;
    };
    const names = ['system:node:n1', 'system:node:a.b', 'system:nodes', 'alice', 'system:node'];
    const groups = ['system:nodes', 'system:masters', 'devs'];
    for (let i = 0; i < 150; i++) {
      const name = names[Math.floor(rand() * names.length)] ?? '';
      const user = { name, groups: groups.filter(() => rand() < 0.5) };
      const isNode = name.startsWith('system:node:') && user.groups.includes('system:nodes');
      const got = await review(user);
      assert.equal(got['incomplete'], isNode, JSON.stringify(user));
      assert.equal(
        got['evaluationError'],
        isNode ? 'node authorizer does not support user rule resolution' : undefined,
        JSON.stringify(user),
      );
    }
  });

  it('follows pods as they come and go (generated: a seeded walk of binds, deletes and reads)', async () => {
    // A small deterministic generator (mulberry32), so a failure replays.
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const ns = 'fuzz';
    await t.namespace(ns);
    const secrets = ['s0', 's1', 's2', 's3'];
    for (const s of secrets.slice(0, 3))
      await t.post(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: s } });
    const nodes = [N1, N2];
    const pods = new Map<string, { node: string; secret: string }>();
    const reaches = (node: string, secret: string) =>
      [...pods.values()].some((p) => p.node === node && p.secret === secret);
    for (let step = 0; step < 120; step++) {
      const name = `p${Math.floor(rand() * 6)}`;
      if (pods.has(name) && rand() < 0.4) {
        assert.equal(
          await status(t.delete(`/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0`)),
          200,
        );
        pods.delete(name);
      } else if (!pods.has(name)) {
        const p = { node: pick(['n1', 'n2']), secret: pick(secrets) };
        const res = await t.post(`/api/v1/namespaces/${ns}/pods`, {
          metadata: { name },
          spec: {
            nodeName: p.node,
            containers: [{ name: 'c', image: 'x' }],
            volumes: [{ name: 'v', secret: { secretName: p.secret } }],
          },
        });
        assert.equal(res.status, 201, res.text);
        pods.set(name, p);
      }
      const as = pick(nodes);
      const node = as.name.slice('system:node:'.length);
      const secret = pick(secrets);
      // Allowed reads of an existing secret are 200, of a missing one 404; others 403.
      const want = reaches(node, secret) ? (secret === 's3' ? 404 : 200) : 403;
      await eventually(
        async () =>
          (await t.get(`/api/v1/namespaces/${ns}/secrets/${secret}`, { as })).status === want,
        () => `step ${step}: ${as.name} reading ${secret} to answer ${want}`,
      );
    }
  });
});
