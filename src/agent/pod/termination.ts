// Killing a pod, as the kubelet does, once its worker has cancelled the sync in progress:
// every container stopped (preStop hook, SIGTERM, the grace period, SIGKILL) and removed;
// the pod's sandbox, volumes and directory removed; then, when the API asked for it, the
// final status and the object deleted. What fails is retried with back-off.
//
// The retries wait here rather than through the work queue's "requeue after": a termination
// outlives the pod's place in the agent's queue (the agent forgets a worker once its object
// is deleted, and the queue skips a UID without a worker), and the agent awaits the whole
// termination when a pod goes or the node stops.

import type { IContainer } from 'kubernetes-models/v1';
import type { Logger } from '../../log/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import { errorMessage } from '../errors.js';
import { retrying } from './cleanup.js';
import { runHook, type HandlerTarget } from './handlers.js';
import type { ContainerRecord } from './restarts.js';

/** What a termination needs of the pod's worker. */
export interface PodTermination {
  uid: string;
  runtime: ContainerRuntime;
  logger: Logger;
  now(): number;
  containers(): ContainerRecord[];
  /** A container of the pod's spec by name (its name alone if the spec no longer has it). */
  containerSpec(name: string): IContainer;
  target(c: IContainer, r: ContainerRecord): HandlerTarget;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Sandbox, volumes and directory (`cleanUpPod`); safe to repeat. */
  cleanUp(): Promise<void>;
  /** Read once the containers are gone: a request to delete may come during the stop. */
  deleteObject(): boolean;
  /** The pod's last status (its containers gone), written if it changed. */
  reportFinal(): Promise<void>;
  /** Removes the pod object for good. */
  finalize(): Promise<void>;
}

/**
 * Stops and removes the pod's containers within `graceSeconds`, then cleans up the rest and
 * deletes the object when asked. The object goes once no container runs, even if the
 * sandbox resists clean-up (retried after), so a deletion is not held up by a busy
 * directory. Resolves once all is done; rejects only if the object cannot be deleted.
 */
export async function killPod(t: PodTermination, graceSeconds: number): Promise<void> {
  const deadline = t.now() + graceSeconds * 1000;
  await retry(t, 'container removal', () => removeContainers(t, deadline), Infinity);
  const first = await t.cleanUp().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (t.deleteObject()) {
    // As the kubelet: the pod's final status, then the object deleted (grace period 0).
    await t
      .reportFinal()
      .catch((e: unknown) =>
        t.logger.warn('final pod status not written', { uid: t.uid, err: String(e) }),
      );
    await retry(t, 'pod deletion', () => t.finalize());
  }
  if (first !== undefined) {
    reportCleanupFailure(t, first, 1);
    await retry(t, 'clean-up', () => t.cleanUp(), Infinity, 2);
  }
}

/** Stops (within the grace period) and removes every container of the pod. */
async function removeContainers(t: PodTermination, deadline: number): Promise<void> {
  const errors: unknown[] = [];
  await Promise.all(
    t.containers().map(async (r) => {
      if (!r.id) return;
      try {
        const st = await t.runtime.status(r.id);
        if (!st) return; // never made (a create that failed cleans up after itself)
        if (st.state === 'running') {
          t.event('Normal', 'Killing', `Stopping container ${r.name}`);
          const c = t.containerSpec(r.name);
          const preStop = c.lifecycle?.preStop;
          if (preStop && deadline > t.now()) {
            // The hook gets the grace period; whatever it does, SIGTERM follows.
            const left = Math.max(0, deadline - t.now());
            const out = await runHook(t.target(c, r), preStop, left);
            if (!out.ok)
              t.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${out.message}`);
          }
          const left = Math.max(0, Math.ceil((deadline - t.now()) / 1000));
          r.status = await t.runtime.stop(r.id, left);
        } else r.status = st;
        await t.runtime.delete(r.id);
      } catch (e) {
        if (!(e instanceof Error && e.name === 'ContainerNotFoundError')) errors.push(e);
      }
    }),
  );
  if (errors.length) throw errors[0];
}

function reportCleanupFailure(t: PodTermination, e: unknown, attempt: number): void {
  const err = errorMessage(e);
  t.logger.warn('pod clean-up failed; retrying', { uid: t.uid, attempt, err });
  if (attempt === 1) t.event('Warning', 'FailedKillPod', `error cleaning up pod ${t.uid}: ${err}`);
}

function retry(
  t: PodTermination,
  what: string,
  fn: () => Promise<unknown>,
  tries = 5,
  firstAttempt = 1,
): Promise<void> {
  return retrying({
    what,
    fn,
    tries,
    firstAttempt,
    logger: t.logger,
    uid: t.uid,
    ...(what === 'clean-up'
      ? { onFailure: (e: unknown, n: number) => reportCleanupFailure(t, e, n) }
      : {}),
  });
}
