// Field ownership (metadata.managedFields) for every write, and server-side apply.

import type { KubeObject, ResourceDef } from '../api/types.js';
import { serverSideApply, updateManagedFields } from './patch/index.js';
import { apiVersionOf } from './registry/keys.js';

export interface FieldTracker {
  /** Records the fields a create/update/patch by `manager` set (operation Update). */
  recordUpdate(
    def: ResourceDef,
    obj: KubeObject,
    old: KubeObject | undefined,
    manager: string,
    now: Date,
    subresource?: string,
  ): void;
  /** Merges an applied configuration into the live object (operation Apply); throws 409 on conflicts. */
  apply(
    def: ResourceDef,
    live: KubeObject | undefined,
    applied: KubeObject,
    manager: string,
    force: boolean,
    now: Date,
  ): KubeObject;
}

export function createFieldTracker(): FieldTracker {
  return {
    recordUpdate(def, obj, old, manager, now, subresource) {
      const out = updateManagedFields(old, obj, {
        manager,
        operation: 'Update',
        apiVersion: apiVersionOf(def),
        now,
        ...(subresource ? { subresource } : {}),
      });
      if (out && out !== obj) obj.metadata.managedFields = out.metadata.managedFields ?? [];
    },
    apply(def, live, applied, manager, force, now) {
      return serverSideApply(live, applied, { manager, force, apiVersion: apiVersionOf(def), now })
        .object;
    },
  };
}
