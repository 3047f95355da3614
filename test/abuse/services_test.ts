// Service cluster-IP and node-port allocation against a real `skiff up`: many creates racing
// for one address or port (exactly one wins, the rest get kube-apiserver's 422 and store
// nothing), dry runs and refused writes allocating nothing, releases visible to the next
// request, and a seeded sequence of creates, updates and deletes checked against a model of
// who holds what.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { prng as rng } from '../support/prng.js';

const NS = 'alloc';
const SVCS = `/api/v1/namespaces/${NS}/services`;
const JSON_CT = { 'content-type': 'application/json' };
/** Where the cost test puts its thousands, out of the other tests' snapshots. */
const BULK = '/api/v1/namespaces/alloc-bulk/services';

interface Spec {
  type?: string;
  clusterIP?: string;
  ports?: { port: number; nodePort?: number }[];
  externalName?: string;
}

let s: AbuseServer;

const post = (name: string, spec: Spec, query = '', path = SVCS): Promise<RawResponse> =>
  s.send({
    method: 'POST',
    path: `${path}${query}`,
    headers: JSON_CT,
    body: JSON.stringify({ metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } }),
  });

const snapshot = (): Promise<Record<string, string>> => s.snapshot([SVCS]);

before(async () => {
  s = startAbuseServer();
  for (const name of [NS, 'alloc-bulk']) {
    const ns = await s.send({
      method: 'POST',
      path: '/api/v1/namespaces',
      headers: JSON_CT,
      body: JSON.stringify({ metadata: { name } }),
    });
    assert.equal(ns.status, 201, ns.text);
  }
});
after(() => s.stop());

describe('allocation races', () => {
  it('one requested cluster IP, 30 concurrent creates: one 201, 29 × 422, one stored', async () => {
    const all = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(`race-ip-${i}`, { clusterIP: '10.96.220.7' })),
    );
    const won = all.filter((r) => r.status === 201);
    assert.equal(won.length, 1, all.map((r) => r.status).join(' '));
    for (const r of all.filter((x) => x.status !== 201)) {
      assertStatus(r, 422, 'Invalid');
      assert.match(
        r.json.message,
        /spec\.clusterIPs: Invalid value: \[\]string\{"10\.96\.220\.7"\}: failed to allocate IP 10\.96\.220\.7: provided IP is already allocated$/,
      );
    }
    const stored = Object.keys(await snapshot()).filter((k) => k.includes('race-ip-'));
    assert.equal(stored.length, 1);
  });

  it('one requested node port, 30 concurrent creates: one 201, 29 × 422', async () => {
    const all = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(`race-np-${i}`, { type: 'NodePort', ports: [{ port: 80, nodePort: 31777 }] }),
      ),
    );
    assert.equal(all.filter((r) => r.status === 201).length, 1);
    for (const r of all.filter((x) => x.status !== 201)) {
      assertStatus(r, 422, 'Invalid');
      assert.match(
        r.json.message,
        /spec\.ports\[0\]\.nodePort: Invalid value: 31777: provided port is already allocated$/,
      );
    }
  });

  it('60 concurrent automatic allocations are all distinct', async () => {
    const all = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post(`auto-${i}`, { type: 'NodePort' })),
    );
    for (const r of all) assert.equal(r.status, 201, r.text);
    const ips = all.map((r) => r.json.spec.clusterIP as string);
    const ports = all.map((r) => r.json.spec.ports[0].nodePort as number);
    assert.equal(new Set(ips).size, 60);
    assert.equal(new Set(ports).size, 60);
  });

  it('a dry run holds nothing; a delete frees at once', async () => {
    // A port the earlier tests' automatic allocations left free.
    const listed = await s.send({ path: SVCS });
    const inUse = new Set<number>(
      (listed.json.items as { spec: { ports?: { nodePort?: number }[] } }[]).flatMap(
        (svc) => svc.spec.ports?.map((p) => p.nodePort ?? 0) ?? [],
      ),
    );
    let port = 31778;
    while (inUse.has(port)) port++;
    const before = await snapshot();
    const dry = await post(
      'dry',
      { clusterIP: '10.96.221.1', type: 'NodePort', ports: [{ port: 80, nodePort: port }] },
      '?dryRun=All',
    );
    assert.equal(dry.status, 201, dry.text);
    assert.deepEqual(await snapshot(), before);
    const real = await post('real', {
      clusterIP: '10.96.221.1',
      type: 'NodePort',
      ports: [{ port: 80, nodePort: port }],
    });
    assert.equal(real.status, 201, real.text);
    const del = await s.send({ method: 'DELETE', path: `${SVCS}/real` });
    assert.equal(del.status, 200, del.text);
    const next = await post('next', {
      clusterIP: '10.96.221.1',
      type: 'NodePort',
      ports: [{ port: 80, nodePort: port }],
    });
    assert.equal(next.status, 201, next.text);
  });
});

describe('allocation cost', () => {
  it('a create costs the server no more CPU with 2,000 services than with a few', async () => {
    const createMany = async (prefix: string, count: number): Promise<void> => {
      for (let i = 0; i < count; i += 25) {
        const batch = Array.from({ length: Math.min(25, count - i) }, (_, j) =>
          post(`${prefix}-${i + j}`, {}, '', BULK),
        );
        for (const r of await Promise.all(batch)) assert.equal(r.status, 201, r.text);
      }
    };
    const cpuOf100 = async (prefix: string): Promise<number> => {
      const start = s.cpuMs();
      await createMany(prefix, 100);
      return s.cpuMs() - start;
    };
    await createMany('warm', 50);
    const few = await cpuOf100('few');
    await createMany('bulk', 2000);
    const many = await cpuOf100('many');
    // Listing every service per create (the old way) made this ratio above 5.
    assert.ok(many < few * 2 + 100, `100 creates: ${few} ms CPU at first, ${many} ms at 2,000`);
  });
});

// ---- seeded sequence against a model ----

describe('allocation fuzz (seeded)', () => {
  it('300 creates, type changes and deletes agree with a model of who holds what', async () => {
    const next = rng(Number(process.env.SKIFF_FUZZ_SEED ?? 11));
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const IPS = Array.from({ length: 6 }, (_, i) => `10.96.230.${i + 1}`);
    const PORTS = Array.from({ length: 6 }, (_, i) => 32000 + i);
    // name → what it holds of the pooled values (an automatic port may land in the pool)
    const pooled = (spec: {
      clusterIP?: string;
      ports?: { nodePort?: number }[];
    }): { ip?: string | undefined; port?: number | undefined } => ({
      ip: IPS.find((x) => x === spec.clusterIP),
      port: PORTS.find((p) => spec.ports?.some((x) => x.nodePort === p)),
    });
    const live = new Map<string, { ip?: string | undefined; port?: number | undefined }>();
    // Pooled values the earlier tests' services happen to hold (automatic node ports).
    const others = new Map<string, { ip?: string | undefined; port?: number | undefined }>();
    for (const svc of (await s.send({ path: '/api/v1/services' })).json.items)
      others.set(`${svc.metadata.namespace}/${svc.metadata.name}`, pooled(svc.spec));
    const holderIn = (
      pred: (h: { ip?: string | undefined; port?: number | undefined }) => boolean,
    ) => [...live, ...others].find(([, h]) => pred(h))?.[0];
    const ipHolder = (ip: string) => holderIn((h) => h.ip === ip);
    const portHolder = (p: number) => holderIn((h) => h.port === p);
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const r = next();
      if (r < 0.5 || live.size === 0) {
        const name = `f-${n++}`;
        const ip = next() < 0.6 ? pick(IPS) : undefined;
        const nodePort = next() < 0.5 ? pick(PORTS) : undefined;
        const kind = pick(['ClusterIP', 'NodePort', 'ExternalName', 'headless'] as const);
        const dry = next() < 0.15;
        const spec: Spec =
          kind === 'ExternalName'
            ? { type: 'ExternalName', externalName: 'example.com' }
            : kind === 'headless'
              ? { clusterIP: 'None' }
              : {
                  type: kind,
                  ...(ip ? { clusterIP: ip } : {}),
                  ...(kind === 'NodePort' && nodePort ? { ports: [{ port: 80, nodePort }] } : {}),
                };
        const wantIp = kind === 'ClusterIP' || kind === 'NodePort' ? ip : undefined;
        const wantPort = kind === 'NodePort' ? nodePort : undefined;
        const ipClash = wantIp !== undefined && ipHolder(wantIp) !== undefined;
        const portClash = wantPort !== undefined && portHolder(wantPort) !== undefined;
        const before = ipClash || portClash || dry ? await snapshot() : undefined;
        const res = await post(name, spec, dry ? '?dryRun=All' : '');
        if (ipClash || portClash) {
          assertStatus(res, 422, 'Invalid');
          if (ipClash) assert.match(res.json.message, /provided IP is already allocated/);
          if (portClash) assert.match(res.json.message, /provided port is already allocated/);
        } else {
          assert.equal(res.status, 201, `step ${i}: ${res.text}`);
          if (!dry) live.set(name, pooled(res.json.spec));
        }
        if (before) assert.deepEqual(await snapshot(), before, `step ${i} changed something`);
      } else if (r < 0.75) {
        const name = pick([...live.keys()]);
        const res = await s.send({ method: 'DELETE', path: `${SVCS}/${name}` });
        assert.equal(res.status, 200, res.text);
        live.delete(name);
      } else {
        // Change the type: to NodePort asking for a pooled port, or back to ClusterIP.
        const name = pick([...live.keys()]);
        const cur = await s.send({ path: `${SVCS}/${name}` });
        assert.equal(cur.status, 200, cur.text);
        const svc = cur.json;
        if (svc.spec.type === 'ExternalName' || svc.spec.clusterIP === 'None') continue;
        if (svc.spec.type === 'NodePort') {
          svc.spec.type = 'ClusterIP';
          for (const p of svc.spec.ports) delete p.nodePort;
          const res = await s.send({
            method: 'PUT',
            path: `${SVCS}/${name}`,
            headers: JSON_CT,
            body: JSON.stringify(svc),
          });
          assert.equal(res.status, 200, res.text);
          live.set(name, pooled(res.json.spec));
        } else {
          const port = pick(PORTS);
          svc.spec.type = 'NodePort';
          svc.spec.ports = [{ port: 80, nodePort: port }];
          const holder = portHolder(port);
          const before = holder ? await snapshot() : undefined;
          const res = await s.send({
            method: 'PUT',
            path: `${SVCS}/${name}`,
            headers: JSON_CT,
            body: JSON.stringify(svc),
          });
          if (holder) {
            assertStatus(res, 422, 'Invalid');
            assert.match(res.json.message, /provided port is already allocated/);
            assert.deepEqual(await snapshot(), before);
          } else {
            assert.equal(res.status, 200, res.text);
            live.set(name, pooled(res.json.spec));
          }
        }
      }
    }
    // What is stored: no address or port twice, and the model's holdings exactly.
    const list = await s.send({ path: SVCS });
    const ips = new Map<string, string>();
    const ports = new Map<number, string>();
    for (const svc of list.json.items) {
      const name = svc.metadata.name as string;
      const ip = svc.spec.clusterIP as string | undefined;
      if (ip && ip !== 'None') {
        assert.equal(ips.get(ip), undefined, `${ip} held by ${ips.get(ip)} and ${name}`);
        ips.set(ip, name);
      }
      for (const p of svc.spec.ports ?? []) {
        if (!p.nodePort) continue;
        assert.equal(ports.get(p.nodePort), undefined, `${p.nodePort} held twice`);
        ports.set(p.nodePort, name);
      }
    }
    for (const [name, h] of live) {
      if (h.ip) assert.equal(ips.get(h.ip), name);
      if (h.port) assert.equal(ports.get(h.port), name);
    }
  });
});
