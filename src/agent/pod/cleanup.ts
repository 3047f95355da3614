// What is left of a pod once its containers are gone, removed; and the retries with
// back-off a termination uses for each of its steps.

import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log/index.js';
import type { CommandRunner } from '../runner/index.js';
import type { PodNetwork } from '../sandbox/index.js';
import { tearDownPodIpc } from '../sandbox/ipc.js';
import { tearDownVolumes } from '../volumes/index.js';
import { unmountUnder } from '../mounts.js';
import { errorMessage } from '../errors.js';

/** Back-off between attempts: 1 s doubling to 10 s. */
const RETRY_MS = { initial: 1000, max: 10_000 };

/**
 * Volumes, the IPC namespace and /dev/shm, the network, any other mount under the pod's
 * directory, then the directory. Every step runs even when one fails; the first failure
 * is thrown. Safe to repeat.
 */
export async function cleanUpPod(p: {
  podDir: string;
  uid: string;
  hostNetwork: boolean;
  network: Pick<PodNetwork, 'teardownPod'>;
  runner: CommandRunner;
}): Promise<void> {
  const errors: unknown[] = [];
  const step = async (f: () => unknown): Promise<void> => {
    try {
      await f();
    } catch (e) {
      errors.push(e);
    }
  };
  await step(() => tearDownVolumes(p.podDir));
  await step(() => tearDownPodIpc(p.podDir, p.runner));
  if (!p.hostNetwork) await step(() => p.network.teardownPod(p.uid));
  // Anything left mounted (a mount made twice by a race, a volume) would make the
  // removal fail with EBUSY, or recurse into what it mounts.
  await step(() => unmountUnder(p.podDir, p.runner));
  await step(() => rmSync(p.podDir, { recursive: true, force: true }));
  if (errors.length) throw errors[0];
}

/** Runs fn until it succeeds (or `tries` attempts failed), with back-off between tries. */
export async function retrying(o: {
  what: string;
  fn: () => Promise<unknown>;
  logger: Logger;
  uid: string;
  tries?: number;
  firstAttempt?: number;
  /** Reports a failure (a warning with the attempt otherwise). */
  onFailure?: (e: unknown, attempt: number) => void;
}): Promise<void> {
  const tries = o.tries ?? 5;
  const firstAttempt = o.firstAttempt ?? 1;
  for (let attempt = firstAttempt; ; attempt++) {
    if (attempt > 1) {
      const delay = RETRY_MS.initial * 2 ** Math.min(attempt - 2, 10);
      await sleep(Math.min(delay, RETRY_MS.max), undefined, { ref: false });
    }
    try {
      await o.fn();
      if (attempt > 1) o.logger.info(`pod ${o.what} succeeded`, { uid: o.uid, attempt });
      return;
    } catch (e) {
      if (o.onFailure) o.onFailure(e, attempt);
      else
        o.logger.warn(`pod ${o.what} failed; retrying`, {
          uid: o.uid,
          attempt,
          err: errorMessage(e),
        });
      if (attempt - firstAttempt + 1 >= tries) throw e;
    }
  }
}
