// Server-side dry runs (`dryRun=All`) against a real server: every write verb and every
// subresource the API server serves answers as the real write would (code and object), yet
// nothing is stored, no watcher sees an event and nothing is allocated or released. Values
// other than `All` are refused as kube-apiserver refuses them (422, the options' kind named).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';
import { until } from '../e2e/harness.js';

const NS = 'dryrun';
const JSON_CT = { 'content-type': 'application/json' };
const MERGE = { 'content-type': 'application/merge-patch+json' };
const STRATEGIC = { 'content-type': 'application/strategic-merge-patch+json' };
const JSON_PATCH = { 'content-type': 'application/json-patch+json' };
const APPLY = { 'content-type': 'application/apply-patch+yaml' };

const core = `/api/v1/namespaces/${NS}`;
const apps = `/apis/apps/v1/namespaces/${NS}`;

/** Every list a dry run could change, for the "nothing stored" snapshot. */
const LISTS = [
  `${core}/configmaps`,
  `${core}/services`,
  `${core}/pods`,
  `${core}/replicationcontrollers`,
  `${apps}/deployments`,
  `${apps}/replicasets`,
  '/api/v1/namespaces',
];

/** Watches opened before the dry runs; each must see only the sentinel write made after them. */
const WATCHED = [`${core}/configmaps`, `${core}/pods`, `${apps}/deployments`, '/api/v1/namespaces'];

let s: AbuseServer;

const send = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = JSON_CT,
): Promise<RawResponse> =>
  s.send({
    method,
    path,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

async function ok(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const r = await send(method, path, body, headers);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

const listRv = async (): Promise<string> =>
  (await ok('GET', `${core}/configmaps`)).metadata.resourceVersion as string;

interface Watch {
  events: { type: string; object: { metadata: { name: string; labels?: object } } }[];
  close(): void;
}

/** A watch read event by event (the support client reads whole bodies only). */
function openWatch(path: string, resourceVersion: string): Watch {
  const w: Watch = { events: [], close: () => undefined };
  let buf = '';
  const req = httpsRequest({
    host: '127.0.0.1',
    port: s.cluster.port,
    path: `${path}?watch=1&resourceVersion=${resourceVersion}`,
    headers: { authorization: `Bearer ${s.cluster.adminToken}` },
    rejectUnauthorized: false,
    agent: false,
  });
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) w.events.push(JSON.parse(line) as Watch['events'][number]);
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  w.close = () => req.destroy();
  return w;
}

const DRY = 'dryRun=All';

/** Runs a dry run and checks that no object and no revision changed. */
async function unchanged(fn: () => Promise<void>): Promise<void> {
  const before = await s.snapshot(LISTS);
  const rv = await listRv();
  await fn();
  assert.deepEqual(await s.snapshot(LISTS), before, 'a stored object changed');
  assert.equal(await listRv(), rv, 'the store revision moved');
}

const configMap = (name: string, data: Record<string, string> = { a: '1' }) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

const workload = (kind: string, name: string) => {
  const labels = { app: name };
  const template = {
    metadata: { labels },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
  };
  if (kind === 'ReplicationController')
    return {
      apiVersion: 'v1',
      kind,
      metadata: { name },
      spec: { replicas: 0, selector: labels, template },
    };
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: labels }, template },
  };
};

const watches: Watch[] = [];

before(async () => {
  s = startAbuseServer();
  await ok('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  await ok('POST', '/api/v1/namespaces', { metadata: { name: 'dryrun-doomed' } });
  await ok('POST', `${core}/configmaps`, configMap('cm'));
  await ok('POST', `${core}/configmaps`, configMap('other'));
  await ok('POST', `${core}/configmaps`, {
    ...configMap('kept'),
    metadata: { name: 'kept', finalizers: ['example.com/keep'] },
  });
  await ok('POST', `${core}/services`, {
    metadata: { name: 'svc' },
    spec: { type: 'NodePort', ports: [{ port: 80 }] },
  });
  await ok('POST', `${core}/pods`, {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] },
  });
  await ok('POST', `${apps}/deployments`, workload('Deployment', 'web'));
  await ok('POST', `${apps}/replicasets`, workload('ReplicaSet', 'rs'));
  await ok('POST', `${core}/replicationcontrollers`, workload('ReplicationController', 'rc'));
  // The controllers settle (status written, the deployment's empty ReplicaSet made): the
  // revision stays put between two reads a second apart.
  let last = '';
  await until('controllers to settle', async () => {
    const rv = await listRv();
    if (rv === last) return true;
    last = rv;
    await new Promise((r) => setTimeout(r, 1000));
    return (await listRv()) === rv ? true : undefined;
  });
  const rv = await listRv();
  for (const path of WATCHED) watches.push(openWatch(path, rv));
});

after(() => {
  for (const w of watches) w.close();
  s?.stop();
});

describe('dryRun=All on the main resource', () => {
  test('create: 201 with the object as it would be stored (uid, defaults), nothing stored', async () => {
    await unchanged(async () => {
      const r = await send('POST', `${core}/configmaps?${DRY}`, configMap('new'));
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.metadata.name, 'new');
      assert.match(r.json.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.ok(r.json.metadata.creationTimestamp);
      assert.ok(!r.json.metadata.resourceVersion, 'a dry-run create has no resourceVersion');
      const p = await send('POST', `${core}/pods?${DRY}`, {
        metadata: { name: 'newpod' },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      });
      assert.equal(p.status, 201, p.text);
      assert.equal(p.json.spec.schedulerName, 'default-scheduler');
      assert.equal(p.json.spec.preemptionPolicy, 'PreemptLowerPriority');
      assert.equal(p.json.status.phase, 'Pending');
    });
    assertStatus(await send('GET', `${core}/configmaps/new`), 404, 'NotFound');
    assertStatus(await send('GET', `${core}/pods/newpod`), 404, 'NotFound');
  });

  test('create of an existing name is refused as a real create (409)', async () => {
    await unchanged(async () => {
      assertStatus(
        await send('POST', `${core}/configmaps?${DRY}`, configMap('cm')),
        409,
        'AlreadyExists',
      );
    });
  });

  test('a service allocates nothing: its IP and node port stay free', async () => {
    let nodePort = 0;
    let clusterIP = '';
    await unchanged(async () => {
      const r = await send('POST', `${core}/services?${DRY}`, {
        metadata: { name: 'drysvc' },
        spec: { type: 'NodePort', ports: [{ port: 80 }] },
      });
      assert.equal(r.status, 201, r.text);
      nodePort = r.json.spec.ports[0].nodePort as number;
      clusterIP = r.json.spec.clusterIP as string;
      assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
      assert.match(clusterIP, /^10\.9[6-9]|^10\.1[01]\d/);
    });
    // What the dry run showed was never reserved: another service may ask for it.
    await unchanged(async () => {
      const again = await send('POST', `${core}/services?${DRY}`, {
        metadata: { name: 'taker' },
        spec: { type: 'NodePort', clusterIP, ports: [{ port: 80, nodePort }] },
      });
      assert.equal(again.status, 201, again.text);
      assert.equal(again.json.spec.clusterIP, clusterIP);
    });
  });

  test('update (PUT): 200 with the change, the stored object as it was', async () => {
    const live = await ok('GET', `${core}/configmaps/cm`);
    await unchanged(async () => {
      const r = await send('PUT', `${core}/configmaps/cm?${DRY}`, { ...live, data: { a: '2' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.data.a, '2');
      assert.equal(r.json.metadata.resourceVersion, live.metadata.resourceVersion);
    });
    assert.equal((await ok('GET', `${core}/configmaps/cm`)).data.a, '1');
  });

  for (const [type, headers, body] of [
    ['merge', MERGE, { data: { a: '3' } }],
    ['strategic', STRATEGIC, { data: { a: '3' } }],
    ['json', JSON_PATCH, [{ op: 'replace', path: '/data/a', value: '3' }]],
    [
      'apply',
      APPLY,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm' },
        data: { a: '3' },
      }),
    ],
  ] as const) {
    test(`patch (${type}): 200 with the change, nothing stored`, async () => {
      const q = type === 'apply' ? `${DRY}&fieldManager=dry&force=true` : DRY;
      await unchanged(async () => {
        const r = await send('PATCH', `${core}/configmaps/cm?${q}`, body, headers);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.data.a, '3');
      });
      assert.equal((await ok('GET', `${core}/configmaps/cm`)).data.a, '1');
    });
  }

  test('apply that would create: 201, nothing stored', async () => {
    await unchanged(async () => {
      const r = await send(
        'PATCH',
        `${core}/configmaps/applied?${DRY}&fieldManager=dry`,
        JSON.stringify(configMap('applied')),
        APPLY,
      );
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.metadata.managedFields[0].manager, 'dry');
    });
    assertStatus(await send('GET', `${core}/configmaps/applied`), 404, 'NotFound');
  });

  test('delete: the answer of a real delete (Status, or the object), nothing removed', async () => {
    await unchanged(async () => {
      const r = await send('DELETE', `${core}/configmaps/cm?${DRY}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.kind, 'Status');
      assert.equal(r.json.status, 'Success');
      // Pods and services answer with the object.
      const p = await send('DELETE', `${core}/pods/p`, { kind: 'DeleteOptions', dryRun: ['All'] });
      assert.equal(p.status, 200, p.text);
      assert.equal(p.json.kind, 'Pod');
      const svc = await send('DELETE', `${core}/services/svc?${DRY}`);
      assert.equal(svc.status, 200, svc.text);
      assert.equal(svc.json.kind, 'Service');
    });
    // The service's node port is still held: nothing was released.
    const svc = await ok('GET', `${core}/services/svc`);
    const taken = svc.spec.ports[0].nodePort as number;
    const clash = await send('POST', `${core}/services?${DRY}`, {
      metadata: { name: 'clash' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: taken }] },
    });
    assertStatus(clash, 422, 'Invalid');
    assert.match(clash.json.message, /provided port is already allocated/);
  });

  test('delete of an object with finalizers: 200 with deletionTimestamp set, stored untouched', async () => {
    await unchanged(async () => {
      const r = await send('DELETE', `${core}/configmaps/kept?${DRY}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.metadata.deletionTimestamp, r.text);
    });
    assert.equal(
      (await ok('GET', `${core}/configmaps/kept`)).metadata.deletionTimestamp,
      undefined,
    );
  });

  test('deletecollection: 200 with what would go, nothing removed', async () => {
    await unchanged(async () => {
      const r = await send('DELETE', `${core}/configmaps?${DRY}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.kind, 'ConfigMapList');
      assert.ok(r.json.items.length >= 3);
    });
  });

  test('a namespace: delete answers Terminating, finalize answers the change; both store nothing', async () => {
    const nsPath = '/api/v1/namespaces/dryrun-doomed';
    await unchanged(async () => {
      const r = await send('DELETE', `${nsPath}?${DRY}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status.phase, 'Terminating');
      assert.ok(r.json.metadata.deletionTimestamp);
      const live = await ok('GET', nsPath);
      const f = await send('PUT', `${nsPath}/finalize?${DRY}`, {
        ...live,
        spec: { finalizers: [] },
      });
      assert.equal(f.status, 200, f.text);
      assert.deepEqual(f.json.spec.finalizers ?? [], []);
    });
    const ns = await ok('GET', nsPath);
    assert.equal(ns.status.phase, 'Active');
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
  });
});

describe('dryRun=All on subresources', () => {
  test('status: PUT and PATCH answer the new status, the stored one stays', async () => {
    const live = await ok('GET', `${core}/pods/p`);
    await unchanged(async () => {
      const put = await send('PUT', `${core}/pods/p/status?${DRY}`, {
        ...live,
        status: { ...live.status, message: 'dry' },
      });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.json.status.message, 'dry');
      const patch = await send(
        'PATCH',
        `${core}/pods/p/status?${DRY}`,
        { status: { message: 'dry' } },
        MERGE,
      );
      assert.equal(patch.status, 200, patch.text);
      assert.equal(patch.json.status.message, 'dry');
    });
    assert.equal((await ok('GET', `${core}/pods/p`)).status.message, undefined);
  });

  for (const [kind, base, name] of [
    ['deployments', apps, 'web'],
    ['replicasets', apps, 'rs'],
    ['replicationcontrollers', core, 'rc'],
  ] as const) {
    test(`scale of ${kind}: GET, PUT and PATCH answer replicas 3, the stored spec keeps 0`, async () => {
      const path = `${base}/${kind}/${name}/scale`;
      await unchanged(async () => {
        const got = await send('GET', `${path}?${DRY}`);
        assert.equal(got.status, 200, got.text);
        assert.equal(got.json.spec.replicas, 0);
        const put = await send('PUT', `${path}?${DRY}`, { ...got.json, spec: { replicas: 3 } });
        assert.equal(put.status, 200, put.text);
        assert.equal(put.json.kind, 'Scale');
        assert.equal(put.json.spec.replicas, 3);
        assert.equal(put.json.metadata.resourceVersion, got.json.metadata.resourceVersion);
        for (const headers of [MERGE, STRATEGIC]) {
          const patch = await send('PATCH', `${path}?${DRY}`, { spec: { replicas: 3 } }, headers);
          assert.equal(patch.status, 200, patch.text);
          assert.equal(patch.json.spec.replicas, 3);
        }
        const json = await send(
          'PATCH',
          `${path}?${DRY}`,
          [{ op: 'replace', path: '/spec/replicas', value: 3 }],
          JSON_PATCH,
        );
        assert.equal(json.status, 200, json.text);
        assert.equal(json.json.spec.replicas, 3);
      });
      assert.equal((await ok('GET', `${base}/${kind}/${name}`)).spec.replicas, 0);
    });
  }

  test('binding: 201 Success, the pod stays unscheduled', async () => {
    await unchanged(async () => {
      const r = await send('POST', `${core}/pods/p/binding?${DRY}`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'p' },
        target: { apiVersion: 'v1', kind: 'Node', name: 'somewhere' },
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.status, 'Success');
    });
    assert.equal((await ok('GET', `${core}/pods/p`)).spec.nodeName, undefined);
  });
});

describe('dryRun values other than All', () => {
  const refused = (res: RawResponse, options: string, values: string[]): void => {
    assertStatus(res, 422, 'Invalid');
    const shown = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
    assert.equal(
      res.json.message,
      `${options}.meta.k8s.io "" is invalid: dryRun: Unsupported value: ${shown}: supported values: "All"`,
    );
  };

  test('each verb names its options kind', async () => {
    await unchanged(async () => {
      refused(
        await send('POST', `${core}/configmaps?dryRun=foo`, configMap('x')),
        'CreateOptions',
        ['foo'],
      );
      const live = await ok('GET', `${core}/configmaps/cm`);
      refused(await send('PUT', `${core}/configmaps/cm?dryRun=all`, live), 'UpdateOptions', [
        'all',
      ]);
      refused(
        await send('PATCH', `${core}/configmaps/cm?dryRun=`, { data: { a: '9' } }, MERGE),
        'PatchOptions',
        [''],
      );
      refused(await send('DELETE', `${core}/configmaps/cm?dryRun=All&dryRun=x`), 'DeleteOptions', [
        'All',
        'x',
      ]);
      refused(await send('DELETE', `${core}/configmaps?dryRun=x`), 'DeleteOptions', ['x']);
      refused(
        await send('DELETE', `${core}/configmaps/cm`, { kind: 'DeleteOptions', dryRun: ['Some'] }),
        'DeleteOptions',
        ['Some'],
      );
      refused(
        await send('PUT', `${apps}/deployments/web/scale?dryRun=yes`, {
          kind: 'Scale',
          apiVersion: 'autoscaling/v1',
          metadata: { name: 'web' },
          spec: { replicas: 2 },
        }),
        'UpdateOptions',
        ['yes'],
      );
    });
  });

  test('generated: a seeded mix of verbs, targets and values changes nothing', async () => {
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const VALUES = [['All'], ['All', 'All'], ['foo'], [''], ['ALL'], ['All', 'none']];
    const scalePaths = [
      `${apps}/deployments/web/scale`,
      `${apps}/replicasets/rs/scale`,
      `${core}/replicationcontrollers/rc/scale`,
    ];
    const requests: (() => {
      method: string;
      path: string;
      body?: unknown;
      headers?: Record<string, string>;
      options: string;
      success: number;
    })[] = [
      () => ({
        method: 'POST',
        path: `${core}/configmaps`,
        body: configMap(`gen${rand(1000)}`),
        options: 'CreateOptions',
        success: 201,
      }),
      () => ({
        method: 'PATCH',
        path: `${core}/configmaps/cm`,
        body: { data: { a: String(rand(100)) } },
        headers: MERGE,
        options: 'PatchOptions',
        success: 200,
      }),
      () => ({
        method: 'DELETE',
        path: `${core}/configmaps/other`,
        options: 'DeleteOptions',
        success: 200,
      }),
      () => ({
        method: 'DELETE',
        path: `${core}/configmaps`,
        options: 'DeleteOptions',
        success: 200,
      }),
      () => ({
        method: 'PATCH',
        path: scalePaths[rand(3)] ?? '',
        body: { spec: { replicas: 1 + rand(9) } },
        headers: MERGE,
        options: 'PatchOptions',
        success: 200,
      }),
      () => ({
        method: 'PATCH',
        path: `${core}/pods/p/status`,
        body: { status: { message: `m${rand(9)}` } },
        headers: MERGE,
        options: 'PatchOptions',
        success: 200,
      }),
      () => ({
        method: 'POST',
        path: `${core}/pods/p/binding`,
        body: { metadata: { name: 'p' }, target: { kind: 'Node', name: `n${rand(9)}` } },
        options: 'CreateOptions',
        success: 201,
      }),
      () => ({
        method: 'DELETE',
        path: '/api/v1/namespaces/dryrun-doomed',
        options: 'DeleteOptions',
        success: 200,
      }),
    ];
    await unchanged(async () => {
      for (let i = 0; i < 200; i++) {
        const req = requests[rand(requests.length)]!();
        const values = VALUES[rand(VALUES.length)]!;
        const q = values.map((v) => `dryRun=${encodeURIComponent(v)}`).join('&');
        const res = await send(req.method, `${req.path}?${q}`, req.body, req.headers ?? JSON_CT);
        const what = `#${i} ${req.method} ${req.path}?${q}`;
        if (values.every((v) => v === 'All'))
          assert.equal(res.status, req.success, `${what}: ${res.text.slice(0, 300)}`);
        else refused(res, req.options, values);
      }
    });
  });
});

// Last (tests of a file run in order): the watches opened before any dry run.
test('no watch saw an event from the dry runs: the first is the sentinel write after them', async () => {
  // A real write to each watched resource: its event must be the first each watch sees.
  await ok('PATCH', `${core}/configmaps/cm`, { metadata: { labels: { sentinel: 'x' } } }, MERGE);
  await ok('PATCH', `${core}/pods/p`, { metadata: { labels: { sentinel: 'x' } } }, MERGE);
  await ok('PATCH', `${apps}/deployments/web`, { metadata: { labels: { sentinel: 'x' } } }, MERGE);
  await ok('PATCH', `/api/v1/namespaces/${NS}`, { metadata: { labels: { sentinel: 'x' } } }, MERGE);
  for (const [i, w] of watches.entries()) {
    await until(`the sentinel event on ${WATCHED[i]}`, async () =>
      w.events.length > 0 ? true : undefined,
    );
    const first = w.events[0];
    assert.ok(
      first?.object.metadata.labels && 'sentinel' in first.object.metadata.labels,
      `${WATCHED[i]}: a watch saw ${first?.type} ${first?.object.metadata.name} before the sentinel write`,
    );
  }
});
