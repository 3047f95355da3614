// `kubectl top` (1.27, 1.30, 1.33) against a real TLS API server serving metrics.k8s.io,
// fed with /metrics/resource text written by the node's own formatter: two scrapes apart,
// the first at start and the second on the first request that finds one point only.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatResourceMetrics, type ResourceSample } from '../../src/agent/stats/index.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { renderAdminKubeconfig } from '../../src/client/kubeconfig.js';
import { ensureClusterPki } from '../../src/pki/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { hasKubectl, kubectlPath, run, VERSIONS } from '../e2e/harness.js';

const MINORS = VERSIONS.filter(hasKubectl);
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The first scrape's time, and the second's ten seconds later. */
const T0 = Date.now() - 60_000;
const T1 = T0 + 10_000;

interface Usage {
  /** Cumulative CPU seconds at T0 and T1. */
  cpu: [number, number];
  memory: number;
}

type ContainerUse = Usage & { name: string };
interface PodUse {
  name: string;
  namespace: string;
  containers: ContainerUse[];
}

const NODES: Record<string, { node: Usage; pods: PodUse[] }> = {
  // 25 s of CPU in 10 s: 2500m of 4 cores; 1 GiB of 8 GiB.
  alpha: {
    node: { cpu: [1000, 1025], memory: GiB },
    pods: [
      {
        name: 'web',
        namespace: 'default',
        containers: [
          { name: 'nginx', cpu: [10, 12.5], memory: 100 * MiB }, // 250m
          { name: 'sidecar', cpu: [1, 1.5], memory: 20 * MiB }, // 50m
        ],
      },
      {
        name: 'db',
        namespace: 'default',
        containers: [{ name: 'postgres', cpu: [50, 60], memory: 512 * MiB }], // 1000m
      },
      {
        name: 'batch',
        namespace: 'jobs',
        containers: [{ name: 'worker', cpu: [5, 5.01], memory: 3 * MiB }], // 1m
      },
    ],
  },
  // 4 s in 10 s: 400m of 2 cores; 3 GiB of 4 GiB.
  beta: {
    node: { cpu: [300, 304], memory: 3 * GiB },
    pods: [],
  },
};

/** A node's sample at scrape i (0: T0, then T1). */
function sampleFor(node: string, i: number): ResourceSample {
  const n = NODES[node]!;
  const k = Math.min(i, 1);
  const time = new Date(k ? T1 : T0);
  const point = (u: Usage) => ({
    cpu: { usageCoreNanoSeconds: Math.round(u.cpu[k]! * 1e9), time },
    memory: { workingSetBytes: u.memory, time },
  });
  return {
    node: point(n.node),
    pods: n.pods.map((p) => ({
      name: p.name,
      namespace: p.namespace,
      containers: p.containers.map((c) => ({
        name: c.name,
        startTime: new Date(T0 - 3_600_000),
        ...point(c),
      })),
    })),
  };
}

let dir: string;
let api: ApiServer;
let kubeconfig: string;
const scrapes = new Map<string, number>();

async function send(method: string, path: string, body?: unknown): Promise<void> {
  const res = await api.handler({
    method,
    url: new URL(path, 'https://127.0.0.1'),
    path,
    headers:
      body === undefined
        ? {}
        : {
            'content-type':
              method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          },
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
    credentials: { certificateUser: { name: 'admin', groups: ['system:masters'] } },
    signal: new AbortController().signal,
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${String(res.body)}`);
}

async function node(name: string, cpu: string, memory: string, labels = {}): Promise<void> {
  await send('POST', '/api/v1/nodes', { metadata: { name, labels } });
  const resources = { cpu, memory, pods: '110' };
  await send('PATCH', `/api/v1/nodes/${name}/status`, {
    status: { capacity: resources, allocatable: resources },
  });
}

async function pod(
  namespace: string,
  name: string,
  labels: Record<string, string>,
  containers: string[],
) {
  await send('POST', `/api/v1/namespaces/${namespace}/pods`, {
    metadata: { name, labels },
    spec: { nodeName: 'alpha', containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-top-'));
  const pki = ensureClusterPki({ dir: join(dir, 'pki') });
  api = await createApiServer({
    store: createMemoryStore(),
    tls: { cert: pki.apiserver.certPem, key: pki.apiserver.keyPem, ca: pki.ca.certPem },
    port: 0,
    resourceMetrics: {
      intervalMs: 3_600_000,
      async scrape(name) {
        if (!NODES[name]) throw new Error(`no kubelet on ${name}`);
        const i = scrapes.get(name) ?? 0;
        scrapes.set(name, i + 1);
        return formatResourceMetrics(sampleFor(name, i));
      },
    },
  });
  // Objects first, so that the scrape at start sees every node.
  await api.bootstrap();
  for (const ns of ['jobs', 'quiet'])
    await send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  await node('alpha', '4', '8Gi', { pool: 'a' });
  await node('beta', '2', '4Gi', { pool: 'b' });
  await node('ghost', '1', '1Gi', { pool: 'b' });
  await pod('default', 'web', { app: 'web' }, ['nginx', 'sidecar']);
  await pod('default', 'db', { app: 'db' }, ['postgres']);
  await pod('jobs', 'batch', { app: 'batch' }, ['worker']);
  await pod('quiet', 'idle', {}, ['sleep']);
  const port = await api.listen();
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    renderAdminKubeconfig({
      server: `https://127.0.0.1:${port}`,
      caPem: pki.ca.certPem,
      certPem: pki.admin.certPem,
      keyPem: pki.admin.keyPem,
    }),
  );
});

after(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const kubectl = (minor: number, args: string[]) =>
  run(
    kubectlPath(minor),
    ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, `cache-${minor}`), ...args],
    {
      timeoutMs: 30_000,
    },
  );

/** Output lines with runs of spaces collapsed to one. */
const rows = (text: string): string[] =>
  text
    .trim()
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '));

describe('kubectl top', () => {
  for (const minor of MINORS) {
    // 1.33 heads the percentage columns CPU(%) and MEMORY(%).
    const pct = minor >= 33 ? ['CPU(%)', 'MEMORY(%)'] : ['CPU%', 'MEMORY%'];

    it(`1.${minor}: nodes, with usage over the two scrapes and percentages of allocatable`, async () => {
      const r = await kubectl(minor, ['top', 'nodes']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(rows(r.stdout), [
        `NAME CPU(cores) ${pct[0]} MEMORY(bytes) ${pct[1]}`,
        'alpha 2500m 62% 1024Mi 12%',
        'beta 400m 20% 3072Mi 75%',
        'ghost <unknown> <unknown> <unknown> <unknown>',
      ]);
    });

    it(`1.${minor}: nodes by label, and one node`, async () => {
      const r = await kubectl(minor, ['top', 'node', '-l', 'pool=b', '--no-headers']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(rows(r.stdout), [
        'beta 400m 20% 3072Mi 75%',
        'ghost <unknown> <unknown> <unknown> <unknown>',
      ]);
      const one = await kubectl(minor, ['top', 'node', 'alpha']);
      assert.equal(one.code, 0, one.stderr);
      assert.deepEqual(rows(one.stdout).slice(1), ['alpha 2500m 62% 1024Mi 12%']);
    });

    it(`1.${minor}: a node without metrics is NotFound`, async () => {
      const r = await kubectl(minor, ['top', 'node', 'ghost']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr.trim(),
        'Error from server (NotFound): nodemetrics.metrics.k8s.io "ghost" not found',
      );
    });

    it(`1.${minor}: pods of a namespace, sorted, with containers, across namespaces`, async () => {
      const r = await kubectl(minor, ['top', 'pods']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(rows(r.stdout), [
        'NAME CPU(cores) MEMORY(bytes)',
        'db 1000m 512Mi',
        'web 300m 120Mi',
      ]);
      const c = await kubectl(minor, ['top', 'pods', '--containers']);
      assert.equal(c.code, 0, c.stderr);
      assert.deepEqual(rows(c.stdout), [
        'POD NAME CPU(cores) MEMORY(bytes)',
        'db postgres 1000m 512Mi',
        'web nginx 250m 100Mi',
        'web sidecar 50m 20Mi',
      ]);
      const all = await kubectl(minor, ['top', 'pods', '-A']);
      assert.equal(all.code, 0, all.stderr);
      assert.deepEqual(rows(all.stdout), [
        'NAMESPACE NAME CPU(cores) MEMORY(bytes)',
        'default db 1000m 512Mi',
        'default web 300m 120Mi',
        'jobs batch 1m 3Mi',
      ]);
    });

    it(`1.${minor}: pods by label, by name, and sorted by CPU`, async () => {
      const l = await kubectl(minor, ['top', 'pod', '-l', 'app=web', '--no-headers']);
      assert.equal(l.code, 0, l.stderr);
      assert.deepEqual(rows(l.stdout), ['web 300m 120Mi']);
      const n = await kubectl(minor, ['top', 'pod', 'batch', '-n', 'jobs', '--no-headers']);
      assert.equal(n.code, 0, n.stderr);
      assert.deepEqual(rows(n.stdout), ['batch 1m 3Mi']);
      const s = await kubectl(minor, ['top', 'pod', '-A', '--sort-by=memory', '--no-headers']);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual(rows(s.stdout), [
        'default db 1000m 512Mi',
        'default web 300m 120Mi',
        'jobs batch 1m 3Mi',
      ]);
    });

    it(`1.${minor}: kubectl get prints metrics-server's table`, async () => {
      const n = await kubectl(minor, ['get', 'nodes.metrics.k8s.io']);
      assert.equal(n.code, 0, n.stderr);
      assert.deepEqual(rows(n.stdout), [
        'NAME CPU MEMORY WINDOW',
        'alpha 2500m 1Gi 10s',
        'beta 400m 3Gi 10s',
      ]);
      const p = await kubectl(minor, ['get', 'podmetrics', '-n', 'default']);
      assert.equal(p.code, 0, p.stderr);
      assert.deepEqual(rows(p.stdout), [
        'NAME CPU MEMORY WINDOW',
        'db 1 512Mi 10s',
        'web 300m 120Mi 10s',
      ]);
    });

    it(`1.${minor}: pods without metrics yet`, async () => {
      const r = await kubectl(minor, ['top', 'pod', '-n', 'quiet']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'error: metrics not available yet');
      const one = await kubectl(minor, ['top', 'pod', 'idle', '-n', 'quiet']);
      assert.equal(one.code, 1);
      assert.equal(
        one.stderr.trim(),
        'Error from server (NotFound): podmetrics.metrics.k8s.io "quiet/idle" not found',
      );
      const none = await kubectl(minor, ['top', 'pod', '-l', 'app=none']);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stderr.trim(), 'No resources found in default namespace.');
    });
  }
});
