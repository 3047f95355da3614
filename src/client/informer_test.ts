// The informer's cache against late and out-of-order watch events. A real API server never
// sends them in order to one watch, so a scripted client plays the server's part here: one
// list, then a watch stream the test writes to.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { eventually } from '../../test/support/eventually.js';
import { createInformer, isOlder, type Informer } from './informer.js';
import type { Client, ObjectList, WatchEvent } from './rest.js';
import * as resources from './resources.js';

const cm = (name: string, rv: string, data = rv): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data: { v: data },
});

/** A client whose lists come from `lists` (one per call) and whose watch streams are fed by `send`. */
function scriptedClient(lists: KubeObject[][]) {
  let listCalls = 0;
  let push: ((ev: WatchEvent) => void) | undefined;
  const pending: WatchEvent[] = [];
  const client = {
    async list(): Promise<ObjectList<KubeObject>> {
      const items = lists[Math.min(listCalls++, lists.length - 1)] ?? [];
      const rv = Math.max(0, ...items.map((o) => Number(o.metadata.resourceVersion)));
      return { metadata: { resourceVersion: String(rv) }, items };
    },
    async *watch(_r: unknown, _ns: string, opts: { signal: AbortSignal }) {
      while (!opts.signal.aborted) {
        const ev =
          pending.shift() ??
          (await new Promise<WatchEvent | undefined>((resolve) => {
            push = resolve;
            opts.signal.addEventListener('abort', () => resolve(undefined), { once: true });
          }));
        if (!ev) return;
        yield ev;
        // The server ends the stream after an error event.
        if (ev.type === 'ERROR') return;
      }
    },
  };
  return {
    client: client as unknown as Client,
    listCalls: () => listCalls,
    send(type: WatchEvent['type'], object: KubeObject) {
      const ev = { type, object };
      const waiting = push;
      push = undefined;
      if (waiting) waiting(ev);
      else pending.push(ev);
    },
  };
}

async function started(lists: KubeObject[][]) {
  const ac = new AbortController();
  const server = scriptedClient(lists);
  const events: string[] = [];
  const inf: Informer = createInformer({
    client: server.client,
    resource: resources.configMaps,
    signal: ac.signal,
  });
  inf.on({
    add: (o) => events.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    update: (_, o) => events.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
    delete: (o) => events.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}`),
  });
  await inf.synced();
  const rvOf = (name: string) => inf.get('ns', name)?.metadata.resourceVersion;
  /** Sends a marker and waits for it: every event sent before it has been handled. */
  let markers = 0;
  const settle = async () => {
    const name = `marker-${++markers}`;
    server.send('ADDED', cm(name, '1'));
    await eventually(() => inf.get('ns', name), `${name} in the cache`);
  };
  return { inf, server, events, rvOf, settle, stop: () => ac.abort() };
}

void describe('informer event ordering', () => {
  void it('compares resourceVersions as numbers', () => {
    assert.equal(isOlder(cm('a', '9'), cm('a', '10')), true);
    assert.equal(isOlder(cm('a', '10'), cm('a', '9')), false);
    assert.equal(isOlder(cm('a', '10'), cm('a', '10')), false);
    assert.equal(isOlder(cm('a', '99999999999999999998'), cm('a', '99999999999999999999')), true);
    assert.equal(isOlder(cm('a', ''), cm('a', '10')), false, 'no version: not older');
    assert.equal(isOlder(cm('a', 'x1'), cm('a', '10')), false, 'not a number: not older');
  });

  void it('drops an ADDED or MODIFIED older than the object it holds', async () => {
    const t = await started([[cm('a', '10')]]);
    try {
      t.server.send('MODIFIED', cm('a', '9'));
      t.server.send('ADDED', cm('a', '8'));
      await t.settle();
      assert.equal(t.rvOf('a'), '10');
      assert.deepEqual(t.events.slice(0, 1), ['add a@10']);
      assert.equal(t.events.length, 2, `only the list and the marker: ${t.events.join(', ')}`);

      t.server.send('MODIFIED', cm('a', '11'));
      await eventually(() => t.rvOf('a') === '11', 'a@11 in the cache');
      assert.equal(t.events.at(-1), 'update a@11');
    } finally {
      t.stop();
    }
  });

  void it('drops a DELETED for a version older than it holds', async () => {
    const t = await started([[cm('a', '10')]]);
    try {
      // A name deleted and created again: the new object is seen before the old deletion.
      t.server.send('ADDED', cm('a', '20'));
      t.server.send('DELETED', cm('a', '15'));
      await t.settle();
      assert.equal(t.rvOf('a'), '20');
      assert.ok(!t.events.some((e) => e.startsWith('delete')), t.events.join(', '));

      t.server.send('DELETED', cm('a', '21'));
      await eventually(() => t.rvOf('a') === undefined, 'a gone from the cache');
      // Handlers see the last state the cache held, as before.
      assert.equal(t.events.at(-1), 'delete a@20');
    } finally {
      t.stop();
    }
  });

  void it('keeps numeric order past a change in digit count', async () => {
    const t = await started([[cm('a', '9')]]);
    try {
      t.server.send('MODIFIED', cm('a', '10'));
      await eventually(() => t.rvOf('a') === '10', 'a@10 in the cache');
      t.server.send('MODIFIED', cm('a', '9'));
      await t.settle();
      assert.equal(t.rvOf('a'), '10');
    } finally {
      t.stop();
    }
  });

  void it('lets a relist replace what it holds, older versions included', async () => {
    const t = await started([[cm('a', '10'), cm('b', '11')], [cm('a', '5', 'restored')]]);
    try {
      t.server.send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        code: 410,
      } as unknown as KubeObject);
      await eventually(() => t.server.listCalls() >= 2 && t.rvOf('b') === undefined, 'a relist');
      assert.equal(t.rvOf('a'), '5');
      assert.deepEqual(t.inf.get('ns', 'a')?.data, { v: 'restored' });
      assert.deepEqual(t.events, ['add a@10', 'add b@11', 'update a@5', 'delete b@11']);
    } finally {
      t.stop();
    }
  });
});
