import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';
import { parseExposition, select, type Exposition } from './text-format.js';

const NS = '/api/v1/namespaces/default/configmaps';

describe('/metrics (in-process)', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
  });
  after(() => api.close());

  async function scrape(): Promise<Exposition> {
    const res = await api.get('/metrics');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.text);
  }
  const count = (e: Exposition, labels: Record<string, string>): number =>
    select(e, 'apiserver_request_total', labels).reduce((n, s) => n + s.value, 0);

  it('counts requests with kube-apiserver verbs, scopes and codes', async () => {
    const before = await scrape();
    assert.equal((await api.get(`${NS}/missing`)).status, 404);
    assert.equal((await api.get(NS)).status, 200);
    assert.equal((await api.post(NS, { metadata: { name: 'a' } })).status, 201);
    assert.equal((await api.post(`${NS}?dryRun=All`, { metadata: { name: 'b' } })).status, 201);
    assert.equal(
      (await api.put(`${NS}/a`, { metadata: { name: 'a' }, data: { k: 'v' } })).status,
      200,
    );
    assert.equal((await api.patch(`${NS}/a`, { data: { k: 'w' } })).status, 200);
    const applied = await api.patch(
      `${NS}/c?fieldManager=me`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      { contentType: 'application/apply-patch+yaml' },
    );
    assert.equal(applied.status, 201, applied.text);
    assert.equal((await api.delete(`${NS}/a`)).status, 200);
    assert.equal((await api.delete(NS)).status, 200);
    assert.equal((await api.get('/api/v1/configmaps')).status, 200);
    assert.equal((await api.get('/api/v1/namespaces/default')).status, 200);
    const after = await scrape();
    const base = {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      subresource: '',
      component: 'apiserver',
    };
    const cases: [Record<string, string>, number][] = [
      [{ ...base, verb: 'GET', scope: 'resource', code: '404', dry_run: '' }, 1],
      [{ ...base, verb: 'LIST', scope: 'namespace', code: '200', dry_run: '' }, 1],
      [{ ...base, verb: 'POST', scope: 'resource', code: '201', dry_run: '' }, 1],
      [{ ...base, verb: 'POST', scope: 'resource', code: '201', dry_run: 'All' }, 1],
      [{ ...base, verb: 'PUT', scope: 'resource', code: '200', dry_run: '' }, 1],
      [{ ...base, verb: 'PATCH', scope: 'resource', code: '200', dry_run: '' }, 1],
      [{ ...base, verb: 'APPLY', scope: 'resource', code: '201', dry_run: '' }, 1],
      [{ ...base, verb: 'DELETE', scope: 'resource', code: '200', dry_run: '' }, 1],
      // A collection delete is reported by its HTTP method, as kube-apiserver does.
      [{ ...base, verb: 'DELETE', scope: 'namespace', code: '200', dry_run: '' }, 1],
      [{ ...base, verb: 'LIST', scope: 'cluster', code: '200', dry_run: '' }, 1],
      [
        {
          ...base,
          resource: 'namespaces',
          verb: 'GET',
          scope: 'resource',
          code: '200',
          dry_run: '',
        },
        1,
      ],
    ];
    for (const [labels, n] of cases)
      assert.equal(count(after, labels) - count(before, labels), n, JSON.stringify(labels));
    // Every sample carries exactly kube's labels.
    for (const s of select(after, 'apiserver_request_total'))
      assert.deepEqual(Object.keys(s.labels).sort(), [
        'code',
        'component',
        'dry_run',
        'group',
        'resource',
        'scope',
        'subresource',
        'verb',
        'version',
      ]);
  });

  it('keeps each latency histogram consistent with its counter', async () => {
    const e = await scrape();
    const counters = select(e, 'apiserver_request_total');
    assert.ok(counters.length > 5);
    const key = (l: Record<string, string>) =>
      JSON.stringify(
        Object.entries(l)
          .filter(([k]) => k !== 'code' && k !== 'le')
          .sort(),
      );
    const totals = new Map<string, number>();
    for (const c of counters) totals.set(key(c.labels), (totals.get(key(c.labels)) ?? 0) + c.value);
    const counts = select(e, 'apiserver_request_duration_seconds_count');
    // (The /metrics request in flight is in neither: it is counted once answered.)
    for (const c of counts) {
      const k = key(c.labels);
      assert.equal(c.value, totals.get(k), k);
      const buckets = select(e, 'apiserver_request_duration_seconds_bucket').filter(
        (b) => key(b.labels) === k,
      );
      assert.equal(buckets.length, 24);
      assert.equal(buckets.at(-1)?.labels['le'], '+Inf');
      assert.equal(buckets.at(-1)?.value, c.value);
      for (let i = 1; i < buckets.length; i++)
        assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0), 'monotonic');
    }
  });

  it('shows an open watch as a long-running request until it ends', async () => {
    const labels = {
      verb: 'WATCH',
      group: '',
      version: 'v1',
      resource: 'configmaps',
      subresource: '',
      scope: 'namespace',
      component: 'apiserver',
    };
    const gauge = (e: Exposition) =>
      select(e, 'apiserver_longrunning_requests', labels)[0]?.value ?? 0;
    const watched = (e: Exposition) => count(e, { ...labels, code: '200' });
    const before = await scrape();
    const w = await api.watch(NS);
    assert.equal(w.status, 200);
    const open = await scrape();
    assert.equal(gauge(open), gauge(before) + 1);
    assert.equal(watched(open), watched(before), 'a watch is counted when it ends');
    w.close();
    let closed = await scrape();
    for (let i = 0; i < 100 && gauge(closed) !== gauge(before); i++) {
      await new Promise((r) => setTimeout(r, 10));
      closed = await scrape();
    }
    assert.equal(gauge(closed), gauge(before));
    assert.equal(watched(closed), watched(before) + 1);
  });

  it('reports stored objects, storage latency and the process', async () => {
    const e = await scrape();
    assert.ok(
      (select(e, 'apiserver_storage_objects', { resource: 'namespaces' })[0]?.value ?? 0) >= 4,
    );
    assert.equal(e.type.get('etcd_request_duration_seconds'), 'histogram');
    assert.equal(
      select(e, 'etcd_request_duration_seconds_bucket', { operation: 'get', type: 'configmaps' })
        .length,
      41,
    );
    assert.equal(
      select(e, 'etcd_requests_total', { operation: 'get', type: 'configmaps' })[0]?.value,
      select(e, 'etcd_request_duration_seconds_count', { operation: 'get', type: 'configmaps' })[0]
        ?.value,
    );
    assert.ok(
      (select(e, 'etcd_request_duration_seconds_count', { operation: 'get', type: 'configmaps' })[0]
        ?.value ?? 0) >= 1,
    );
    assert.ok(
      (select(e, 'etcd_request_duration_seconds_count', {
        operation: 'create',
        type: 'namespaces',
      })[0]?.value ?? 0) >= 1,
    );
    for (const name of [
      'process_start_time_seconds',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ])
      assert.ok((select(e, name)[0]?.value ?? 0) > 0, name);
    assert.equal(e.type.get('process_cpu_seconds_total'), 'counter');
    assert.equal(select(e, 'kubernetes_build_info')[0]?.value, 1);
  });

  it('does not count unknown resources or paths', async () => {
    assert.equal((await api.get('/api/v1/nosuchthings')).status, 404);
    assert.equal((await api.get('/no/such/path')).status, 404);
    // Health checks answer any sub-path; only the known ones are counted.
    // (Anonymous users may read /healthz itself only, as system:public-info-viewer grants.)
    assert.equal((await api.get('/healthz/anything-at-all')).status, 200);
    assert.equal((await api.get('/healthz/anything-at-all', { as: 'anonymous' })).status, 403);
    assert.equal((await api.get('/readyz')).status, 200);
    assert.equal((await api.get('/api/v1')).status, 200);
    const e = await scrape();
    assert.deepEqual(
      select(e, 'apiserver_request_total', { subresource: '/healthz/anything-at-all' }),
      [],
    );
    assert.equal(
      count(e, { verb: 'GET', subresource: '/readyz', scope: '', resource: '', code: '200' }),
      1,
    );
    assert.ok(count(e, { verb: 'GET', subresource: '/api/v1', code: '200' }) >= 1);
    assert.deepEqual(select(e, 'apiserver_request_total', { resource: 'nosuchthings' }), []);
    assert.deepEqual(select(e, 'apiserver_request_total', { subresource: '/no/such/path' }), []);
  });

  it('is readable by system:masters and system:monitoring, forbidden to others', async () => {
    const anon = await api.get('/metrics', { as: 'anonymous' });
    assert.equal(anon.status, 403);
    assert.equal(
      anon.json()['message'],
      'forbidden: User "system:anonymous" cannot get path "/metrics"',
    );
    const sa = await api.get('/metrics', {
      as: {
        name: 'system:serviceaccount:default:default',
        groups: ['system:serviceaccounts', 'system:authenticated'],
      },
    });
    assert.equal(sa.status, 403);
    assert.equal(
      sa.json()['message'],
      'forbidden: User "system:serviceaccount:default:default" cannot get path "/metrics"',
    );
    const monitor = await api.get('/metrics', {
      as: { name: 'prometheus', groups: ['system:monitoring', 'system:authenticated'] },
    });
    assert.equal(monitor.status, 200);
    assert.ok(parseExposition(monitor.text).samples.length > 0);
    // Forbidden requests are not counted (they never reach a handler).
    const e = parseExposition(monitor.text);
    assert.equal(
      select(e, 'apiserver_request_total', { subresource: '/metrics', code: '403' }).length,
      0,
    );
    // Other verbs on /metrics are not served.
    assert.equal((await api.send('POST', '/metrics')).status, 404);
  });
});
