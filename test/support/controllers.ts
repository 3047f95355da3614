// Runs controllers against an in-process API for integration tests.

import { startTestApi, type TestApi } from './inprocess.js';
import { createLogger } from '../../src/log/index.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import type { Controller } from '../../src/controllers/types.js';

export interface ControllerTestEnv extends TestApi {
  stop(): Promise<void>;
}

export async function startControllers(
  controllers: Controller[],
  clock?: { now(): Date },
): Promise<ControllerTestEnv> {
  const api = await startTestApi();
  const ac = new AbortController();
  await startControllerManager({
    client: api.client,
    controllers,
    logger: createLogger({ level: process.env['TEST_LOG'] === 'debug' ? 'debug' : 'error' }),
    signal: ac.signal,
    ...(clock ? { clock } : {}),
  });
  return {
    ...api,
    async stop() {
      ac.abort();
      await api.close();
    },
  };
}

export { eventually } from './eventually.js';
