// Field ownership (metadata.managedFields) for every write, and server-side apply.

import type { KubeObject, ResourceDef } from '../api/types.js';
import { ApiError } from '../api/errors.js';
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

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const CLIENT_SIDE_APPLY = 'kubectl-client-side-apply';

/** A main-resource write never owns status where a status subresource exists, and vice versa. */
function resetFieldsFor(def: ResourceDef, subresource: string | undefined): string[][] {
  const hasStatus = def.subresources?.some((s) => s.name === 'status') ?? false;
  if (!hasStatus) return [];
  if (subresource === 'status') return [['spec'], ['metadata']];
  if (!subresource) return [['status']];
  return [];
}

/**
 * Moving from client-side to server-side apply: conflicts only with the client-side apply
 * manager, on an object that carries its last-applied configuration, are taken over
 * rather than refused (kube-apiserver's last-applied manager does the same).
 */
function onlyClientSideApplyConflicts(live: KubeObject | undefined, e: unknown): boolean {
  if (!(e instanceof ApiError) || e.reason !== 'Conflict') return false;
  if (!live?.metadata.annotations?.[LAST_APPLIED]) return false;
  const causes = e.details?.causes ?? [];
  return (
    causes.length > 0 &&
    causes.every(
      (c) =>
        c.reason === 'FieldManagerConflict' && (c.message ?? '').includes(`"${CLIENT_SIDE_APPLY}"`),
    )
  );
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
      try {
        return serverSideApply(live, applied, opts).object;
      } catch (e) {
        if (!force && onlyClientSideApplyConflicts(live, e))
          return serverSideApply(live, applied, { ...opts, force: true }).object;
        throw e;
      }
    },
  };
}
