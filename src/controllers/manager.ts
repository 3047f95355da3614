// The controller manager: shared informers, one recorder per component, every registered
// controller started with the same context.

import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../api/types.js';
import {
  createEventRecorder,
  createInformer,
  resourcePath,
  type Client,
  type Informer,
  type ResourceRef,
} from '../client/index.js';
import type { Logger } from '../log/index.js';
import type { Controller, ControllerContext, InformerFactory } from './types.js';

export function createInformerFactory(
  client: Client,
  signal: AbortSignal,
  logger: Logger,
): InformerFactory {
  const informers = new Map<string, Informer>();
  return {
    for<T extends KubeObject>(r: ResourceRef): Informer<T> {
      const key = resourcePath(r);
      let inf = informers.get(key);
      if (!inf) {
        inf = createInformer({
          client,
          resource: r,
          signal,
          onError: (err) => logger.debug('informer error', { resource: key, err }),
        });
        informers.set(key, inf);
      }
      return inf as unknown as Informer<T>;
    },
    async synced() {
      await Promise.all([...informers.values()].map((i) => i.synced()));
    },
  };
}

export interface ControllerManagerOptions {
  /** The manager's own client: shared informers list and watch with it. */
  client: Client;
  /**
   * Each controller's client for its reads and writes and events, as kube-controller-manager's
   * --use-service-account-credentials gives each its own identity; default `client`.
   */
  clientFor?: (controller: string) => Client;
  controllers: Controller[];
  logger: Logger;
  signal: AbortSignal;
  clock?: { now(): Date };
}

export async function startControllerManager(
  o: ControllerManagerOptions,
): Promise<ControllerContext> {
  // Every controller and informer listens for the one stop signal.
  setMaxListeners(0, o.signal);
  const clock = o.clock ?? { now: () => new Date() };
  const ctx: ControllerContext = {
    client: o.client,
    informers: createInformerFactory(o.client, o.signal, o.logger),
    recorder: (component) =>
      createEventRecorder(o.client, component, clock, o.logger.child(component)),
    clock,
    logger: o.logger,
    signal: o.signal,
  };
  for (const c of o.controllers) {
    const client = o.clientFor?.(c.name) ?? o.client;
    await c.start({
      ...ctx,
      client,
      recorder: (component) =>
        createEventRecorder(client, component, clock, o.logger.child(component)),
      logger: o.logger.child(c.name),
    });
  }
  return ctx;
}
