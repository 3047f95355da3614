// This machine as a node: the API server scrapes the node's own /metrics/resource text
// (createStatsProvider, real /proc and cgroups) and `kubectl top node` shows its usage.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createStatsProvider, hostResources, nodeResources } from '../../src/agent/stats/index.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { renderAdminKubeconfig } from '../../src/client/kubeconfig.js';
import { ensureClusterPki } from '../../src/pki/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { hasKubectl, kubectlPath, run } from '../e2e/harness.js';

const MINOR = 33;
let dir: string;
let api: ApiServer;
let kubeconfig: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-live-top-'));
  const pki = ensureClusterPki({ dir: join(dir, 'pki') });
  const stats = createStatsProvider({ nodeName: 'local', pods: () => [], housekeepingMs: 0 });
  api = await createApiServer({
    store: createMemoryStore(),
    tls: { cert: pki.apiserver.certPem, key: pki.apiserver.keyPem, ca: pki.ca.certPem },
    port: 0,
    resourceMetrics: { scrape: () => stats.resourceMetrics() },
  });
  const port = await api.listen();
  const send = async (method: string, path: string, body: unknown, type: string) => {
    const res = await api.handler({
      method,
      url: new URL(path, 'https://127.0.0.1'),
      path,
      headers: { 'content-type': type },
      body: Buffer.from(JSON.stringify(body)),
      credentials: { certificateUser: { name: 'admin', groups: ['system:masters'] } },
      signal: new AbortController().signal,
    });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${String(res.body)}`);
  };
  await send('POST', '/api/v1/nodes', { metadata: { name: 'local' } }, 'application/json');
  await send(
    'PATCH',
    '/api/v1/nodes/local/status',
    { status: nodeResources(hostResources(dir)) },
    'application/merge-patch+json',
  );
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

it('kubectl top node shows this machine', { skip: !hasKubectl(MINOR) }, async () => {
  const r = await run(
    kubectlPath(MINOR),
    ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'top', 'node', '--no-headers'],
    { timeoutMs: 30_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.trim(), /^local\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%$/);
});
