// An in-process API server that serves metrics.k8s.io, fed with /metrics/resource text
// written by the node's own formatter: each listed pod's single container `main` uses the
// CPU (in cores) the test sets, so PodMetrics report exactly that usage.

import { formatResourceMetrics } from '../../src/agent/stats/index.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { createClient, createInProcessTransport, type Client } from '../../src/client/index.js';
import { createMemoryStore } from '../../src/storage/index.js';

export interface MetricsTestApi {
  server: ApiServer;
  /** A client acting as a cluster admin (system:masters). */
  client: Client;
  /** CPU cores each pod (`namespace/name`) uses; every pod listed runs on every node. */
  cpu: Map<string, number>;
  close(): Promise<void>;
}

export async function startMetricsTestApi(intervalMs = 500): Promise<MetricsTestApi> {
  const t0 = Date.now();
  const cpu = new Map<string, number>();
  const sample = (): string => {
    const now = new Date();
    // Cumulative counters as if everything had run for an hour at the current rates.
    const seconds = (now.getTime() - t0) / 1000 + 3600;
    return formatResourceMetrics({
      node: {
        cpu: { usageCoreNanoSeconds: seconds * 1e9, time: now },
        memory: { workingSetBytes: 1 << 30, time: now },
      },
      pods: [...cpu].map(([key, cores]) => {
        const [namespace = '', name = ''] = key.split('/');
        return {
          name,
          namespace,
          containers: [
            {
              name: 'main',
              startTime: new Date(t0 - 3_600_000),
              cpu: { usageCoreNanoSeconds: Math.round(cores * seconds * 1e9), time: now },
              memory: { workingSetBytes: 10 << 20, time: now },
            },
          ],
        };
      }),
    });
  };
  const store = createMemoryStore();
  const server = await createApiServer({
    store,
    tls: { cert: '', key: '', ca: '' },
    resourceMetrics: { intervalMs, scrape: () => Promise.resolve(sample()) },
  });
  await server.bootstrap();
  const client = createClient(
    createInProcessTransport((req) =>
      server.handler({
        ...req,
        credentials: { certificateUser: { name: 'test-admin', groups: ['system:masters'] } },
      }),
    ),
    'test',
  );
  return {
    server,
    client,
    cpu,
    async close() {
      await server.close();
      await store.close();
    },
  };
}
