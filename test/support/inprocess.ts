// An API server over a memory store, reached in-process through the real client: for
// controller and component tests that need a real API but no sockets.

import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { createClient, createInProcessTransport, type Client } from '../../src/client/index.js';

export interface TestApi {
  server: ApiServer;
  /** A client acting as a cluster admin (system:masters). */
  client: Client;
  close(): Promise<void>;
}

export async function startTestApi(): Promise<TestApi> {
  const store = createMemoryStore();
  const server = await createApiServer({ store, tls: { cert: '', key: '', ca: '' } });
  await server.bootstrap();
  const transport = createInProcessTransport((req) =>
    server.handler({
      ...req,
      credentials: { certificateUser: { name: 'test-admin', groups: ['system:masters'] } },
    }),
  );
  const client = createClient(transport, 'test');
  return {
    server,
    client,
    async close() {
      await server.close();
      await store.close();
    },
  };
}
