// An API server over a memory store, reached in-process through the real client: for
// controller and component tests that need a real API but no sockets.

import { generateKeyPairSync } from 'node:crypto';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import {
  createClient,
  createInProcessTransport,
  resources,
  type Client,
} from '../../src/client/index.js';

export interface TestApi {
  server: ApiServer;
  /** A client acting as a cluster admin (system:masters). */
  client: Client;
  close(): Promise<void>;
}

export interface TestApiOptions {
  /**
   * Service-account tokens: a signing key of its own (TokenRequest, token authentication)
   * and the `default` account of the `default` namespace, which a node agent's projected
   * tokens need.
   */
  serviceAccounts?: boolean;
}

export async function startTestApi(o: TestApiOptions = {}): Promise<TestApi> {
  const store = createMemoryStore();
  const signingKey = o.serviceAccounts
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : undefined;
  const server = await createApiServer({
    store,
    tls: { cert: '', key: '', ca: '' },
    ...(signingKey ? { serviceAccountTokens: { signingKey } } : {}),
  });
  await server.bootstrap();
  const transport = createInProcessTransport((req) =>
    server.handler({
      ...req,
      credentials: { certificateUser: { name: 'test-admin', groups: ['system:masters'] } },
    }),
  );
  const client = createClient(transport, 'test');
  if (o.serviceAccounts)
    await client.create(resources.serviceAccounts, 'default', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'default' },
    });
  return {
    server,
    client,
    async close() {
      await server.close();
      await store.close();
    },
  };
}
