// A node's credentials against a real server, request by raw request: the Node authorizer
// lets a node read only what its pods use and NodeRestriction keeps its writes to itself.
// Every refusal is a 403 Forbidden Status and leaves storage as it was; a seeded walk of
// methods, paths (dot segments and escapes included), namespaces and names checks that no
// other answer ever comes back.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng } from '../support/prng.js';

const NODE = 'abuse-node';
const NODE_TOKEN = { token: 'abuse-node-token-0123456789' };
const NS = 'node-abuse';
const JSON_HEADERS = { 'content-type': 'application/json' };
const SNAPSHOT = [
  '/api/v1/nodes',
  `/api/v1/namespaces/${NS}/pods`,
  `/api/v1/namespaces/${NS}/secrets`,
  `/api/v1/namespaces/${NS}/configmaps`,
  '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
];

describe('a node’s credentials, request by request', () => {
  let s: AbuseServer;
  const asNode = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
    s.send({
      method,
      path,
      as: NODE_TOKEN,
      ...(body === undefined
        ? {}
        : {
            headers: {
              'content-type':
                method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
            },
            body: JSON.stringify(body),
          }),
    });
  const admin = async (path: string, body: unknown) => {
    const res = await s.send({
      method: 'POST',
      path,
      headers: JSON_HEADERS,
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 201, res.text);
  };

  before(async () => {
    s = startAbuseServer({
      tokens: [
        {
          token: NODE_TOKEN.token,
          user: `system:node:${NODE}`,
          uid: 'n-1',
          groups: ['system:nodes'],
        },
      ],
    });
    await admin('/api/v1/namespaces', { metadata: { name: NS } });
    for (const name of [NODE, 'other-node']) await admin('/api/v1/nodes', { metadata: { name } });
    for (const name of ['mine', 'theirs', 'nobodys'])
      await admin(`/api/v1/namespaces/${NS}/secrets`, {
        metadata: { name },
        stringData: { k: name },
      });
    await admin(`/api/v1/namespaces/${NS}/configmaps`, { metadata: { name: 'mine-cm' } });
    for (const [pod, node, secret] of [
      ['here', NODE, 'mine'],
      ['there', 'other-node', 'theirs'],
    ] as const)
      await admin(`/api/v1/namespaces/${NS}/pods`, {
        metadata: { name: pod },
        spec: {
          nodeName: node,
          containers: [
            { name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: `${secret}-cm` } }] },
          ],
          volumes: [{ name: 's', secret: { secretName: secret } }],
        },
      });
    // The graph follows storage; wait until it has the pod.
    for (let i = 0; ; i++) {
      const res = await asNode('GET', `/api/v1/namespaces/${NS}/secrets/mine`);
      if (res.status === 200) break;
      if (i > 200) assert.fail(`the node never read its pod's secret: ${res.text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(() => s?.stop());

  test('named cases: reads outside the graph and writes outside the node are 403', async () => {
    const before = await s.snapshot(SNAPSHOT);
    const cases: [string, string, unknown, string][] = [
      [
        'GET',
        `/api/v1/namespaces/${NS}/secrets/theirs`,
        undefined,
        `secrets "theirs" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node '${NODE}' and this object`,
      ],
      [
        'GET',
        `/api/v1/namespaces/${NS}/secrets/nobodys`,
        undefined,
        `secrets "nobodys" is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node '${NODE}' and this object`,
      ],
      [
        'PUT',
        `/api/v1/namespaces/${NS}/secrets/mine`,
        { metadata: { name: 'mine' }, stringData: { k: 'changed' } },
        `secrets "mine" is forbidden: User "system:node:${NODE}" cannot update resource "secrets" in API group "" in the namespace "${NS}": can only read resources of this type`,
      ],
      [
        'PATCH',
        '/api/v1/nodes/other-node',
        { metadata: { labels: { stolen: 'yes' } } },
        `nodes "other-node" is forbidden: node "${NODE}" is not allowed to modify node "other-node"`,
      ],
      [
        'POST',
        `/api/v1/namespaces/${NS}/pods`,
        {
          metadata: { name: 'intruder' },
          spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x' }] },
        },
        `pods "intruder" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "${NODE}" can only create mirror pods`,
      ],
      [
        'DELETE',
        `/api/v1/namespaces/${NS}/pods/there`,
        undefined,
        `pods "Unknown" is forbidden: node "${NODE}" can only delete pods with spec.nodeName set to itself`,
      ],
      [
        'POST',
        '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
        { metadata: { name: 'other-node' }, spec: {} },
        'leases.coordination.k8s.io "other-node" is forbidden: can only access node lease with the same name as the requesting node',
      ],
      // Dot segments and escapes name other objects, never the node's own.
      [
        'GET',
        `/api/v1/namespaces/${NS}/secrets/mine/..`,
        undefined,
        `secrets "mine" is forbidden: User "system:node:${NODE}" cannot get resource "secrets/.." in API group "" in the namespace "${NS}": cannot read subresource`,
      ],
      [
        'GET',
        `/api/v1/namespaces/${NS}/secrets/%2e%2e`,
        undefined,
        `secrets ".." is forbidden: User "system:node:${NODE}" cannot get resource "secrets" in API group "" in the namespace "${NS}": no relationship found between node '${NODE}' and this object`,
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await asNode(method, path, body);
      assertStatus(res, 403, 'Forbidden');
      assert.equal(res.json.message, message, `${method} ${path}`);
    }
    assert.deepEqual(await s.snapshot(SNAPSHOT), before);
  });

  test('generated: a seeded walk of methods, paths and names answers 200 only for its own reads', async () => {
    const before = await s.snapshot(SNAPSHOT);
    const rand = prng(0x0de5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const namespaces = [NS, 'default', 'kube-system', '..', '%2e', 'Node-Abuse'];
    const names = [
      'mine',
      'mine-cm',
      'theirs',
      'theirs-cm',
      'nobodys',
      '..',
      '%2e%2e',
      'mine%2f..',
      'MINE',
      '',
    ];
    const kinds = ['secrets', 'configmaps'];
    const methods = ['GET', 'PUT', 'PATCH', 'DELETE', 'POST'];
    for (let i = 0; i < 300; i++) {
      const method = pick(methods);
      const ns = pick(namespaces);
      const kind = pick(kinds);
      const name = method === 'POST' ? '' : pick(names);
      const path = `/api/v1/namespaces/${ns}/${kind}${name ? `/${name}` : ''}`;
      const body =
        method === 'GET' || method === 'DELETE'
          ? undefined
          : { metadata: { name: name || 'x' }, data: {} };
      const res = await asNode(method, path, body);
      const own =
        method === 'GET' &&
        ns === NS &&
        ((kind === 'secrets' && name === 'mine') || (kind === 'configmaps' && name === 'mine-cm'));
      if (own) assert.equal(res.status, 200, `${method} ${path}: ${res.text}`);
      else {
        assertStatus(res, 403, 'Forbidden');
        assert.match(res.json.message, /is forbidden: /, `${method} ${path}`);
      }
    }
    assert.deepEqual(await s.snapshot(SNAPSHOT), before);
  });
});
