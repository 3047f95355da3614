// The record index's own memory for N services, measured in a process of its own with
// --expose-gc: heap used after a collection, before and after N ClusterIP services with an
// EndpointSlice of three ready endpoints each are put in. Prints the bytes as JSON.
//
//   node --expose-gc dist/bench/lib/dns-memory.js 10000

import { createRecordIndex, projectEndpointSlice, projectService } from '../../src/net/index.js';

const n = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const index = createRecordIndex({ zone: 'cluster.local' });
index.setNamespace('bench', true);
gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < n; i++) {
  const ip = (base: number): string => `10.${base + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
  index.upsertService(
    projectService({
      metadata: { name: `svc-${i}`, namespace: 'bench' },
      spec: { clusterIP: ip(96), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    }),
  );
  index.upsertSlice(
    projectEndpointSlice({
      metadata: {
        name: `svc-${i}-abcde`,
        namespace: 'bench',
        labels: { 'kubernetes.io/service-name': `svc-${i}` },
      },
      endpoints: [0, 1, 2].map((k) => ({
        addresses: [ip(200 + k * 2)],
        conditions: { ready: true },
      })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }),
  );
}
gc();
const after = process.memoryUsage().heapUsed;
// The index is used after the measurement, so that it is still alive when measured.
const { services } = index.counts();
process.stdout.write(JSON.stringify({ services, bytes: after - before }) + '\n');
