// Runs controllers against an in-process API for integration tests.

import { startTestApi, type TestApi } from '../../test/support/inprocess.js';
import { createLogger } from '../log/index.js';
import { startControllerManager } from './manager.js';
import type { Controller } from './types.js';

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

/** Polls `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
