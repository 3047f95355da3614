// Events as client-go's recorder writes them: one Event per object/reason/message,
// counted up on repeats (PATCH of count and lastTimestamp) rather than written again.

import type { KubeObject } from '../api/types.js';
import { isNotFound, type Client } from './rest.js';
import * as resources from './resources.js';
import type { Logger } from '../log/index.js';
import { formatTime } from '../api/time.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
}

export function createEventRecorder(
  client: Client,
  component: string,
  clock: { now(): Date },
  logger: Logger,
  host?: string,
): EventRecorder {
  const seen = new Map<string, Seen>();
  // Events are written one at a time, in order, off the caller's path.
  let chain: Promise<void> = Promise.resolve();
  return {
    event(obj, type, reason, message) {
      const ns = obj.metadata.namespace || 'default';
      const key = [obj.kind, ns, obj.metadata.name, obj.metadata.uid, type, reason, message].join(
        '\0',
      );
      chain = chain.then(async () => {
        const now = formatTime(clock.now());
        const prev = seen.get(key);
        try {
          if (prev) {
            prev.count++;
            await client.patch(resources.events, prev.namespace, prev.name, 'merge', {
              count: prev.count,
              lastTimestamp: now,
            });
            return;
          }
        } catch (e) {
          if (!isNotFound(e)) {
            logger.debug('event patch failed', { err: e });
            return;
          }
        }
        const name = `${obj.metadata.name}.${(Date.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
        try {
          await client.create(resources.events, ns, {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace: ns },
            involvedObject: {
              kind: obj.kind,
              namespace: obj.metadata.namespace,
              name: obj.metadata.name,
              uid: obj.metadata.uid,
              apiVersion: obj.apiVersion,
              resourceVersion: obj.metadata.resourceVersion,
            },
            reason,
            message,
            source: { component, ...(host ? { host } : {}) },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
            type,
            eventTime: null,
            reportingComponent: component,
            reportingInstance: host ?? '',
          });
          seen.set(key, { name, namespace: ns, count: 1 });
          if (seen.size > 4096) seen.delete(seen.keys().next().value as string);
        } catch (e) {
          logger.debug('event create failed', { err: e });
        }
      });
    },
  };
}
