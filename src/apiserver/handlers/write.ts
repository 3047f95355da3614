// create, update (PUT), patch, delete and deletecollection.

import type { KubeObject, ResourceDef } from '../../api/types.js';
import { ApiError, badRequest, notFound } from '../../api/errors.js';
import { decodeJson, decodeObjectBody, decodeYaml } from '../negotiate.js';
import { json, successStatus } from '../respond.js';
import type { ApiResponse } from '../types.js';
import { groupResource, type DeleteOptions } from '../registry/generic.js';
import { apiVersionOf } from '../registry/keys.js';
import { applyPatch } from '../patch/index.js';
import { isDryRun, selectorsFrom, type ResourceRequest } from './context.js';
import { render } from './read.js';

/** Checks apiVersion/kind of a body against the endpoint and applies fieldValidation. */
export function checkBody(r: ResourceRequest, obj: KubeObject, def: ResourceDef = r.def): void {
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
  if (mode === 'Ignore' || !r.parts.findUnknownFields) return;
  const unknown = r.parts.findUnknownFields(
    { group: def.group, version: def.version, kind: def.kind },
    obj,
  );
  if (!unknown.length) return;
  if (mode === 'Strict')
    throw badRequest(
      `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
    );
  for (const f of unknown) r.ctx.warnings.push(`unknown field "${f}"`);
}

function fieldManager(r: ResourceRequest, fallback: string): string {
  const m = r.query.get('fieldManager');
  if (m !== null && m.length > 128)
    throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
  return m || fallback;
}

function managerFromUserAgent(r: ResourceRequest): string {
  const ua = String(r.ctx.req.headers['user-agent'] ?? 'unknown');
  return ua.split('/')[0] ?? 'unknown';
}

export async function createObject(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body);
  checkBody(r, body);
  const manager = fieldManager(r, managerFromUserAgent(r));
  const created = await r.parts.registry.create(r.def, r.info.namespace, body, {
    dryRun: isDryRun(r.query),
    fieldManager: manager,
    mutateBeforeWrite: (obj) =>
      r.parts.fields.recordUpdate(r.def, obj, undefined, manager, r.ctx.now),
  });
  return json(201, render(r, created));
}

export async function updateObject(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body);
  checkBody(r, body);
  const manager = fieldManager(r, managerFromUserAgent(r));
  const sub = r.info.subresource;
  const updated = await r.parts.registry.update(r.def, r.info.namespace, r.info.name, body, {
    dryRun: isDryRun(r.query),
    ...(sub ? { subresource: sub } : {}),
    mutateBeforeWrite: (obj, old) =>
      r.parts.fields.recordUpdate(r.def, obj, old, manager, r.ctx.now, sub || undefined),
  });
  return json(200, render(r, updated));
}

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
  if (!PATCH_TYPES.has(ct))
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${[...PATCH_TYPES].join(', ')}`,
    );
  const sub = r.info.subresource || undefined;
  if (ct === 'application/apply-patch+yaml') return applyObject(r, sub);
  const patchBody = decodeJson(r.ctx.req.body);
  const manager = fieldManager(r, managerFromUserAgent(r));
  const gvk = { group: r.def.group, version: r.def.version, kind: r.def.kind };
  const registry = r.parts.registry;
  for (let attempt = 0; ; attempt++) {
    const current = await registry.get(r.def, r.info.namespace, r.info.name);
    const patched = applyPatch(current, patchBody, ct, gvk) as KubeObject;
    checkBody(r, patched);
    // The patch decides the precondition: a resourceVersion in it is checked, otherwise
    // the patch is applied to the version read (and retried if that changed meanwhile).
    const pinned = hasResourceVersion(patchBody, ct);
    if (!pinned) patched.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
    try {
      const updated = await registry.update(r.def, r.info.namespace, r.info.name, patched, {
        dryRun: isDryRun(r.query),
        ...(sub ? { subresource: sub } : {}),
        mutateBeforeWrite: (obj, old) =>
          r.parts.fields.recordUpdate(r.def, obj, old, manager, r.ctx.now, sub),
      });
      return json(200, render(r, updated));
    } catch (e) {
      if (!pinned && e instanceof ApiError && e.reason === 'Conflict' && attempt < 5) continue;
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
  const applied = decodeYaml(r.ctx.req.body) as KubeObject;
  if (!applied || typeof applied !== 'object')
    throw badRequest('error decoding YAML: expected an object');
  applied.metadata ??= {};
  if (!applied.apiVersion || !applied.kind)
    throw badRequest('apiVersion and kind must be set in an apply request');
  checkBody(r, applied);
  if (applied.metadata.name && applied.metadata.name !== r.info.name)
    throw badRequest(
      `the name of the object (${applied.metadata.name}) does not match the name on the URL (${r.info.name})`,
    );
  const force = r.query.get('force') === 'true';
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
        });
        return json(201, render(r, created));
      }
      merged.metadata.resourceVersion = live.metadata.resourceVersion ?? '';
      const updated = await registry.update(r.def, r.info.namespace, r.info.name, merged, {
        dryRun: isDryRun(r.query),
        ...(sub ? { subresource: sub } : {}),
      });
      return json(200, render(r, updated));
    } catch (e) {
      if (
        e instanceof ApiError &&
        (e.reason === 'Conflict' || e.reason === 'AlreadyExists') &&
        attempt < 5 &&
        !e.details?.causes?.some((c) => c.reason === 'FieldManagerConflict')
      )
        continue;
      throw e;
    }
  }
}

function deleteOptionsFrom(r: ResourceRequest): DeleteOptions {
  let opts: DeleteOptions = {};
  if (r.ctx.req.body.length) {
    const b = decodeJson(r.ctx.req.body);
    if (b && typeof b === 'object') opts = b as DeleteOptions;
  }
  const g = r.query.get('gracePeriodSeconds');
  if (g !== null) opts.gracePeriodSeconds = Number(g);
  const p = r.query.get('propagationPolicy');
  if (p) opts.propagationPolicy = p as DeleteOptions['propagationPolicy'];
  if (r.query.get('orphanDependents') !== null)
    opts.orphanDependents = r.query.get('orphanDependents') === 'true';
  if (isDryRun(r.query)) opts.dryRun = ['All'];
  if (
    opts.propagationPolicy &&
    !['Foreground', 'Background', 'Orphan'].includes(opts.propagationPolicy)
  )
    throw new ApiError(
      422,
      'Invalid',
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
  const { object, gone } = await r.parts.registry.delete(
    r.def,
    r.info.namespace,
    r.info.name,
    deleteOptionsFrom(r),
  );
  if (!gone) return json(202, render(r, object));
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
    ...selectorsFrom(r.query),
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
