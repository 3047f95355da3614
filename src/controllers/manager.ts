// The controller manager: shared informers, one recorder per component, every registered
// controller started with the same context.

import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../api/types.js';
import {
  createEventRecorder,
  createInformer,
  isAlreadyExists,
  isNotFound,
  resourcePath,
  resources,
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
  /**
   * The kube-system service account a controller runs as, if any: the manager creates it
   * (with its own client) before starting the controller, as kube's service-account client
   * builder does, so `kubectl get sa -n kube-system` lists the controllers'.
   */
  accountFor?: (controller: string) => string | undefined;
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
    const account = o.accountFor?.(c.name);
    if (account) await ensureControllerAccount(o.client, account, o.logger);
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

export const CONTROLLER_ACCOUNTS_NAMESPACE = 'kube-system';

/**
 * Gets or creates a controller's service account in kube-system (kube's
 * getOrCreateServiceAccount): the namespace is created first when it is missing, tolerating
 * a refusal (the manager may not create namespaces); failures are logged, not fatal, as the
 * controller's requests then say what is wrong.
 */
async function ensureControllerAccount(client: Client, name: string, log: Logger): Promise<void> {
  const ns = CONTROLLER_ACCOUNTS_NAMESPACE;
  try {
    await client.get(resources.serviceAccounts, ns, name);
    return;
  } catch (e) {
    if (!isNotFound(e)) {
      log.warn('controller service account not read', { account: name, err: e });
      return;
    }
  }
  try {
    await client.get(resources.namespaces, '', ns);
  } catch (e) {
    if (isNotFound(e))
      await client
        .create(resources.namespaces, '', {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns },
        })
        .catch((err: unknown) => {
          if (!isAlreadyExists(err)) log.warn('namespace not created', { namespace: ns, err });
        });
  }
  await client
    .create(resources.serviceAccounts, ns, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: ns },
    })
    .catch((err: unknown) => {
      if (!isAlreadyExists(err))
        log.warn('controller service account not created', { account: name, err });
    });
}
