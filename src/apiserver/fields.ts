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
    subresource?: string,
  ): KubeObject;
}

/** A main-resource write never owns status where a status subresource exists, and vice versa. */
function resetFieldsFor(def: ResourceDef, subresource: string | undefined): string[][] {
  const hasStatus = def.subresources?.some((s) => s.name === 'status') ?? false;
  if (!hasStatus) return [];
  if (subresource === 'status') return [['spec'], ['metadata']];
  if (!subresource) return [['status']];
  return [];
}

export function createFieldTracker(): FieldTracker {
  return {
    recordUpdate(def, obj, old, manager, now, subresource) {
      const out = updateManagedFields(old, obj, {
        manager,
        operation: 'Update',
        apiVersion: apiVersionOf(def),
        now,
        resetFields: resetFieldsFor(def, subresource),
        ...(subresource ? { subresource } : {}),
      });
      if (out.metadata.managedFields) obj.metadata.managedFields = out.metadata.managedFields;
      else delete obj.metadata.managedFields;
    },
    apply(def, live, applied, manager, force, now, subresource) {
      const opts = {
        manager,
        force,
        apiVersion: apiVersionOf(def),
        now,
        resetFields: resetFieldsFor(def, subresource),
      };
      return serverSideApply(live, applied, opts).object;
    },
  };
}
