// The controller contract: each controller is a reconcile loop over shared informers,
// talking to the API only through the client.

import type { KubeObject } from '../api/types.js';
import type { Client, Informer, ResourceRef } from '../client/index.js';
import type { Logger } from '../log/index.js';
import type { EventRecorder } from '../client/index.js';

export interface InformerFactory {
  /** The shared informer of a resource (all namespaces), created on first use. */
  for<T extends KubeObject = KubeObject>(r: ResourceRef): Informer<T>;
  /** Resolves when every informer handed out so far has listed once. */
  synced(): Promise<void>;
}

export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  /** An event recorder reporting as `component` (e.g. `replicaset-controller`). */
  recorder(component: string): EventRecorder;
  clock: { now(): Date };
  logger: Logger;
  signal: AbortSignal;
}

export interface Controller {
  name: string;
  /** Registers handlers and starts workers; returns once started (not when stopped). */
  start(ctx: ControllerContext): Promise<void> | void;
}
