// create, update (PUT), patch, delete and deletecollection.

import type { FieldError, KubeObject, ResourceDef } from '../../api/types.js';
import {
  ApiError,
  badRequest,
  invalid,
  invalidWithMessage,
  notFound,
  unsupportedMediaTypeWithMessage,
} from '../../api/errors.js';
import {
  addWarnings,
  attachStrictErrors,
  bodyStrictErrors,
  conversionError,
  decodeJson,
  decodeObjectBody,
  decodePatchBody,
  decodeYamlWithStrictError,
  strictDecodingErrors,
} from '../negotiate.js';
import { truncateForMessage } from '../json-scan.js';
import { json, successStatus } from '../respond.js';
import type { ApiResponse } from '../types.js';
import { groupResource, type DeleteOptions } from '../registry/generic.js';
import { apiVersionOf } from '../registry/keys.js';
import { applyPatch } from '../patch/index.js';
import {
  admissionOptions,
  checkDryRun,
  isDryRun,
  selectorsFor,
  type ResourceRequest,
} from './context.js';
import { render } from './read.js';
import { boolParam, optionalBoolParam } from '../query-params.js';

/**
 * Checks apiVersion/kind of a body against the endpoint and applies fieldValidation. Fields
 * the kind does not declare are dropped, as decoding into the typed object does; Strict
 * refuses them first (in the words of the create/update decoder).
 */
export function checkBody(
  r: ResourceRequest,
  obj: KubeObject,
  def: ResourceDef = r.def,
  /** For a patch: the patched object (or patch) as kube-apiserver quotes it in the error. */
  patchValue?: string,
): void {
  const wrongKind = conversionError(r.parts.table.all, obj, def);
  if (wrongKind) throw badRequest(wrongKind);
  const want = apiVersionOf(def);
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== want)
    throw badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`,
    );
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== def.kind)
    throw badRequest(
      `${obj.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`,
    );
  const mode = r.query.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore')
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${mode}"`);
  // A value the Go type cannot hold fails the decode, whatever the validation mode.
  const typeError = r.parts.findTypeError?.(
    { group: def.group, version: def.version, kind: def.kind },
    obj,
  );
  if (typeError) {
    if (patchValue === undefined)
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${typeError}`,
      );
    const body = `Invalid value: ${JSON.stringify(truncateForMessage(patchValue))}: ${typeError}`;
    throw invalidWithMessage(` "" is invalid: patch: ${body}`, {
      causes: [{ reason: 'FieldValueInvalid', message: body, field: 'patch' }],
    });
  }
  const fromBody = bodyStrictErrors(obj);
  const unknown =
    r.parts.findUnknownFields?.({ group: def.group, version: def.version, kind: def.kind }, obj) ??
    [];
  if (!unknown.length && !fromBody.length) return;
  const strictErrors = strictDecodingErrors(fromBody, unknown);
  if (mode === 'Strict') {
    const why = `strict decoding error: ${strictErrors.join(', ')}`;
    if (patchValue === undefined)
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${why}`,
      );
    // A patch is refused as an invalid `patch` field of no particular kind.
    const body = `Invalid value: ${JSON.stringify(truncateForMessage(patchValue))}: ${why}`;
    throw invalidWithMessage(` "" is invalid: patch: ${body}`, {
      causes: [{ reason: 'FieldValueInvalid', message: body, field: 'patch' }],
    });
  }
  if (mode === 'Warn') addWarnings(r.ctx.warnings, strictErrors);
  for (const f of unknown) dropField(obj, f);
}

/** Removes the field at a path such as `spec.containers[0].foo`. */
function dropField(obj: unknown, path: string): void {
  const steps = path.split(/\.|(?=\[)/);
  let cur: unknown = obj;
  for (let i = 0; i < steps.length; i++) {
    if (!cur || typeof cur !== 'object') return;
    const step = steps[i] ?? '';
    const index = /^\[(\d+)\]$/.exec(step);
    const key = index ? Number(index[1]) : step;
    const rec = cur as Record<string | number, unknown>;
    if (i === steps.length - 1 || !(key in rec)) {
      // The last step, or a key that itself holds dots: the rest names one field.
      const rest = index ? key : steps.slice(i).join('.');
      if (rest in rec && !Array.isArray(rec)) delete rec[rest];
      return;
    }
    cur = rec[key];
  }
}

const OPTIONS_OF_VERB: Record<string, string> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
};

/** The fieldManager parameter as the write options' validation checks it (422, the options named). */
function checkFieldManager(r: ResourceRequest, m: string): void {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(m) > 128)
    errs.push({
      type: 'FieldValueTooLong',
      field: 'fieldManager',
      detail: 'may not be more than 128 bytes',
    });
  let at = 0;
  for (const ch of m) {
    if (!isPrintable(ch))
      errs.push({
        type: 'FieldValueInvalid',
        field: 'fieldManager',
        badValue: m,
        detail: `invalid character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} (at position ${at})`,
      });
    at += Buffer.byteLength(ch);
  }
  if (errs.length)
    throw invalid(OPTIONS_OF_VERB[r.info.verb] ?? 'PatchOptions', 'meta.k8s.io', '', errs);
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const isPrintable = (ch: string): boolean =>
  ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);

export function fieldManager(r: ResourceRequest, fallback: string): string {
  const m = r.query.get('fieldManager');
  if (m) checkFieldManager(r, m);
  return m || fallback;
}

/**
 * The manager of a write without fieldManager: the user agent up to its first `/`, without
 * unprintable characters, cut to 128 bytes (kube-apiserver's prefixFromUserAgent), so
 * `kubectl-label/v1.33.0 (linux/amd64) …` is `kubectl-label`.
 */
export function managerFromUserAgent(r: ResourceRequest): string {
  const ua = String(r.ctx.req.headers['user-agent'] ?? 'unknown');
  let out = '';
  for (const ch of ua.split('/')[0] ?? '') {
    if (!isPrintable(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out || 'unknown';
}

export async function createObject(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body, r.def.kind);
  checkBody(r, body);
  const manager = fieldManager(r, managerFromUserAgent(r));
  const created = await r.parts.registry.create(r.def, r.info.namespace, body, {
    dryRun: isDryRun(r.query),
    fieldManager: manager,
    ...admissionOptions(r),
    mutateBeforeWrite: (obj) => {
      r.parts.admitWrite?.(r, obj, undefined);
      r.parts.fields.recordUpdate(r.def, obj, undefined, manager, r.ctx.now);
    },
  });
  return json(201, render(r, created));
}

export async function updateObject(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body, r.def.kind);
  checkBody(r, body);
  const manager = fieldManager(r, managerFromUserAgent(r));
  const sub = r.info.subresource;
  const updated = await r.parts.registry.update(r.def, r.info.namespace, r.info.name, body, {
    dryRun: isDryRun(r.query),
    ...(sub ? { subresource: sub } : {}),
    ...admissionOptions(r),
    mutateBeforeWrite: (obj, old) => {
      r.parts.admitWrite?.(r, obj, old);
      r.parts.fields.recordUpdate(r.def, obj, old, manager, r.ctx.now, sub || undefined);
    },
  });
  return json(200, render(r, updated));
}

/** Attempts at a patch or apply that lost a race with another writer (kube-apiserver retries until it wins). */
export const MAX_RETRIES = 64;

const PATCH_TYPES = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

export async function patchObject(r: ResourceRequest): Promise<ApiResponse> {
  const ct =
    String(r.ctx.req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? '';
  const accepted =
    r.def.strategicMergePatch === false
      ? [...PATCH_TYPES].filter((t) => t !== 'application/strategic-merge-patch+json')
      : [...PATCH_TYPES];
  if (!accepted.includes(ct))
    throw unsupportedMediaTypeWithMessage(
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  const sub = r.info.subresource || undefined;
  if (ct === 'application/apply-patch+yaml') return applyObject(r, sub);
  const { value: patchBody, strictErrors } = decodePatchBody(ct, r.ctx.req.body);
  const manager = fieldManager(r, managerFromUserAgent(r));
  const gvk = { group: r.def.group, version: r.def.version, kind: r.def.kind };
  const registry = r.parts.registry;
  for (let attempt = 0; ; attempt++) {
    const current = await registry.get(r.def, r.info.namespace, r.info.name);
    const patched = applyPatch(current, patchBody, ct, gvk) as KubeObject;
    attachStrictErrors(patched, strictErrors);
    checkBody(
      r,
      patched,
      r.def,
      JSON.stringify(ct === 'application/strategic-merge-patch+json' ? patchBody : patched),
    );
    // The patch decides the precondition: a resourceVersion in it is checked, otherwise
    // the patch is applied to the version read (and retried if that changed meanwhile).
    const pinned = hasResourceVersion(patchBody, ct);
    if (!pinned) patched.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
    try {
      const updated = await registry.update(r.def, r.info.namespace, r.info.name, patched, {
        dryRun: isDryRun(r.query),
        ...(sub ? { subresource: sub } : {}),
        ...admissionOptions(r),
        mutateBeforeWrite: (obj, old) => {
          r.parts.admitWrite?.(r, obj, old);
          r.parts.fields.recordUpdate(r.def, obj, old, manager, r.ctx.now, sub);
        },
      });
      return json(200, render(r, updated));
    } catch (e) {
      if (!pinned && e instanceof ApiError && e.reason === 'Conflict' && attempt < MAX_RETRIES)
        continue;
      throw e;
    }
  }
}

function hasResourceVersion(patch: unknown, ct: string): boolean {
  if (ct === 'application/json-patch+json')
    return (
      Array.isArray(patch) &&
      patch.some((op: { path?: string }) => op?.path === '/metadata/resourceVersion')
    );
  const m = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return typeof m?.resourceVersion === 'string' && m.resourceVersion !== '';
}

/** Server-side apply: PATCH with application/apply-patch+yaml; creates when absent. */
async function applyObject(r: ResourceRequest, sub: string | undefined): Promise<ApiResponse> {
  const manager = r.query.get('fieldManager');
  if (!manager)
    throw badRequest('PATCH requests with apply content type require fieldManager query parameter');
  checkFieldManager(r, manager);
  let applied: KubeObject;
  let strictError: string | undefined;
  try {
    ({ value: applied, strictError } = decodeYamlWithStrictError(r.ctx.req.body) as {
      value: KubeObject;
      strictError?: string;
    });
  } catch (e) {
    // kube-apiserver's apply patcher prefixes what the YAML decoder says.
    if (e instanceof ApiError && e.message.startsWith('error converting YAML to JSON: '))
      throw badRequest(`error decoding YAML: ${e.message}`);
    throw e;
  }
  if (!applied || typeof applied !== 'object')
    throw badRequest('error decoding YAML: expected an object');
  // Keys given twice: the last wins, with a warning, or the request fails under Strict.
  if (strictError) {
    const why = `error converting YAML to JSON: ${strictError}`;
    const mode = r.query.get('fieldValidation') ?? 'Warn';
    if (mode === 'Strict') throw badRequest(`error strict decoding YAML: ${why}`);
    if (mode === 'Warn') addWarnings(r.ctx.warnings, [why]);
  }
  applied.metadata ??= {};
  if (!applied.apiVersion || !applied.kind)
    throw badRequest('apiVersion and kind must be set in an apply request');
  // Apply types the configuration against the schema whatever fieldValidation says: an
  // undeclared field fails the request (kube-apiserver 1.33 answers 500 here; 400 is the fix
  // upstream is taking).
  const unknown =
    r.parts.findUnknownFields?.(
      { group: r.def.group, version: r.def.version, kind: r.def.kind },
      applied,
    ) ?? [];
  if (unknown[0] && applied.apiVersion === apiVersionOf(r.def) && applied.kind === r.def.kind)
    throw badRequest(
      `failed to create typed patch object (${applied.metadata.namespace ?? ''}/${applied.metadata.name ?? ''}; ${r.def.group}/${r.def.version}, Kind=${r.def.kind}): .${unknown[0]}: field not declared in schema`,
    );
  checkBody(r, applied);
  if (applied.metadata.name && applied.metadata.name !== r.info.name)
    throw badRequest(
      `the name of the object (${applied.metadata.name}) does not match the name on the URL (${r.info.name})`,
    );
  const force = boolParam(r.query, 'force');
  const registry = r.parts.registry;
  for (let attempt = 0; ; attempt++) {
    const live = await registry.tryGet(r.def, r.info.namespace, r.info.name);
    if (!live && sub) throw notFound(groupResource(r.def), r.info.name);
    const merged = r.parts.fields.apply(r.def, live, applied, manager, force, r.ctx.now, sub);
    try {
      if (!live) {
        merged.metadata.name = r.info.name;
        const created = await registry.create(r.def, r.info.namespace, merged, {
          dryRun: isDryRun(r.query),
          ...admissionOptions(r),
          mutateBeforeWrite: (obj) => r.parts.admitWrite?.(r, obj, undefined),
        });
        return json(201, render(r, created));
      }
      merged.metadata.resourceVersion = live.metadata.resourceVersion ?? '';
      const updated = await registry.update(r.def, r.info.namespace, r.info.name, merged, {
        dryRun: isDryRun(r.query),
        ...(sub ? { subresource: sub } : {}),
        ...admissionOptions(r),
        mutateBeforeWrite: (obj, old) => r.parts.admitWrite?.(r, obj, old),
      });
      return json(200, render(r, updated));
    } catch (e) {
      if (
        e instanceof ApiError &&
        (e.reason === 'Conflict' || e.reason === 'AlreadyExists') &&
        attempt < MAX_RETRIES &&
        !e.details?.causes?.some((c) => c.reason === 'FieldManagerConflict')
      )
        continue;
      throw e;
    }
  }
}

function deleteOptionsFrom(r: ResourceRequest): DeleteOptions {
  let opts: DeleteOptions = {};
  // A body carries the options; the query is read only when there is none (as kube-apiserver).
  if (r.ctx.req.body.length) {
    const b = decodeJson(r.ctx.req.body);
    if (b && typeof b === 'object') opts = b as DeleteOptions;
    // The body's dryRun is validated as the query's is.
    if (opts.dryRun !== undefined && opts.dryRun !== null) {
      const values = Array.isArray(opts.dryRun) ? opts.dryRun : [opts.dryRun];
      checkDryRun(
        new URLSearchParams(values.map((v): [string, string] => ['dryRun', String(v)])),
        'delete',
      );
    }
  } else {
    const g = r.query.get('gracePeriodSeconds');
    if (g !== null) opts.gracePeriodSeconds = Number(g);
    const p = r.query.get('propagationPolicy');
    if (p) opts.propagationPolicy = p as NonNullable<DeleteOptions['propagationPolicy']>;
    const orphan = optionalBoolParam(r.query, 'orphanDependents');
    if (orphan !== undefined) opts.orphanDependents = orphan;
    if (isDryRun(r.query)) opts.dryRun = ['All'];
  }
  if (r.def.orphansByDefault && !opts.propagationPolicy && opts.orphanDependents === undefined) {
    opts.propagationPolicy = 'Orphan';
    addWarnings(r.ctx.warnings, [r.def.orphansByDefault.warning]);
  }
  if (
    opts.propagationPolicy &&
    !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)
  )
    throw invalidWithMessage(
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  if (
    opts.gracePeriodSeconds !== undefined &&
    (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)
  )
    opts.gracePeriodSeconds = opts.gracePeriodSeconds < 0 ? 1 : Math.floor(opts.gracePeriodSeconds);
  return opts;
}

export async function deleteObject(r: ResourceRequest): Promise<ApiResponse> {
  const opts = deleteOptionsFrom(r);
  const { object, gone } = await r.parts.registry.delete(
    r.def,
    r.info.namespace,
    r.info.name,
    opts,
  );
  // An object kept for finalizers or a grace period comes back as it now is: 202 only when
  // the client asked for cascading deletion the old way (orphanDependents=false).
  if (!gone) return json(opts.orphanDependents === false ? 202 : 200, render(r, object));
  if (r.parts.registry.returnsDeletedObject(r.def)) return json(200, render(r, object));
  return json(
    200,
    successStatus({
      name: r.info.name,
      ...(r.def.group ? { group: r.def.group } : {}),
      kind: r.def.plural,
      uid: object.metadata.uid,
    }),
  );
}

export async function deleteCollection(r: ResourceRequest): Promise<ApiResponse> {
  const opts = deleteOptionsFrom(r);
  const list = await r.parts.registry.list(r.def, {
    namespace: r.info.namespace,
    ...selectorsFor(r),
  });
  const deleted: KubeObject[] = [];
  for (const o of list.items) {
    try {
      const res = await r.parts.registry.delete(
        r.def,
        o.metadata.namespace ?? '',
        o.metadata.name ?? '',
        opts,
      );
      deleted.push(res.object);
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'NotFound')) throw e;
    }
  }
  return json(200, {
    kind: r.def.listKind,
    apiVersion: apiVersionOf(r.def),
    metadata: { resourceVersion: String(r.parts.registry.store.currentRevision()) },
    items: deleted,
  });
}
