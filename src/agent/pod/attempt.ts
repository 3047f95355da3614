// One attempt of a container, once its image and command are known: the previous attempt
// removed (its log stays, its exit becomes the last state), the new one created and
// started, then its postStart hook. A start that fails leaves the attempt exited with
// RunContainerError; a postStart hook that fails stops it.

import type { IContainer, ILifecycleHandler } from 'kubernetes-models/v1';
import type { Logger } from '../../log/index.js';
import type { ContainerConfig, ContainerRuntime } from '../runtime/index.js';
import { errorMessage, isAgentError } from '../errors.js';
import type { ProbeOutcome } from '../probes.js';
import { failedStartStatus, type ContainerRecord } from './restarts.js';
import { terminatedOf } from './status.js';

export interface AttemptSteps {
  uid: string;
  runtime: ContainerRuntime;
  logger: Logger;
  now(): Date;
  /** The attempt's runtime config, its image's layers included. */
  config(id: string, attempt: number): Promise<ContainerConfig>;
  /** Throws when the pod is being killed: a step boundary. */
  checkpoint(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** The pod's grace period in seconds (also the postStart hook's time limit). */
  gracePeriod(): number;
  runHook(h: ILifecycleHandler, timeoutMs: number): Promise<ProbeOutcome>;
  startProbes(): void;
  stopProbes(): void;
}

/** Starts the container's next attempt; on failure, how long until a sync retries it. */
export async function startAttempt(
  s: AttemptSteps,
  c: IContainer,
  r: ContainerRecord,
): Promise<{ retryAfterMs?: number }> {
  // The old attempt goes (its log stays) before the next one is made.
  const attempt = r.id ? r.attempt + 1 : r.attempt;
  if (r.id) {
    if (r.status) r.lastTerminated = terminatedOf(r.status);
    await s.runtime.delete(r.id).catch(() => undefined);
  }
  s.stopProbes();
  s.checkpoint();
  const id = `${s.uid}_${r.name}_${attempt}`;
  r.waiting = { reason: 'ContainerCreating' };
  try {
    const config = await s.config(id, attempt);
    s.checkpoint();
    await s.runtime.create(config);
    // Known at once, so that a termination from here on removes it.
    r.id = id;
    r.attempt = attempt;
    r.ready = false;
    r.started = false;
    s.event('Normal', 'Created', `Created container: ${r.name}`);
    s.checkpoint();
    r.status = await s.runtime.start(id);
    s.event('Normal', 'Started', `Started container ${r.name}`);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const out = await s.runHook(postStart, s.gracePeriod() * 1000 || 30_000);
      if (!out.ok) {
        // The message stays out of the event (it may hold secrets), as in the kubelet.
        s.event('Warning', 'FailedPostStartHook', 'PostStartHook failed');
        s.logger.info('postStart hook failed', { id, message: out.message });
        await s.runtime.stop(id, s.gracePeriod()).catch(() => undefined);
        r.status = (await s.runtime.status(id)) ?? r.status;
        r.waiting = undefined;
        return {};
      }
    }
    r.waiting = undefined;
    r.started = true;
    s.checkpoint();
    s.startProbes();
    return {};
  } catch (e) {
    if (isAgentError(e, 'SyncCancelled')) throw e;
    r.id = id;
    r.attempt = attempt;
    r.status = (await s.runtime.status(id)) ?? failedStartStatus(id, s.now());
    r.waiting = { reason: 'RunContainerError', message: errorMessage(e) };
    s.logger.warn('container start failed', {
      id,
      err: r.waiting.message,
      stack: e instanceof Error ? e.stack : '',
    });
    return { retryAfterMs: 1000 };
  }
}
