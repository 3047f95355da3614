// /metrics on a real server: kube-apiserver's names and labels, counts that follow the
// requests sent (verb, scope, code), histograms consistent with their counters, open
// watches as long-running requests, storage metrics, and kube's authorization of the path.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, until } from '../e2e/harness.js';
import { parseExposition, select, type Exposition } from '../../src/apiserver/metrics/index.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawRequest } from './support.js';

const NS = 'metrics';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const MONITOR_TOKEN = 'metrics-monitoring-token-0123456789';
const PLAIN_TOKEN = 'metrics-plain-user-token-0123456789';

const REQUEST_LABELS = [
  'code',
  'component',
  'dry_run',
  'group',
  'resource',
  'scope',
  'subresource',
  'verb',
  'version',
];

describe('/metrics', { timeout: 240_000 }, () => {
  let srv: AbuseServer;
  before(async () => {
    srv = startAbuseServer({
      tokens: [
        { token: MONITOR_TOKEN, user: 'prometheus', uid: 'p1', groups: ['system:monitoring'] },
        { token: PLAIN_TOKEN, user: 'plain', uid: 'p2' },
      ],
    });
    const ns = await srv.send({
      method: 'POST',
      path: '/api/v1/namespaces',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: NS } }),
    });
    assert.equal(ns.status, 201, ns.text);
    // The controllers' own configmap in a new namespace, so they are done with it.
    await until('kube-root-ca.crt', async () =>
      (await srv.send({ path: `${CM}/kube-root-ca.crt` })).status === 200 ? true : undefined,
    );
  });
  after(() => srv?.stop());

  async function scrape(as: RawRequest['as'] = 'admin'): Promise<Exposition> {
    const res = await srv.send({ path: '/metrics', as });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.text);
  }
  const total = (e: Exposition, labels: Record<string, string>): number =>
    select(e, 'apiserver_request_total', labels).reduce((n, s) => n + s.value, 0);

  it('counts a 404 GET on configmaps, a LIST, a create and a dry run with their labels', async () => {
    const before = await scrape();
    assertStatus(await srv.send({ path: `${CM}/missing` }), 404, 'NotFound');
    assert.equal((await srv.send({ path: CM })).status, 200);
    const body = JSON.stringify({ metadata: { name: 'counted' } });
    const headers = { 'content-type': 'application/json' };
    assert.equal((await srv.send({ method: 'POST', path: CM, headers, body })).status, 201);
    assert.equal(
      (await srv.send({ method: 'POST', path: `${CM}?dryRun=All`, headers, body })).status,
      409,
    );
    const after = await scrape();
    const base = {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      subresource: '',
      component: 'apiserver',
      dry_run: '',
    };
    const delta = (l: Record<string, string>) => total(after, l) - total(before, l);
    assert.equal(delta({ ...base, verb: 'GET', scope: 'resource', code: '404' }), 1);
    assert.equal(delta({ ...base, verb: 'LIST', scope: 'namespace', code: '200' }), 1);
    assert.equal(delta({ ...base, verb: 'POST', scope: 'resource', code: '201' }), 1);
    assert.equal(
      delta({ ...base, verb: 'POST', scope: 'resource', code: '409', dry_run: 'All' }),
      1,
    );
    for (const s of select(after, 'apiserver_request_total'))
      assert.deepEqual(Object.keys(s.labels).sort(), REQUEST_LABELS);
    assert.equal(
      after.help
        .get('apiserver_request_total')
        ?.startsWith('[STABLE] Counter of apiserver requests'),
      true,
    );
  });

  it('keeps histogram buckets monotonic and each _count equal to its counter', async () => {
    const e = await scrape();
    const key = (l: Record<string, string>) =>
      JSON.stringify(
        Object.entries(l)
          .filter(([k]) => k !== 'code' && k !== 'le')
          .sort(),
      );
    const totals = new Map<string, number>();
    for (const c of select(e, 'apiserver_request_total'))
      totals.set(key(c.labels), (totals.get(key(c.labels)) ?? 0) + c.value);
    const counts = select(e, 'apiserver_request_duration_seconds_count');
    assert.ok(counts.length >= 4);
    assert.equal(counts.length, totals.size);
    for (const c of counts) {
      const k = key(c.labels);
      assert.equal(c.value, totals.get(k), k);
      const buckets = select(e, 'apiserver_request_duration_seconds_bucket').filter(
        (b) => key(b.labels) === k,
      );
      // kube's 23 bounds, from 5 ms to 60 s, and +Inf.
      assert.deepEqual(
        buckets.map((b) => b.labels['le']),
        [
          '0.005',
          '0.025',
          '0.05',
          '0.1',
          '0.2',
          '0.4',
          '0.6',
          '0.8',
          '1',
          '1.25',
          '1.5',
          '2',
          '3',
          '4',
          '5',
          '6',
          '8',
          '10',
          '15',
          '20',
          '30',
          '45',
          '60',
          '+Inf',
        ],
      );
      for (let i = 1; i < buckets.length; i++)
        assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0), `monotonic ${k}`);
      assert.equal(buckets.at(-1)?.value, c.value);
    }
  });

  it(
    'shows an open kubectl watch as a long-running request, and not after it ends',
    {
      skip: !hasKubectl(33),
    },
    async () => {
      const labels = {
        verb: 'WATCH',
        group: '',
        version: 'v1',
        resource: 'configmaps',
        subresource: '',
        scope: 'namespace',
        component: 'apiserver',
      };
      const open = (e: Exposition) =>
        select(e, 'apiserver_longrunning_requests', labels)[0]?.value ?? 0;
      const ended = (e: Exposition) => total(e, { ...labels, code: '200' });
      const before = await scrape();
      const w = srv.cluster.background(33, ['get', 'configmaps', '-n', NS, '--watch']);
      try {
        await w.waitFor(/kube-root-ca\.crt/, 20_000);
        const during = await until(
          'the watch counted as open',
          async () => {
            const e = await scrape();
            return open(e) === open(before) + 1 ? e : undefined;
          },
          20_000,
        );
        assert.equal(ended(during), ended(before), 'a watch is counted when it ends');
      } finally {
        await w.stop();
      }
      const afterwards = await until(
        'the watch closed',
        async () => {
          const e = await scrape();
          return open(e) === open(before) ? e : undefined;
        },
        20_000,
      );
      assert.equal(ended(afterwards), ended(before) + 1);
    },
  );

  it('reports stored objects, storage latency and the process', async () => {
    const e = await scrape();
    assert.ok(
      (select(e, 'apiserver_storage_objects', { resource: 'namespaces' })[0]?.value ?? 0) >= 5,
    );
    assert.ok(
      (select(e, 'apiserver_storage_objects', { resource: 'configmaps' })[0]?.value ?? 0) >= 2,
    );
    assert.equal(e.type.get('apiserver_storage_objects'), 'gauge');
    assert.equal(e.type.get('etcd_request_duration_seconds'), 'histogram');
    for (const operation of ['get', 'list', 'create'])
      assert.ok(
        (select(e, 'etcd_request_duration_seconds_count', { operation, type: 'configmaps' })[0]
          ?.value ?? 0) >= 1,
        operation,
      );
    const start = select(e, 'process_start_time_seconds')[0]?.value ?? 0;
    assert.ok(start > Date.now() / 1000 - 3600 && start <= Date.now() / 1000, String(start));
    assert.ok((select(e, 'process_resident_memory_bytes')[0]?.value ?? 0) > 1e6);
    assert.equal(e.type.get('process_cpu_seconds_total'), 'counter');
  });

  it("answers 403 with kube's message to anonymous and plain users, 200 to system:monitoring", async () => {
    const before = await srv.snapshot([CM]);
    for (const [as, user] of [
      ['anonymous', 'system:anonymous'],
      [{ token: PLAIN_TOKEN }, 'plain'],
    ] as const) {
      const res = await srv.send({ path: '/metrics', as });
      assertStatus(res, 403, 'Forbidden');
      assert.equal(res.json.message, `forbidden: User "${user}" cannot get path "/metrics"`);
    }
    // A service account (authenticated, not a monitor) is refused the same way.
    const sa = await srv.send({
      path: '/metrics',
      headers: { 'impersonate-user': 'system:serviceaccount:default:default' },
    });
    assertStatus(sa, 403, 'Forbidden');
    assert.equal(
      sa.json.message,
      'forbidden: User "system:serviceaccount:default:default" cannot get path "/metrics"',
    );
    const monitored = await scrape({ token: MONITOR_TOKEN });
    assert.ok(select(monitored, 'apiserver_request_total').length > 0);
    // Only GET (and HEAD) read it.
    assertStatus(await srv.send({ method: 'POST', path: '/metrics', body: '' }), 404, 'NotFound');
    assertStatus(
      await srv.send({ method: 'DELETE', path: '/metrics', as: { token: MONITOR_TOKEN } }),
      403,
      'Forbidden',
    );
    assert.deepEqual(await srv.snapshot([CM]), before);
  });

  it('is read by kubectl get --raw /metrics', { skip: !hasKubectl(33) }, async () => {
    const r = await srv.cluster.kubectl(33, ['get', '--raw', '/metrics'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const e = parseExposition(r.stdout);
    assert.equal(e.type.get('apiserver_request_total'), 'counter');
    assert.ok(total(e, { verb: 'LIST', resource: 'configmaps' }) >= 1);
  });

  it('counts a seeded run of requests exactly, and nothing it should not', async () => {
    // Resources no controller reads or writes one by one in this namespace, so every change
    // in their counts is ours.
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const resources = [
      { path: `/api/v1/namespaces/${NS}/secrets`, resource: 'secrets' },
      { path: `/api/v1/namespaces/${NS}/serviceaccounts`, resource: 'serviceaccounts' },
    ];
    const names = ['a', 'b', 'missing'];
    const expected = new Map<string, number>();
    const expect = (labels: Record<string, string>) => {
      const k = JSON.stringify(Object.entries(labels).sort());
      expected.set(k, (expected.get(k) ?? 0) + 1);
    };
    const before = await scrape();
    for (let i = 0; i < 200; i++) {
      const r = resources[rand(resources.length)]!;
      const name = names[rand(names.length)]!;
      const anonymous = rand(5) === 0;
      const dryRun = rand(4) === 0 ? '?dryRun=All' : '';
      const kind = rand(8);
      let req: RawRequest;
      let verb: string;
      let scope = 'resource';
      const json = { 'content-type': 'application/json' };
      const obj =
        r.resource === 'secrets'
          ? { metadata: { name }, data: { k: 'dg==' } }
          : { metadata: { name } };
      switch (kind) {
        case 0:
          req = { path: `${r.path}/${name}` };
          verb = 'GET';
          break;
        case 1:
          req = { path: `${r.path}?limit=${rand(3)}` };
          verb = 'LIST';
          scope = 'namespace';
          break;
        case 2:
          req = { path: `${r.path}?watch=0` };
          verb = 'LIST';
          scope = 'namespace';
          break;
        case 3:
          req = { method: 'POST', path: r.path + dryRun, headers: json, body: JSON.stringify(obj) };
          verb = 'POST';
          break;
        case 4:
          req = {
            method: 'PUT',
            path: `${r.path}/${name}${dryRun}`,
            headers: json,
            body: JSON.stringify(obj),
          };
          verb = 'PUT';
          break;
        case 5:
          req = {
            method: 'PATCH',
            path: `${r.path}/${name}${dryRun}`,
            headers: { 'content-type': 'application/merge-patch+json' },
            body: JSON.stringify({ metadata: { labels: { i: String(i) } } }),
          };
          verb = 'PATCH';
          break;
        case 6:
          req = { method: 'DELETE', path: `${r.path}/${name}${dryRun}` };
          verb = 'DELETE';
          break;
        default:
          // An unknown resource next to a real one: answered, never counted.
          req = { path: `/api/v1/namespaces/${NS}/no-such-${name}` };
          verb = '';
      }
      // Refused callers try real resources (unknown ones are another suite's concern).
      const as = anonymous && verb ? ('anonymous' as const) : ('admin' as const);
      const res = await srv.send({ ...req, as });
      if (as === 'anonymous') {
        assertStatus(res, 403, 'Forbidden');
        continue;
      }
      if (!verb) {
        assertStatus(res, 404, 'NotFound');
        continue;
      }
      assert.ok(res.status < 500, `${req.method ?? 'GET'} ${req.path}: ${res.text}`);
      expect({
        verb,
        scope,
        resource: r.resource,
        code: String(res.status),
        dry_run: dryRun && verb !== 'GET' && verb !== 'LIST' ? 'All' : '',
      });
    }
    // Health checks answer any sub-path; kube's system:public-info-viewer role lets anonymous
    // callers read only the checks' roots. None of those paths becomes a label.
    const junk: string[] = [];
    for (let i = 0; i < 50; i++) {
      const path = `/${['healthz', 'livez', 'readyz'][rand(3)]}/${rand(1e9).toString(36)}`;
      junk.push(path);
      const as = rand(2) ? ('anonymous' as const) : ('admin' as const);
      const res = await srv.send({ path, as });
      assert.equal(res.status, as === 'admin' ? 200 : 403, `${as} ${path}: ${res.text}`);
    }
    const after = await scrape();
    const paths = new Set(
      select(after, 'apiserver_request_total').map((s) => s.labels['subresource']),
    );
    for (const p of junk) assert.ok(!paths.has(p), p);
    for (const r of resources) {
      for (const s of select(after, 'apiserver_request_total', { resource: r.resource })) {
        const { verb, scope, resource, code, dry_run } = s.labels as Record<string, string>;
        const k = JSON.stringify(Object.entries({ verb, scope, resource, code, dry_run }).sort());
        const was = select(before, 'apiserver_request_total', s.labels)[0]?.value ?? 0;
        assert.equal(s.value - was, expected.get(k) ?? 0, k);
        expected.delete(k);
      }
    }
    assert.deepEqual([...expected.keys()], [], 'requests not counted');
    // Nothing of the unknown resources or of the refused callers shows.
    for (const s of select(after, 'apiserver_request_total'))
      assert.ok(!s.labels['resource']?.startsWith('no-such-'), JSON.stringify(s.labels));
  });
});
