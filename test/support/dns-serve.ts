// A cluster DNS server for tests, run inside a test's network namespace: the record index
// loaded from Kubernetes objects in a JSON file (no API server), the real server, forwarder
// and metrics. Prints one line of JSON with its ports once it answers; stops on SIGTERM.
//
//   node --import tsx test/support/dns-serve.ts '{"host":"127.0.0.1","port":53,
//     "objects":"objs.json","upstreams":["10.53.0.2"],"forwardTimeoutMs":500}'

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { KubeObject } from '../../src/api/types.js';
import {
  createDnsMetrics,
  createDnsServer,
  createForwarder,
  createRecordIndex,
  parseUpstream,
  projectEndpointSlice,
  projectService,
} from '../../src/net/index.js';

interface Config {
  host: string;
  port: number;
  metricsPort?: number;
  objects: string;
  upstreams?: string[];
  forwardTimeoutMs?: number;
  zone?: string;
}

const c = JSON.parse(process.argv[2] ?? '{}') as Config;
const index = createRecordIndex({ zone: c.zone ?? 'cluster.local' });
index.setSelfAddresses([c.host]);
for (const o of JSON.parse(readFileSync(c.objects, 'utf8')) as KubeObject[]) {
  if (o.kind === 'Namespace') index.setNamespace(o.metadata.name ?? '', true);
  else if (o.kind === 'Service') index.upsertService(projectService(o));
  else if (o.kind === 'EndpointSlice') index.upsertSlice(projectEndpointSlice(o));
}
index.setSynced(true);
const metrics = createDnsMetrics(`dns://${c.host}:${c.port}`, '1.11.1');
const forwarder = createForwarder({
  upstreams: (c.upstreams ?? []).map(parseUpstream),
  metrics,
  ...(c.forwardTimeoutMs !== undefined ? { timeoutMs: c.forwardTimeoutMs } : {}),
});
const server = createDnsServer({ index, forwarder, metrics, host: c.host, port: c.port });
const ports = await server.listen();
const http = createServer((_, res) => res.end(metrics.render()));
await new Promise<void>((r) => http.listen(c.metricsPort ?? 0, c.host, () => r()));
const a = http.address();
process.stdout.write(
  JSON.stringify({ ...ports, metrics: typeof a === 'object' && a ? a.port : 0 }) + '\n',
);
process.once('SIGTERM', () => {
  forwarder.close();
  http.close();
  void server.close().then(() => process.exit(0));
});
