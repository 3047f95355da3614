// Subresources served by the API server itself: scale and binding.

import type { KubeObject } from '../../api/types.js';
import {
  ApiError,
  badRequest,
  conflict,
  invalid,
  methodNotAllowedWithMessage,
  notFound,
} from '../../api/errors.js';
import { formatLabelSelector, fromLabelSelectorObject, fromMap } from '../../api/labels.js';
import { formatTime } from '../../api/time.js';
import { decodeJson, decodeObjectBody } from '../negotiate.js';
import { json } from '../respond.js';
import type { ApiResponse } from '../types.js';
import { applyPatch } from '../patch/index.js';
import { groupResource } from '../registry/generic.js';
import { objectKey } from '../registry/keys.js';
import { isDryRun, type ResourceRequest } from './context.js';
import { MAX_RETRIES, fieldManager, managerFromUserAgent } from './write.js';

function scaleOf(r: ResourceRequest, o: KubeObject): KubeObject {
  const custom = r.def.scaleStrategy?.replicas;
  const spec = (o['spec'] ?? {}) as { replicas?: number; selector?: unknown };
  const status = (o['status'] ?? {}) as { replicas?: number };
  const selector = r.def.scaleStrategy
    ? r.def.scaleStrategy.selector(o)
    : r.def.kind === 'ReplicationController'
      ? formatLabelSelector(fromMap(spec.selector as Record<string, string> | undefined))
      : formatLabelSelector(fromLabelSelectorObject(spec.selector) ?? []);
  // The object's identity, with the fields it lacks left out.
  const metadata: KubeObject['metadata'] = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'] as const)
    if (o.metadata[k] !== undefined) Object.assign(metadata, { [k]: o.metadata[k] });
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: custom ? custom.get(o) : (spec.replicas ?? 0) },
    status: { replicas: custom ? custom.status(o) : (status.replicas ?? 0), selector },
  };
}

export async function scale(r: ResourceRequest): Promise<ApiResponse> {
  const reg = r.parts.registry;
  const verb = r.info.verb;
  if (verb === 'get')
    return json(200, scaleOf(r, await reg.get(r.def, r.info.namespace, r.info.name)));
  const manager = fieldManager(r, managerFromUserAgent(r));
  for (let attempt = 0; ; attempt++) {
    const current = await reg.get(r.def, r.info.namespace, r.info.name);
    let wanted: KubeObject;
    if (verb === 'update') {
      wanted = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body);
    } else if (verb === 'patch') {
      const ct = String(r.ctx.req.headers['content-type'] ?? '').split(';')[0] ?? '';
      wanted = applyPatch(
        scaleOf(r, current),
        decodeJson(r.ctx.req.body),
        ct === 'application/strategic-merge-patch+json' ? 'application/merge-patch+json' : ct,
        { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      ) as KubeObject;
    } else throw methodNotAllowedWithMessage(`${verb} is not supported on scale`);
    // An absent replicas is 0, as Go decodes it (kubectl omits a zero from its body).
    const replicas = (wanted['spec'] as { replicas?: unknown } | undefined)?.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
      throw invalid('Scale', 'autoscaling', r.info.name, [
        {
          type: 'FieldValueInvalid',
          field: 'spec.replicas',
          badValue: replicas,
          detail: 'must be greater than or equal to 0',
        },
      ]);
    const rv = wanted.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion)
      throw conflict(
        groupResource(r.def),
        r.info.name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    const next = structuredClone(current);
    const custom = r.def.scaleStrategy?.replicas;
    if (custom) custom.set(next, replicas);
    else (next['spec'] as { replicas?: number }).replicas = replicas;
    try {
      const updated = await reg.update(r.def, r.info.namespace, r.info.name, next, {
        dryRun: isDryRun(r.query),
        mutateBeforeWrite: (obj, old) =>
          r.parts.fields.recordUpdate(
            r.def,
            obj,
            old,
            // Without fieldManager, the manager is the user agent's prefix (as for other writes).
            manager,
            r.ctx.now,
            'scale',
          ),
      });
      return json(200, scaleOf(r, updated));
    } catch (e) {
      if (!rv && e instanceof ApiError && e.reason === 'Conflict' && attempt < MAX_RETRIES)
        continue;
      throw e;
    }
  }
}

/** POST pods/NAME/binding: assigns the pod to a node, once. */
export async function bind(r: ResourceRequest): Promise<ApiResponse> {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body);
  const target = body['target'] as { kind?: string; name?: string } | undefined;
  if (!target?.name) throw badRequest('target.name: Required value');
  if (target.kind && target.kind !== 'Node')
    throw badRequest(`target.kind: Unsupported value: "${target.kind}": supported values: "Node"`);
  const reg = r.parts.registry;
  const pod = await reg.tryGet(r.def, r.info.namespace, r.info.name);
  if (!pod) throw notFound(groupResource(r.def), r.info.name);
  const spec = (pod['spec'] ?? {}) as { nodeName?: string };
  if (spec.nodeName)
    throw conflict(
      { group: '', resource: 'pods/binding' },
      r.info.name,
      `pod ${r.info.name} is already assigned to node "${spec.nodeName}"`,
    );
  if (pod.metadata.deletionTimestamp)
    throw conflict(
      { group: '', resource: 'pods/binding' },
      r.info.name,
      `pod ${r.info.name} is being deleted, cannot be assigned to a host`,
    );
  const next = structuredClone(pod);
  (next['spec'] as { nodeName?: string }).nodeName = target.name;
  const status = (next['status'] ??= {}) as {
    conditions?: {
      type: string;
      status: string;
      lastTransitionTime?: string | null;
      lastProbeTime?: null;
    }[];
  };
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  status.conditions.push({
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: formatTime(r.ctx.now),
  });
  // Binding bypasses the spec-immutability rules of pod updates, as the real BindingREST does.
  const key = objectKey(r.def, r.info.namespace, r.info.name);
  const kv = await reg.store.get(key);
  if (!kv) throw notFound(groupResource(r.def), r.info.name);
  const { resourceVersion: _rv, ...meta } = next.metadata;
  // A dry run is checked as a real binding is, and answered the same, but not written.
  if (!isDryRun(r.query))
    await reg.store.update(key, JSON.stringify({ ...next, metadata: meta }), kv.modRevision);
  return json(201, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 201,
  });
}
