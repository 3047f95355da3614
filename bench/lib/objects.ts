// The objects the benchmarks write, and API helpers shared by several of them.

import { expectStatus, type H2Client } from './h2.js';

/** A ConfigMap of about 300 bytes of data, like a small application setting. */
export function configMap(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'bench' } },
    data: {
      'app.properties': `name=${name}\nlevel=info\n` + 'k=v\n'.repeat(64),
    },
  });
}

/** A small Pod: one container, one label. */
export function pod(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: {
      // Not for the default scheduler: the benchmark measures the API, not scheduling.
      schedulerName: 'bench-unscheduled',
      containers: [{ name: 'app', image: 'example/app:1.0' }],
    },
  });
}

/** Creates a namespace (an existing one is fine). */
export async function ensureNamespace(client: H2Client, name: string): Promise<void> {
  const r = await client.request('/api/v1/namespaces', {
    method: 'POST',
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  });
  if (r.status !== 201 && r.status !== 409) expectStatus(r, 201, `create namespace ${name}`);
}

/** The resourceVersion of a list, to start a watch from. */
export async function listResourceVersion(client: H2Client, path: string): Promise<string> {
  const r = expectStatus(await client.request(`${path}?limit=1`), 200, `list ${path}`);
  const rv = (JSON.parse(r.body) as { metadata?: { resourceVersion?: string } }).metadata
    ?.resourceVersion;
  if (!rv) throw new Error(`list ${path} returned no resourceVersion`);
  return rv;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when check() is true, polling every few ms; rejects after timeoutMs. */
export async function waitFor(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(2);
  }
}
