// Stored bytes ↔ API objects: the kind's storage conversion, the resourceVersion from the
// store's revision, Go's omitempty on metadata lists and its field order on output.

import type { GroupResource } from '../../api/errors.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import type { KeyValue } from '../../storage/index.js';
import { apiVersionOf } from './keys.js';

export function groupResource(def: ResourceDef): GroupResource {
  return { group: def.group, resource: def.plural };
}

export class ObjectCodec {
  private readonly shared = new WeakMap<KeyValue, { def: ResourceDef; obj: KubeObject }>();

  decode(def: ResourceDef, kv: KeyValue): KubeObject {
    const stored = JSON.parse(kv.value) as KubeObject;
    const obj = def.storageConversion ? def.storageConversion.fromStorage(stored) : stored;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return reorder(obj);
  }

  /**
   * decode() for read-only paths (list, watch): the storage cache hands every reader the
   * same entry for a revision, so its decoded object is made once and shared. Callers must
   * not modify the result.
   */
  decodeShared(def: ResourceDef, kv: KeyValue): KubeObject {
    const hit = this.shared.get(kv);
    if (hit && hit.def === def) return hit.obj;
    const obj = this.decode(def, kv);
    this.shared.set(kv, { def, obj });
    return obj;
  }

  /** The stored form: without resourceVersion, in the storage kind's shape. */
  encode(def: ResourceDef, input: KubeObject): string {
    const obj = def.storageConversion ? def.storageConversion.toStorage(input) : input;
    const { resourceVersion: _rv, ...meta } = obj.metadata;
    // Empty lists and maps are omitted, as Go's omitempty does.
    for (const k of [
      'ownerReferences',
      'finalizers',
      'labels',
      'annotations',
      'managedFields',
    ] as const) {
      const v = meta[k];
      if (v && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)) delete meta[k];
    }
    return JSON.stringify({ ...obj, metadata: meta });
  }
}

/** apiVersion, kind, metadata first, as the Go structs serialise. */
export function reorder(o: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = o;
  return {
    ...(apiVersion !== undefined ? { apiVersion } : {}),
    ...(kind !== undefined ? { kind } : {}),
    metadata,
    ...rest,
  } as KubeObject;
}
