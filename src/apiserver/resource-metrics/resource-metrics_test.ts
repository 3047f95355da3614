// metrics.k8s.io through the API server's handler: discovery, the objects' exact shape,
// metrics-server's errors, verbs other than get/list refused, authorization, the Table; and
// the decoding and two-point storage rules on their own.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { decodeBatch, parsePrometheusText } from './decode.js';
import { goDuration } from './objects.js';
import { MetricsStorage } from './storage.js';

const NOW = new Date('2026-03-01T10:00:30.000Z');
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const T1 = T0 + 15_250;

/** Kubelet text for node `n` at scrape i: 3 s of CPU over the window, 2 GiB working set. */
function text(node: string, i: number): string {
  const t = i ? T1 : T0;
  const cpu = i ? 103 : 100;
  const lines = [
    '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
    '# TYPE node_cpu_usage_seconds_total counter',
    `node_cpu_usage_seconds_total ${cpu} ${t}`,
    `node_memory_working_set_bytes 2.147483648e+09 ${t}`,
  ];
  if (node === 'alpha')
    lines.push(
      `container_cpu_usage_seconds_total{container="app",namespace="default",pod="web"} ${i ? 1.5 : 1} ${t}`,
      `container_memory_working_set_bytes{container="app",namespace="default",pod="web"} 1.2345e+07 ${t}`,
      `container_start_time_seconds{container="app",namespace="default",pod="web"} 1.7e+09`,
    );
  return lines.join('\n') + '\n';
}

let s: TestApiServer;
const scrapes = new Map<string, number>();

before(async () => {
  s = await startTestServer({
    clock: { now: () => NOW },
    resourceMetrics: {
      intervalMs: 3_600_000,
      async scrape(node) {
        if (node !== 'alpha' && node !== 'beta') throw new Error('unreachable');
        const i = scrapes.get(node) ?? 0;
        scrapes.set(node, i + 1);
        return text(node, i);
      },
    },
  });
  for (const [name, labels] of [
    ['alpha', { pool: 'a' }],
    ['beta', { pool: 'b' }],
    ['ghost', { pool: 'b' }],
  ] as const)
    assert.equal((await s.post('/api/v1/nodes', { metadata: { name, labels } })).status, 201);
  await s.namespace('default');
  const pod = await s.post('/api/v1/namespaces/default/pods', {
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { nodeName: 'alpha', containers: [{ name: 'app', image: 'nginx' }] },
  });
  assert.equal(pod.status, 201, pod.text);
});
after(() => s?.close());

describe('discovery', () => {
  it('lists the group and its two read-only resources', async () => {
    const groups = (await s.get('/apis')).json<{ groups: { name: string }[] }>();
    const g = groups.groups.find((x) => x.name === 'metrics.k8s.io');
    assert.deepEqual(g, {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'metrics.k8s.io',
      versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }],
      preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' },
    });
    assert.deepEqual((await s.get('/apis/metrics.k8s.io/v1beta1')).json(), {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'metrics.k8s.io/v1beta1',
      resources: [
        {
          name: 'nodes',
          singularName: '',
          namespaced: false,
          kind: 'NodeMetrics',
          verbs: ['get', 'list'],
        },
        {
          name: 'pods',
          singularName: '',
          namespaced: true,
          kind: 'PodMetrics',
          verbs: ['get', 'list'],
        },
      ],
    });
    const agg = await s.get('/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    });
    const item = agg
      .json<{
        items: {
          metadata: { name: string };
          versions: { resources: { resource: string; verbs: string[]; scope: string }[] }[];
        }[];
      }>()
      .items.find((x) => x.metadata.name === 'metrics.k8s.io');
    assert.deepEqual(
      item?.versions[0]?.resources.map((r) => [r.resource, r.scope, r.verbs.join(',')]),
      [
        ['nodes', 'Cluster', 'get,list'],
        ['pods', 'Namespaced', 'get,list'],
      ],
    );
  });
});

describe('NodeMetrics and PodMetrics', () => {
  it('a node: usage over the two points, in metrics-server quantities', async () => {
    const r = await s.get('/apis/metrics.k8s.io/v1beta1/nodes/alpha');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), {
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'alpha', creationTimestamp: '2026-03-01T10:00:30Z', labels: { pool: 'a' } },
      timestamp: '2026-03-01T10:00:15Z',
      window: '15.25s',
      // 3 s / 15.25 s = 196721311 nanocores; 2 GiB.
      usage: { cpu: '196721311n', memory: '2Gi' },
    });
  });

  it('nodes: listed by name, by label, without those lacking metrics', async () => {
    const all = (await s.get('/apis/metrics.k8s.io/v1beta1/nodes')).json<{
      kind: string;
      metadata: object;
      items: { metadata: { name: string } }[];
    }>();
    assert.equal(all.kind, 'NodeMetricsList');
    assert.deepEqual(all.metadata, {});
    assert.deepEqual(
      all.items.map((i) => i.metadata.name),
      ['alpha', 'beta'],
    );
    const b = (await s.get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=pool%3Db')).json<{
      items: { metadata: { name: string } }[];
    }>();
    assert.deepEqual(
      b.items.map((i) => i.metadata.name),
      ['beta'],
    );
    const f = (
      await s.get('/apis/metrics.k8s.io/v1beta1/nodes?fieldSelector=metadata.name%3Dbeta')
    ).json<{ items: { metadata: { name: string } }[] }>();
    assert.deepEqual(
      f.items.map((i) => i.metadata.name),
      ['beta'],
    );
  });

  it('a pod: its containers, in its namespace and across namespaces', async () => {
    const r = await s.get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), {
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {
        name: 'web',
        namespace: 'default',
        creationTimestamp: '2026-03-01T10:00:30Z',
        labels: { app: 'web' },
      },
      timestamp: '2026-03-01T10:00:15Z',
      window: '15.25s',
      // 0.5 s / 15.25 s; 12345000 bytes (no multiple of 1024) in plain bytes.
      containers: [{ name: 'app', usage: { cpu: '32786885n', memory: '12345000' } }],
    });
    for (const path of [
      '/apis/metrics.k8s.io/v1beta1/pods',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb',
    ]) {
      const l = (await s.get(path)).json<{
        kind: string;
        items: { metadata: { name: string } }[];
      }>();
      assert.equal(l.kind, 'PodMetricsList');
      assert.deepEqual(
        l.items.map((i) => i.metadata.name),
        ['web'],
      );
    }
    const none = await s.get(
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dx',
    );
    assert.deepEqual(none.json<{ items: unknown[] }>().items, []);
  });

  it("as a Table: metrics-server's columns", async () => {
    const r = await s.get('/apis/metrics.k8s.io/v1beta1/nodes', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    const t = r.json<{
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    }>();
    assert.equal(t.kind, 'Table');
    assert.deepEqual(
      t.columnDefinitions.map((c) => c.name),
      ['Name', 'cpu', 'memory', 'Window'],
    );
    assert.deepEqual(t.rows[0]?.cells, ['alpha', '196721311n', '2Gi', '15.25s']);
  });
});

describe('errors', () => {
  it('NotFound as metrics-server words it', async () => {
    const cases: [string, string, Record<string, string>][] = [
      [
        '/apis/metrics.k8s.io/v1beta1/nodes/ghost',
        'nodemetrics.metrics.k8s.io "ghost" not found',
        { name: 'ghost', group: 'metrics.k8s.io', kind: 'nodemetrics' },
      ],
      [
        '/apis/metrics.k8s.io/v1beta1/nodes/nowhere',
        'node "nowhere" not found',
        { name: 'nowhere', kind: 'node' },
      ],
      [
        '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/gone',
        'pods "gone" not found',
        { name: 'gone', kind: 'pods' },
      ],
    ];
    for (const [path, message, details] of cases) {
      const r = await s.get(path);
      assert.equal(r.status, 404, path);
      const st = r.json<{ reason: string; message: string; details: object }>();
      assert.equal(st.reason, 'NotFound');
      assert.equal(st.message, message);
      assert.deepEqual(st.details, details);
    }
  });

  it('only get and list: other verbs are 405 and nothing is stored', async () => {
    const base = '/apis/metrics.k8s.io/v1beta1';
    const cases: [string, string, unknown?][] = [
      ['POST', `${base}/nodes`, { metadata: { name: 'n' } }],
      ['PUT', `${base}/nodes/alpha`, { metadata: { name: 'alpha' } }],
      ['PATCH', `${base}/nodes/alpha`, {}],
      ['DELETE', `${base}/nodes/alpha`],
      ['DELETE', `${base}/namespaces/default/pods`],
      ['POST', `${base}/namespaces/default/pods`, { metadata: { name: 'p' } }],
    ];
    for (const [method, path, body] of cases) {
      const r = await s.send(
        method,
        path,
        body === undefined
          ? {}
          : {
              body,
              ...(method === 'PATCH' ? { contentType: 'application/merge-patch+json' } : {}),
            },
      );
      assert.equal(r.status, 405, `${method} ${path}: ${r.text}`);
      assert.equal(r.json<{ reason: string }>().reason, 'MethodNotAllowed');
    }
    const sub = await s.get(`${base}/nodes/alpha/status`);
    assert.equal(sub.status, 404);
    const w = await s.get(`${base}/nodes?watch=true`);
    assert.equal(w.status, 405);
    assert.equal(
      w.json<{ message: string }>().message,
      'watch is not supported on resources of kind "nodes.metrics.k8s.io"',
    );
    assert.equal((await s.get(`${base}/nodes/alpha`)).status, 200);
  });

  it('authorized as resources of metrics.k8s.io', async () => {
    const r = await s.get('/apis/metrics.k8s.io/v1beta1/nodes', {
      as: { name: 'bob', groups: ['system:authenticated'] },
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.json<{ message: string }>().message,
      'nodes.metrics.k8s.io is forbidden: User "bob" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope',
    );
  });
});

describe('generated requests', () => {
  /** A small deterministic generator (mulberry32). */
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it('never fail, never write, and answer only get and list', async () => {
    const next = rng(10);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const names = ['alpha', 'ghost', 'web', 'x', 'a.b', '%2e%2e', 'UPPER', '-', 'a'.repeat(300)];
    const queries = [
      '',
      '?labelSelector=pool%3Db',
      '?labelSelector=%21%21',
      '?labelSelector=a+in+(',
      '?fieldSelector=metadata.name%3Dalpha',
      '?fieldSelector=spec.nodeName%3Dx',
      '?watch=1',
      '?limit=1',
      '?resourceVersion=0',
    ];
    const paths = () => {
      const base = '/apis/metrics.k8s.io/v1beta1';
      return pick([
        `${base}/nodes`,
        `${base}/nodes/${pick(names)}`,
        `${base}/nodes/${pick(names)}/status`,
        `${base}/pods`,
        `${base}/namespaces/${pick(['default', 'none', 'kube-system'])}/pods`,
        `${base}/namespaces/${pick(['default', 'none'])}/pods/${pick(names)}`,
        `${base}/namespaces/default/pods/web/log`,
        `${base}/${pick(['nodemetrics', 'podmetrics', 'services'])}`,
        `/apis/metrics.k8s.io/v1/nodes`,
      ]);
    };
    const before = s.store.currentRevision();
    for (let i = 0; i < 300; i++) {
      const method = pick(['GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
      const path = paths() + pick(queries);
      const r = await s.send(method, path, {
        ...(method === 'GET' || method === 'DELETE'
          ? {}
          : {
              body: { metadata: { name: 'x' } },
              contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
            }),
      });
      assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
      if (method !== 'GET')
        assert.ok([400, 404, 405].includes(r.status), `${method} ${path}: ${r.status}`);
      if (r.status >= 400) assert.equal(r.json<{ kind: string }>().kind, 'Status');
    }
    assert.equal(s.store.currentRevision(), before);
  });

  it('the decoder refuses malformed text with an error, never a crash', () => {
    const next = rng(7);
    const alphabet = 'node_cpu_usage_seconds_total{}"=,\\ \n#0.5e+9abc';
    for (let i = 0; i < 300; i++) {
      let t = '';
      const n = Math.floor(next() * 80);
      for (let j = 0; j < n; j++) t += alphabet[Math.floor(next() * alphabet.length)];
      try {
        decodeBatch(t, 0, 'n');
      } catch (e) {
        assert.ok(e instanceof Error);
      }
    }
  });
});

describe('decoding and storage', () => {
  it('parses the exposition, escapes and timestamps included', () => {
    assert.deepEqual(
      parsePrometheusText('# HELP x y\nx{a="q\\"uo\\\\te",b="n\\nl"} 1.5e+07 1700000000123\ny 2\n'),
      [
        {
          name: 'x',
          labels: { a: 'q"uo\\te', b: 'n\nl' },
          value: 1.5e7,
          timestampMs: 1_700_000_000_123,
        },
        { name: 'y', labels: {}, value: 2 },
      ],
    );
  });

  it('leaves out a node without memory and a pod one of whose containers lacks CPU', () => {
    const b = decodeBatch(
      [
        'node_cpu_usage_seconds_total 10 1000',
        'container_cpu_usage_seconds_total{container="a",namespace="n",pod="p"} 1 1000',
        'container_memory_working_set_bytes{container="a",namespace="n",pod="p"} 10 1000',
        'container_memory_working_set_bytes{container="b",namespace="n",pod="p"} 10 1000',
        'container_cpu_usage_seconds_total{container="a",namespace="n",pod="q"} 1 1000',
        'container_memory_working_set_bytes{container="a",namespace="n",pod="q"} 10 1000',
      ].join('\n'),
      5,
      'node',
    );
    assert.equal(b.nodes.size, 0);
    assert.deepEqual([...b.pods.keys()], ['n/q']);
  });

  it('pairs points only across no restart, and counts a fresh container from its start', () => {
    const st = new MetricsStorage(15_000);
    const batch = (ts: number, cpu: bigint, startMs: number) => ({
      nodes: new Map(),
      pods: new Map([
        [
          'n/p',
          new Map([['c', { timestampMs: ts, cumulativeCpuNanos: cpu, memoryBytes: 1n, startMs }]]),
        ],
      ]),
    });
    st.store(batch(100_000, 5_000_000_000n, 0));
    st.store(batch(110_000, 6_000_000_000n, 0));
    assert.equal(st.podUsage('n/p')?.containers[0]?.cpu, 100_000_000n);
    // Restarted at 111 s: the new point does not pair with the one at 110 s.
    st.store(batch(120_000, 1_000_000_000n, 111_000));
    assert.equal(st.hasPod('n/p'), false);
    // Started 12 s before its first point (under one interval, over 10 s): counted from its start.
    const fresh = new MetricsStorage(15_000);
    fresh.store(batch(200_000, 6_000_000_000n, 188_000));
    const u = fresh.podUsage('n/p');
    assert.equal(u?.containers[0]?.cpu, 500_000_000n);
    assert.equal(u?.windowMs, 12_000);
  });

  it('prints windows as Go durations', () => {
    assert.deepEqual([0, 500, 1000, 15_250, 60_000, 61_500, 3_600_000].map(goDuration), [
      '0s',
      '500ms',
      '1s',
      '15.25s',
      '1m0s',
      '1m1.5s',
      '1h0m0s',
    ]);
  });
});
