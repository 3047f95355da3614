// Keeps the Node authorizer's graph in step with storage, as kube's graph_populator follows
// its informers: pods, and persistent volumes and volume attachments where those kinds are
// served. Each kind is listed, then watched from the list's revision; a watch that ends
// (compacted, too slow) lists again. Authorization then reads memory only.

import type { ResourceTable } from '../../../api/registry.js';
import {
  followPrefix,
  type KeyValue,
  type Store,
  type StoreEvent,
} from '../../../storage/index.js';
import { resourcePrefix } from '../../registry/keys.js';
import { NodeGraph } from './graph.js';

export interface FollowedGraph {
  graph: NodeGraph;
  /** Resolves once every followed kind has been listed. */
  readonly ready: Promise<void>;
  close(): void;
}

interface Followed {
  prefix: string;
  /** Applies one stored object (its key after the prefix, and its JSON). */
  set(key: string, value: string): void;
  remove(key: string): void;
}

const parse = (value: string): Record<string, any> | undefined => {
  try {
    const o = JSON.parse(value) as unknown;
    return o && typeof o === 'object' ? (o as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
};

/** `namespace/name` of a namespaced key, split. */
const split = (key: string): [string, string] => {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
};

export function followNodeGraph(store: Store, table: ResourceTable): FollowedGraph {
  const graph = new NodeGraph();
  const stop = new AbortController();
  const kinds: Followed[] = [];
  const pods = table.byGroupResource('', 'pods');
  if (pods)
    kinds.push({
      prefix: resourcePrefix(pods),
      set: (_key, value) => {
        const pod = parse(value);
        if (pod) graph.setPod(pod);
      },
      remove: (key) => graph.deletePod(...split(key)),
    });
  const pvs = table.byGroupResource('', 'persistentvolumes');
  if (pvs)
    kinds.push({
      prefix: resourcePrefix(pvs),
      set: (_key, value) => {
        const pv = parse(value);
        if (pv) graph.setPersistentVolume(pv);
      },
      remove: (key) => graph.deletePersistentVolume(key),
    });
  const attachments = table.byGroupResource('storage.k8s.io', 'volumeattachments');
  if (attachments)
    kinds.push({
      prefix: resourcePrefix(attachments),
      set: (key, value) => {
        const node = parse(value)?.['spec']?.['nodeName'];
        graph.setVolumeAttachment(key, typeof node === 'string' ? node : '');
      },
      remove: (key) => graph.deleteVolumeAttachment(key),
    });

  let listed = 0;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  if (!kinds.length) markReady();

  function follow(kind: Followed): Promise<void> {
    const { prefix } = kind;
    const keyOf = (kv: KeyValue) => kv.key.slice(prefix.length);
    let known = new Set<string>();
    let first = true;
    return followPrefix(
      store,
      prefix,
      {
        listed(items) {
          const seen = new Set<string>();
          for (const kv of items) {
            seen.add(keyOf(kv));
            kind.set(keyOf(kv), kv.value);
          }
          // Objects deleted while no watch was open.
          for (const key of known) if (!seen.has(key)) kind.remove(key);
          known = seen;
          if (first) {
            first = false;
            if (++listed === kinds.length) markReady();
          }
        },
        event: (e) => apply(kind, known, keyOf(e.kv), e),
      },
      stop.signal,
    );
  }

  function apply(kind: Followed, known: Set<string>, key: string, e: StoreEvent): void {
    if (e.type === 'delete') {
      known.delete(key);
      kind.remove(key);
    } else {
      known.add(key);
      kind.set(key, e.kv.value);
    }
  }

  for (const k of kinds) void follow(k);
  return { graph, ready, close: () => stop.abort() };
}
