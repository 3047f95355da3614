// Server-side apply and field ownership (metadata.managedFields), after kube-apiserver's
// field manager (k8s.io/apimachinery/pkg/util/managedfields) and structured-merge-diff:
//   - apply merges the configuration into the live object, records what the manager
//     applied, removes what it applied last time and no longer does (unless someone else
//     owns it), and refuses to change fields another manager owns unless forced;
//   - every other write records the fields it changed for its manager (operation Update),
//     taking them away from whoever owned them before.

import {
  ApiError,
  applyConflict,
  badRequest,
  internalError,
  type StatusCause,
} from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { FieldSet, fieldElement, pathString, type Path } from './fieldset.js';
import {
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  identity,
  type Manager,
  type Managers,
} from './managed-fields.js';
import { rootType } from './merge-keys.js';
import { formatTime } from '../../api/time.js';
import {
  compare,
  merge,
  removePaths,
  rootShape,
  toFieldSet,
  validateApplied,
  type Shape,
} from './typed.js';
import { deepCopy, isJsonObject, jsonEqual, type JsonObject, sortedJson } from '../../api/json.js';

export interface ApplyOptions {
  manager: string;
  force: boolean;
  /** The API version being served, e.g. `apps/v1`. */
  apiVersion: string;
  now: Date;
  /** Paths the strategy resets on this endpoint (e.g. `[['status']]`); never owned. */
  resetFields?: string[][];
}

export interface UpdateOptions {
  manager: string;
  operation: 'Update';
  apiVersion: string;
  now: Date;
  subresource?: string;
  /** Paths the strategy resets on this endpoint (e.g. `[['status']]`); never owned. */
  resetFields?: string[][];
}

/** The manager that takes ownership of an object's fields when it is first applied. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** The manager name kubectl uses for server-side apply. */
const KUBECTL = 'kubectl';

/** Fields nobody owns: identity and server-set metadata. */
const STRIPPED: Path[] = [
  ['apiVersion'],
  ['kind'],
  ['metadata'],
  ...[
    'name',
    'namespace',
    'creationTimestamp',
    'selfLink',
    'uid',
    'clusterName',
    'generation',
    'managedFields',
    'resourceVersion',
  ].map((f) => ['metadata', f]),
].map((p) => p.map(fieldElement));
const STRIPPED_SET = FieldSet.of(...STRIPPED);

/** `apps/v1` → `apps`; `v1` → ``. */
const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';

function shapeOf(apiVersion: string, kind: string | undefined): Shape {
  return rootShape(rootType(groupOf(apiVersion), kind ?? ''));
}

/** The object without managedFields (managed fields never track themselves). */
function body(obj: KubeObject): KubeObject {
  const out = deepCopy(obj);
  out.metadata = { ...(out.metadata ?? {}) };
  delete out.metadata.managedFields;
  return out;
}

/** Removes server-set metadata and the endpoint's reset paths from a manager's set. */
function ownable(set: FieldSet, resetFields: string[][] | undefined): FieldSet {
  let out = set.difference(STRIPPED_SET);
  for (const p of resetFields ?? []) out = out.without(p.map(fieldElement));
  return out;
}

function withoutReset(set: FieldSet, resetFields: string[][] | undefined): FieldSet {
  let out = set;
  for (const p of resetFields ?? []) out = out.without(p.map(fieldElement));
  return out;
}

function setsEqual(a: FieldSet, b: FieldSet): boolean {
  return a.difference(b).isEmpty() && b.difference(a).isEmpty();
}

/**
 * Server-side apply of `applied` onto `live` (undefined when the object does not exist).
 * Returns the merged object with updated managedFields; throws 409 Conflict naming the
 * other managers' fields it would change (unless `force`), 400 for an unusable configuration.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): { object: KubeObject } {
  if (!isJsonObject(applied))
    throw badRequest('error decoding patch: the applied configuration is not an object');
  const appliedVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  if (appliedVersion !== opts.apiVersion) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${appliedVersion}, expected: ${opts.apiVersion}`,
    );
  }
  const meta = isJsonObject(applied.metadata) ? applied.metadata : {};
  if (meta.managedFields !== undefined && meta.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const shape = shapeOf(opts.apiVersion, applied.kind);
  const config = configBody(applied);
  const errors = validateApplied(config, shape);
  if (errors.length > 0) {
    const gvk = `${groupOf(opts.apiVersion)}/${opts.apiVersion.split('/').pop()}, Kind=${applied.kind ?? ''}`;
    const detail = errors.length === 1 ? errors[0] : `errors:\n  ${errors.join('\n  ')}`;
    throw badRequest(
      `failed to create typed patch object (${gvk} ${meta.namespace ?? ''}/${meta.name ?? ''}): ${detail}`,
    );
  }

  let managers: Managers;
  try {
    managers = decodeManagedFields(live?.metadata?.managedFields);
  } catch (e) {
    throw internalError(new Error(`failed to decode managed fields: ${(e as Error).message}`));
  }
  const now = formatTime(opts.now);
  const liveBody = live ? body(live) : undefined;
  if (liveBody && managers.size === 0) {
    // Fields that existed before anyone applied belong to a placeholder updater.
    const set = ownable(changedSet(compare(undefined, liveBody, shape)), opts.resetFields);
    if (!set.isEmpty()) {
      const m: Manager = {
        manager: BEFORE_FIRST_APPLY,
        operation: 'Update',
        apiVersion: opts.apiVersion,
        time: now,
        set,
      };
      managers.set(identity(m), m);
    }
  }

  const selfId = identity({
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
  });
  const last = managers.get(selfId);
  const configSet = toFieldSet(config, shape);
  let merged = merge(liveBody, config, shape) as KubeObject;
  if (last) merged = prune(merged, last.set, configSet, managers, selfId, shape);

  const diff = compare(liveBody, merged, shape);
  const changed = changedSet(diff);
  let conflicts: { manager: Manager; set: FieldSet }[] = [];
  for (const [id, m] of managers) {
    if (id === selfId) continue;
    const set = m.set.intersection(changed);
    if (!set.isEmpty()) conflicts.push({ manager: m, set });
  }
  if (conflicts.length > 0 && !opts.force && opts.manager === KUBECTL && liveBody) {
    // kubectl's own first server-side apply takes over what its client-side applies set
    // (fields of the last-applied configuration that still hold their applied value).
    const allowed = allowedByLastApplied(liveBody, shape);
    conflicts = conflicts
      .map((c) => ({ manager: c.manager, set: c.set.difference(allowed) }))
      .filter((c) => !c.set.isEmpty());
  }
  if (conflicts.length > 0 && !opts.force) throw conflictError(conflicts);

  for (const [id, m] of managers) {
    if (id === selfId) continue;
    m.set = m.set.difference(changed).difference(diff.removed);
    if (m.set.isEmpty()) managers.delete(id);
  }
  const selfSet = ownable(configSet, opts.resetFields);
  const objectChanged = !jsonEqual(liveBody, merged);
  const touched = objectChanged || !last || !setsEqual(last.set, selfSet);
  const self: Manager = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    set: selfSet,
  };
  const time = touched ? now : last?.time;
  if (time) self.time = time;
  managers.set(selfId, self);

  if (opts.manager === KUBECTL) syncLastApplied(merged, applied);
  return { object: withManagedFields(merged, managers) };
}

/** The fields of the last-applied configuration whose values the live object still has. */
function allowedByLastApplied(live: KubeObject, shape: Shape): FieldSet {
  const text = live.metadata.annotations?.[LAST_APPLIED];
  if (!text) return new FieldSet();
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isJsonObject(lastApplied)) return new FieldSet();
  const c = compare(lastApplied, live, shape);
  return toFieldSet(lastApplied, shape).difference(changedSet(c));
}

/** The applied configuration as merged: no managedFields, no nulls for server-set metadata. */
function configBody(applied: KubeObject): KubeObject {
  const out = body(applied);
  const m = out.metadata as JsonObject;
  for (const p of STRIPPED) {
    const [first, second] = p;
    if (first === 'f:metadata' && second && m[second.slice(2)] === null) delete m[second.slice(2)];
  }
  return out;
}

/**
 * Removes what this manager applied last time but not now, when no manager (this one's
 * new configuration included) owns it or anything below it.
 */
function prune(
  merged: KubeObject,
  lastSet: FieldSet,
  configSet: FieldSet,
  managers: Managers,
  selfId: string,
  shape: Shape,
): KubeObject {
  let owned = configSet;
  for (const [id, m] of managers) if (id !== selfId) owned = owned.union(m.set);
  const candidates = lastSet
    .withNamedFieldsAsMembers()
    .intersection(toFieldSet(merged, shape).withNamedFieldsAsMembers())
    .difference(owned.withNamedFieldsAsMembers())
    .difference(STRIPPED_SET);
  if (candidates.isEmpty()) return merged;
  return removePaths(merged, candidates, shape) as KubeObject;
}

const changedSet = (c: { added: FieldSet; modified: FieldSet }): FieldSet =>
  c.modified.union(c.added);

function conflictError(conflicts: { manager: Manager; set: FieldSet }[]): ApiError {
  const byManager = [...conflicts].sort((a, b) => {
    const x = identity(a.manager);
    const y = identity(b.manager);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const items = byManager.flatMap(({ manager, set }) =>
    set.paths().map((path) => ({ manager, path })),
  );
  const causes: StatusCause[] = items.map(({ manager, path }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(manager)}`,
    field: pathString(path),
  }));
  let message: string;
  const first = items[0];
  if (items.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(first.manager)}: ${pathString(first.path)}`;
  } else {
    const lines = byManager.flatMap(({ manager, set }) => [
      `conflicts with ${describeManager(manager)}:`,
      ...set.paths().map((p) => `- ${pathString(p)}`),
    ]);
    message = `Apply failed with ${items.length} conflicts: ${lines.join('\n')}`;
  }
  return applyConflict(causes, message);
}

/** kubectl's own server-side applies keep a client-side-apply annotation up to date. */
function syncLastApplied(merged: KubeObject, applied: KubeObject): void {
  const annotations = merged.metadata.annotations;
  if (!annotations?.[LAST_APPLIED]) return;
  const config = body(applied);
  const own = { ...(config.metadata.annotations ?? {}) };
  delete own[LAST_APPLIED];
  config.metadata.annotations = own;
  if (Object.keys(own).length === 0) delete config.metadata.annotations;
  const next: Record<string, string> = { ...annotations, [LAST_APPLIED]: sortedJson(config) };
  const size = Object.entries(next).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (size > MAX_ANNOTATIONS_BYTES) delete next[LAST_APPLIED];
  merged.metadata.annotations = next;
}

function withManagedFields(obj: KubeObject, managers: Managers): KubeObject {
  const out = obj;
  out.metadata = { ...(out.metadata ?? {}) };
  const entries = encodeManagedFields(managers);
  if (entries.length > 0) out.metadata.managedFields = entries;
  else delete out.metadata.managedFields;
  return out;
}

/**
 * Records the fields a create, update or patch changed as owned by `manager` (operation
 * Update), taking them from other managers. Returns a copy of `updated` with its
 * managedFields set. As in kube-apiserver, an existing object that has no managedFields
 * stays untracked.
 */
export function updateManagedFields(
  old: KubeObject | undefined,
  updated: KubeObject,
  opts: UpdateOptions,
): KubeObject {
  const managers = managersForUpdate(old, updated, opts.subresource !== undefined);
  const out = body(updated);
  if (managers.size === 0 && old !== undefined) return out;

  const shape = shapeOf(opts.apiVersion, updated.kind ?? old?.kind);
  const diff = compare(old ? body(old) : undefined, out, shape);
  // What the endpoint resets (status on the main resource, spec on status) is left out of
  // the comparison: it changes nobody's ownership (structured-merge-diff's ignored fields).
  const changed = withoutReset(changedSet(diff), opts.resetFields);
  const removed = withoutReset(diff.removed, opts.resetFields);
  for (const [id, m] of managers) {
    m.set = m.set.difference(changed).difference(removed);
    if (m.set.isEmpty()) managers.delete(id);
  }
  const own = ownable(changed, opts.resetFields);
  if (!own.isEmpty()) {
    const self: Manager = {
      manager: opts.manager || 'unknown',
      operation: 'Update',
      apiVersion: opts.apiVersion,
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      time: formatTime(opts.now),
      set: own,
    };
    const id = identity(self);
    const previous = managers.get(id);
    if (previous) self.set = previous.set.union(own);
    managers.set(id, self);
  }
  return withManagedFields(out, managers);
}

/**
 * Where an update's managers come from: the request's managedFields when it carries valid
 * ones (clients may edit them; an empty list resets them), else the stored object's.
 */
function managersForUpdate(
  old: KubeObject | undefined,
  updated: KubeObject,
  subresource: boolean,
): Managers {
  const decodeOrEmpty = (v: unknown): Managers => {
    try {
      return decodeManagedFields(v);
    } catch {
      return new Map();
    }
  };
  const fromOld = (): Managers => decodeOrEmpty(old?.metadata?.managedFields);
  if (subresource) return fromOld();
  const requested = updated.metadata?.managedFields as unknown;
  if (Array.isArray(requested)) {
    if (requested.length === 0) return new Map();
    if (requested.length === 1 && jsonEqual(requested[0], {})) return new Map();
  }
  const fromRequest = decodeOrEmpty(requested);
  return fromRequest.size > 0 ? fromRequest : fromOld();
}
