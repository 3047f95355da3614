import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestApiServer } from '../../../test/support/apiserver.js';

interface Port {
  name?: string;
  port: number;
  nodePort?: number;
  protocol?: string;
}
interface Spec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: Port[];
  externalName?: string;
  [k: string]: unknown;
}
type Svc = { metadata: Record<string, unknown>; spec: Spec };

const SVCS = '/api/v1/namespaces/svc/services';

const inServiceRange = (ip: string): boolean => {
  const [a, b] = ip.split('.').map(Number);
  return a === 10 && b !== undefined && b >= 96 && b <= 111;
};

describe('service allocation', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestServer();
    await api.namespace('svc');
  });
  after(() => api.close());

  const create = async (name: string, spec: Spec) =>
    api.post(SVCS, { metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });

  it('gives the kubernetes service the first address of the range', async () => {
    const res = await api.get('/api/v1/namespaces/default/services/kubernetes');
    assert.equal(res.status, 200);
    const s = res.json<Svc>();
    assert.equal(s.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(s.spec.clusterIPs, ['10.96.0.1']);
    assert.equal(s.spec.ports?.[0]?.port, 443);
  });

  it('allocates a cluster IP in 10.96.0.0/12', async () => {
    const res = await create('auto', {});
    assert.equal(res.status, 201, res.text);
    const s = res.json<Svc>();
    assert.ok(s.spec.clusterIP && inServiceRange(s.spec.clusterIP), s.spec.clusterIP);
    assert.notEqual(s.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
    assert.equal(s.spec.type, 'ClusterIP');
    assert.deepEqual(s.spec['ipFamilies'], ['IPv4']);
    assert.equal(s.spec['ipFamilyPolicy'], 'SingleStack');
    assert.equal(s.spec.ports?.[0]?.protocol, 'TCP');
    assert.equal(s.spec.ports?.[0]?.nodePort, undefined);
  });

  it('honours a requested cluster IP and refuses it twice', async () => {
    const res = await create('fixed', { clusterIP: '10.96.100.100' });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json<Svc>().spec.clusterIP, '10.96.100.100');
    const dup = await create('fixed2', { clusterIP: '10.96.100.100' });
    assert.equal(dup.status, 422);
    assert.deepEqual(dup.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Service "fixed2" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.100.100"}: failed to allocate IP 10.96.100.100: provided IP is already allocated',
      reason: 'Invalid',
      details: {
        name: 'fixed2',
        kind: 'Service',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: []string{"10.96.100.100"}: failed to allocate IP 10.96.100.100: provided IP is already allocated',
            field: 'spec.clusterIPs',
          },
        ],
      },
      code: 422,
    });
    const taken = await create('kube-ip', { clusterIP: '10.96.0.1' });
    assert.equal(taken.status, 422);
  });

  it('refuses a cluster IP outside the range', async () => {
    const res = await create('outside', { clusterIP: '192.168.0.10' });
    assert.equal(res.status, 422);
    assert.equal(
      res.json()['message'],
      'Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"192.168.0.10"}: failed to allocate IP 192.168.0.10: the provided IP (192.168.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
  });

  it('makes a headless service with clusterIP None', async () => {
    const res = await create('headless', { clusterIP: 'None' });
    assert.equal(res.status, 201, res.text);
    const s = res.json<Svc>();
    assert.equal(s.spec.clusterIP, 'None');
    assert.deepEqual(s.spec.clusterIPs, ['None']);
  });

  it('allocates node ports in 30000-32767 and honours requested ones once', async () => {
    const res = await create('np', {
      type: 'NodePort',
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 81 },
      ],
    });
    assert.equal(res.status, 201, res.text);
    const ports = res.json<Svc>().spec.ports ?? [];
    for (const p of ports) assert.ok(p.nodePort && p.nodePort >= 30000 && p.nodePort <= 32767);
    assert.notEqual(ports[0]?.nodePort, ports[1]?.nodePort);

    const fixed = await create('np-fixed', {
      type: 'NodePort',
      ports: [{ port: 80, nodePort: 30080 }],
    });
    assert.equal(fixed.status, 201, fixed.text);
    assert.equal(fixed.json<Svc>().spec.ports?.[0]?.nodePort, 30080);
    const dup = await create('np-dup', {
      type: 'NodePort',
      ports: [{ port: 80, nodePort: 30080 }],
    });
    assert.equal(dup.status, 422);
    assert.equal(
      dup.json()['message'],
      'Service "np-dup" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const low = await create('np-low', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] });
    assert.equal(low.status, 422);
    assert.equal(
      low.json()['message'],
      'Service "np-low" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
  });

  it('keeps, adds and releases allocations as the type changes', async () => {
    const created = (await create('morph', { clusterIP: '10.96.50.50' })).json<Svc>();
    const put = async (spec: Spec): Promise<Svc> => {
      const cur = (await api.get(`${SVCS}/morph`)).json<Svc>();
      const res = await api.put(`${SVCS}/morph`, { ...cur, spec: { ...cur.spec, ...spec } });
      assert.equal(res.status, 200, res.text);
      return res.json<Svc>();
    };
    const np = await put({ type: 'NodePort' });
    assert.equal(np.spec.clusterIP, created.spec.clusterIP);
    const nodePort = np.spec.ports?.[0]?.nodePort ?? 0;
    assert.ok(nodePort >= 30000 && nodePort <= 32767);
    // Unchanged on a later update that leaves the port out.
    const again = await put({ ports: [{ port: 80, protocol: 'TCP' }] });
    assert.equal(again.spec.ports?.[0]?.nodePort, nodePort);

    const back = await put({ type: 'ClusterIP' });
    assert.equal(back.spec.clusterIP, '10.96.50.50');
    assert.equal(back.spec.ports?.[0]?.nodePort, undefined);
    // The node port is free again.
    const reuse = await create('np-reuse', { type: 'NodePort', ports: [{ port: 80, nodePort }] });
    assert.equal(reuse.status, 201, reuse.text);

    const ext = await put({
      type: 'ExternalName',
      externalName: 'example.com',
      clusterIP: '',
      clusterIPs: [],
    });
    assert.equal(ext.spec.clusterIP, undefined);
    assert.equal(ext.spec.clusterIPs, undefined);
    // So is the cluster IP.
    const reuseIp = await create('ip-reuse', { clusterIP: '10.96.50.50' });
    assert.equal(reuseIp.status, 201, reuseIp.text);
  });

  it('refuses to change an allocated cluster IP', async () => {
    const s = (await create('pinned', {})).json<Svc>();
    const res = await api.put(`${SVCS}/pinned`, {
      ...s,
      spec: { ...s.spec, clusterIP: '10.96.77.77', clusterIPs: ['10.96.77.77'] },
    });
    assert.equal(res.status, 422);
    assert.match(String(res.json()['message']), /may not change once set/);
  });

  it('frees the cluster IP of a deleted service', async () => {
    await create('short-lived', { clusterIP: '10.96.60.60' });
    assert.equal((await api.delete(`${SVCS}/short-lived`)).status, 200);
    const res = await create('successor', { clusterIP: '10.96.60.60' });
    assert.equal(res.status, 201, res.text);
  });
});

describe('service allocation under concurrency and over a shared store', () => {
  let a: TestApiServer;
  let b: TestApiServer;
  const NS = '/api/v1/namespaces/svc2/services';
  const body = (name: string, spec: Spec) => ({
    metadata: { name },
    spec: { ports: [{ port: 80 }], ...spec },
  });
  const message = (res: { json<T>(): T }): string => res.json<{ message: string }>().message;

  before(async () => {
    a = await startTestServer();
    await a.namespace('svc2');
    // A second API server over the same store, as several kube-apiservers over one etcd.
    b = await startTestServer({ store: a.store });
  });
  after(async () => {
    await b.server.close();
    await a.close();
  });

  it('gives a requested cluster IP to exactly one of many concurrent creates', async () => {
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        a.post(NS, body(`race-ip-${i}`, { clusterIP: '10.96.200.1' })),
      ),
    );
    assert.deepEqual(
      all.map((r) => r.status).sort(),
      [201, ...Array<number>(11).fill(422)],
      all.map((r) => r.text).join('\n'),
    );
    for (const r of all.filter((x) => x.status === 422))
      assert.match(
        message(r),
        /failed to allocate IP 10\.96\.200\.1: provided IP is already allocated/,
      );
  });

  it('gives a requested node port to exactly one of many concurrent creates', async () => {
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        a.post(
          NS,
          body(`race-np-${i}`, { type: 'NodePort', ports: [{ port: 80, nodePort: 31555 }] }),
        ),
      ),
    );
    assert.deepEqual(all.map((r) => r.status).sort(), [201, ...Array<number>(11).fill(422)]);
  });

  it('never gives one address or port to two concurrent creates', async () => {
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, i) => a.post(NS, body(`many-${i}`, { type: 'NodePort' }))),
    );
    for (const r of all) assert.equal(r.status, 201, r.text);
    const ips = all.map((r) => r.json<Svc>().spec.clusterIP);
    const ports = all.map((r) => r.json<Svc>().spec.ports?.[0]?.nodePort);
    assert.equal(new Set(ips).size, ips.length);
    assert.equal(new Set(ports).size, ports.length);
  });

  it('allocates nothing for a dry run or a create that fails', async () => {
    // Ports the earlier tests' random allocations left free.
    const listed = await a.send('GET', NS);
    const inUse = new Set(
      listed.json<{ items: Svc[] }>().items.flatMap((s) => s.spec.ports?.map((p) => p.nodePort)),
    );
    const free = (): number => {
      let p = 31556;
      while (inUse.has(p)) p++;
      inUse.add(p);
      return p;
    };
    const [dryPort, conflictPort] = [free(), free()];
    const dryRun = await a.send('POST', `${NS}?dryRun=All`, {
      body: body('dry2', {
        clusterIP: '10.96.201.2',
        type: 'NodePort',
        ports: [{ port: 80, nodePort: dryPort }],
      }),
    });
    assert.equal(dryRun.status, 201, dryRun.text);
    // A create refused after allocation (the name exists) releases what it took.
    const taken = await a.post(NS, body('dry', { clusterIP: '10.96.201.3' }));
    assert.equal(taken.status, 201, taken.text);
    const again = await a.post(NS, body('dry', { clusterIP: '10.96.201.4' }));
    assert.equal(again.status, 409, again.text);
    for (const [name, ip, port] of [
      ['after-dry', '10.96.201.2', dryPort],
      ['after-conflict', '10.96.201.4', conflictPort],
    ] as const) {
      const res = await a.post(
        NS,
        body(name, { clusterIP: ip, type: 'NodePort', ports: [{ port: 80, nodePort: port }] }),
      );
      assert.equal(res.status, 201, res.text);
    }
  });

  it('refuses what another API server over the same store allocated', async () => {
    // B's table is live (it has allocated) before A's write, so it learns of it by watch.
    assert.equal(await b.post(NS, body('from-b', {})).then((r) => r.status), 201);
    assert.equal((await a.post(NS, body('from-a', { clusterIP: '10.96.202.1' }))).status, 201);
    let res = await b.send('POST', `${NS}?dryRun=All`, {
      body: body('b-dup', { clusterIP: '10.96.202.1' }),
    });
    for (let i = 0; res.status === 201 && i < 100; i++) {
      await new Promise((r) => setImmediate(r));
      res = await b.send('POST', `${NS}?dryRun=All`, {
        body: body('b-dup', { clusterIP: '10.96.202.1' }),
      });
    }
    assert.equal(res.status, 422, res.text);
    // A's delete frees it for B too.
    assert.equal((await a.delete(`${NS}/from-a`)).status, 200);
    res = await b.post(NS, body('b-dup', { clusterIP: '10.96.202.1' }));
    for (let i = 0; res.status === 422 && i < 100; i++) {
      await new Promise((r) => setImmediate(r));
      res = await b.post(NS, body('b-dup', { clusterIP: '10.96.202.1' }));
    }
    assert.equal(res.status, 201, res.text);
  });

  it('rebuilds what is allocated from storage when a server starts', async () => {
    assert.equal(
      (await a.post(NS, body('before-start', { clusterIP: '10.96.203.1' }))).status,
      201,
    );
    const c = await startTestServer({ store: a.store });
    try {
      const res = await c.post(NS, body('after-start', { clusterIP: '10.96.203.1' }));
      assert.equal(res.status, 422, res.text);
      assert.match(message(res), /provided IP is already allocated/);
    } finally {
      await c.server.close();
    }
  });
});
