// POST pods/NAME/eviction (kube's pkg/registry/core/pod/storage/eviction.go): a policy/v1 (or
// v1beta1) Eviction deletes the pod with its deleteOptions, unless the pod's disruption
// budget forbids it.
//
// - A pod that is terminal, Pending or already being deleted is deleted without looking at
//   budgets (with a resourceVersion precondition unless it is terminal or going).
// - No budget selects the pod: it is deleted. More than one: a Failure Status, code 500.
// - A pod that is not ready is deleted without spending the budget when the budget says
//   AlwaysAllow, or (IfHealthyBudget, the default) when it is healthy enough already.
// - Otherwise one allowed disruption is taken from the budget's status, the pod noted in
//   status.disruptedPods (a resourceVersion-checked status write, retried on conflicts), then
//   the pod is deleted. None allowed, or the status not yet observed: 429 TooManyRequests.
// Before the delete the pod gets the DisruptionTarget condition (EvictionByEvictionAPI).

import {
  ApiError,
  badRequest,
  conflict,
  forbidden,
  internalError,
  notFound,
} from '../../api/errors.js';
import { jsonEqual } from '../../api/json.js';
import { matchesLabels, selectorOf } from '../../api/labels.js';
import { pdb as pdbKind } from '../../api/kinds/index.js';
import { formatTime } from '../../api/time.js';
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { decodeObjectBody } from '../negotiate.js';
import { groupResource } from '../registry/generic.js';
import type { DeleteOptions } from '../registry/types.js';
import { json } from '../respond.js';
import type { ApiResponse } from '../types.js';
import { isDryRun, type ResourceRequest } from './context.js';

/** EvictionsRetry's steps. */
const RETRIES = 20;
/** MaxDisruptedPodSize. */
const MAX_DISRUPTED_PODS = 2000;

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];
export const VIOLATION_MESSAGE =
  "Cannot evict pod as it would violate the pod's disruption budget.";
export const MULTIPLE_BUDGETS_MESSAGE =
  'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.';

interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: Record<string, unknown>[] };
}

interface Budget extends KubeObject {
  spec?: { selector?: unknown; unhealthyPodEvictionPolicy?: string };
  status?: pdbKind.PdbStatus & {
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptedPods?: Record<string, string>;
  };
}

const isConflict = (e: unknown): boolean => e instanceof ApiError && e.reason === 'Conflict';

/** The DisruptionBudget cause's type (policyv1.DisruptionBudgetCause). */
const cause = (message: string): { reason: string; message: string } => ({
  reason: 'DisruptionBudget',
  message,
});

/** createTooManyRequestsError: the budget's status is behind its spec. */
export function budgetNotObserved(name: string): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION_MESSAGE, {
    retryAfterSeconds: 10,
    causes: [cause(`The disruption budget ${name} is still being processed by the server.`)],
  });
}

/** No disruption allowed now (RetryAfterSeconds 0, which Go leaves out). */
export function budgetExhausted(name: string, desired: number, current: number): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION_MESSAGE, {
    causes: [
      cause(
        `The disruption budget ${name} needs ${desired} healthy pods and has ${current} currently`,
      ),
    ],
  });
}

const isTerminal = (pod: PodLike): boolean =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** canIgnorePDB. */
const canIgnoreBudget = (pod: PodLike): boolean =>
  isTerminal(pod) || pod.status?.phase === 'Pending' || !!pod.metadata.deletionTimestamp;

/** shouldEnforceResourceVersion. */
const enforceResourceVersion = (pod: PodLike): boolean =>
  !isTerminal(pod) && !pod.metadata.deletionTimestamp;

const isReady = (pod: PodLike): boolean =>
  (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const rvUnset = (o: DeleteOptions): boolean => !o.preconditions?.resourceVersion;

const withResourceVersion = (o: DeleteOptions, rv: string | undefined): DeleteOptions => ({
  ...o,
  preconditions: { ...(o.preconditions ?? {}), ...(rv ? { resourceVersion: rv } : {}) },
});

function lookup(r: ResourceRequest, group: string, plural: string): ResourceDef {
  const def = r.parts.table.lookup(group, 'v1', plural);
  if (!def) throw internalError(new Error(`${plural} are not served`));
  return def;
}

/** The Eviction's deleteOptions with the request's dryRun (propagateDryRun). */
function deleteOptionsOf(r: ResourceRequest, eviction: KubeObject): DeleteOptions {
  const given = eviction['deleteOptions'] as (DeleteOptions & Record<string, unknown>) | undefined;
  const queryDryRun = r.query.getAll('dryRun');
  if (!given) return queryDryRun.length ? { dryRun: queryDryRun } : {};
  const { kind: _k, apiVersion: _a, ...options } = given;
  const bodyDryRun = Array.isArray(options.dryRun) ? options.dryRun : [];
  if (bodyDryRun.length === 0) {
    if (queryDryRun.length) options.dryRun = queryDryRun;
    return options;
  }
  if (queryDryRun.length && !jsonEqual(queryDryRun, bodyDryRun))
    throw internalError(
      new Error(
        `Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${bodyDryRun.join(' ')}]`,
      ),
    );
  return options;
}

function decodeEviction(r: ResourceRequest): KubeObject {
  const body = decodeObjectBody(r.ctx.req.headers['content-type'], r.ctx.req.body);
  const gv = typeof body.apiVersion === 'string' ? body.apiVersion : 'policy/v1';
  const kind = typeof body.kind === 'string' ? body.kind : 'Eviction';
  if (kind !== 'Eviction' || !EVICTION_VERSIONS.includes(gv)) {
    const version = gv.split('/').pop() ?? '';
    throw badRequest(
      `${kind} in version "${version}" cannot be handled as a Eviction: converting (${version}.${kind}) to (policy.Eviction): unknown conversion`,
    );
  }
  const meta = (body.metadata ?? {}) as KubeObject['metadata'];
  if (meta.namespace && meta.namespace !== r.info.namespace)
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  if ((meta.name ?? '') !== r.info.name)
    throw badRequest('name in URL does not match name in Eviction object');
  return body;
}

/** The budgets whose (non-empty, valid) selector matches the pod's labels. */
async function budgetsOf(r: ResourceRequest, def: ResourceDef, pod: PodLike): Promise<Budget[]> {
  const list = await r.parts.registry.list(def, { namespace: pod.metadata.namespace ?? '' });
  return (list.items as Budget[]).filter((b) => {
    const sel = selectorOf(b.spec?.selector);
    return !!sel && sel.length > 0 && matchesLabels(sel, pod.metadata.labels);
  });
}

/** checkAndDecrement: takes one allowed disruption from the budget, noting the pod. */
async function checkAndDecrement(
  r: ResourceRequest,
  def: ResourceDef,
  budget: Budget,
  podName: string,
  dryRun: boolean,
): Promise<void> {
  const name = budget.metadata.name ?? '';
  const status = budget.status ?? {};
  if ((status.observedGeneration ?? 0) < (budget.metadata.generation ?? 0))
    throw budgetNotObserved(name);
  const allowed = status.disruptionsAllowed ?? 0;
  const gr = { group: 'policy', resource: 'poddisruptionbudget' };
  if (allowed < 0) throw forbidden(gr, name, 'pdb disruptions allowed is negative');
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
    throw forbidden(
      gr,
      name,
      'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
    );
  if (allowed === 0)
    throw budgetExhausted(name, status.desiredHealthy ?? 0, status.currentHealthy ?? 0);
  const next = structuredClone(budget);
  const nextStatus = (next.status ??= {});
  nextStatus.disruptionsAllowed = allowed - 1;
  if (nextStatus.disruptionsAllowed === 0)
    pdbKind.updateDisruptionAllowedCondition(nextStatus, r.ctx.now);
  if (dryRun) return;
  nextStatus.disruptedPods = {
    ...(nextStatus.disruptedPods ?? {}),
    [podName]: formatTime(r.ctx.now),
  };
  // Written as kube-apiserver's loopback client writes it (its user agent names the manager).
  await r.parts.registry.update(def, budget.metadata.namespace ?? '', name, next, {
    subresource: 'status',
    mutateBeforeWrite: (obj, old) =>
      r.parts.fields.recordUpdate(def, obj, old, 'kube-apiserver', r.ctx.now, 'status'),
  });
}

/**
 * addConditionAndDeletePod: the DisruptionTarget condition on the pod as it is now (the
 * preconditions checked against it), then the delete; a resourceVersion precondition follows
 * the pod's new version.
 */
async function markAndDelete(r: ResourceRequest, opts: DeleteOptions): Promise<void> {
  const reg = r.parts.registry;
  const { namespace, name } = r.info;
  let options = opts;
  if (!(opts.dryRun ?? []).includes('All')) {
    const latest = (await reg.get(r.def, namespace, name)) as PodLike;
    const gr = groupResource(r.def);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== latest.metadata.uid)
      throw conflict(
        gr,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${latest.metadata.uid ?? ''}). The object might have been deleted and then recreated`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== latest.metadata.resourceVersion)
      throw conflict(
        gr,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${latest.metadata.resourceVersion ?? ''}). The object might have been modified`,
      );
    const next = structuredClone(latest);
    const status = (next.status ??= {});
    const conditions = (status.conditions ??= []);
    const want = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
    };
    const at = conditions.findIndex((c) => c.type === want.type);
    const old = at < 0 ? undefined : conditions[at];
    const made = {
      ...want,
      lastProbeTime: null,
      lastTransitionTime:
        old && old.status === want.status ? old.lastTransitionTime : formatTime(r.ctx.now),
    };
    if (at < 0) conditions.push(made);
    else conditions[at] = made;
    const updated = await reg.update(r.def, namespace, name, next, { subresource: 'status' });
    if (!rvUnset(options)) options = withResourceVersion(options, updated.metadata.resourceVersion);
  }
  await reg.delete(r.def, namespace, name, options);
}

const SUCCESS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

export async function evict(r: ResourceRequest): Promise<ApiResponse> {
  const eviction = decodeEviction(r);
  const original = deleteOptionsOf(r, eviction);
  const reg = r.parts.registry;
  const { namespace, name } = r.info;

  // Pods whose budgets do not count: deleted straight away.
  let pod: PodLike | undefined;
  for (let attempt = 0; ; attempt++) {
    const current = (await reg.tryGet(r.def, namespace, name)) as PodLike | undefined;
    if (!current) throw notFound(groupResource(r.def), name);
    pod = current;
    if (!canIgnoreBudget(pod)) break;
    const options =
      enforceResourceVersion(pod) && rvUnset(original)
        ? withResourceVersion(original, pod.metadata.resourceVersion)
        : original;
    try {
      await markAndDelete(r, options);
      return json(201, SUCCESS);
    } catch (e) {
      if (isConflict(e) && rvUnset(original) && attempt < RETRIES - 1) continue;
      throw e;
    }
  }

  const def = lookup(r, 'policy', 'poddisruptionbudgets');
  const budgets = await budgetsOf(r, def, pod);
  if (budgets.length > 1)
    // Returned as the create's result, not as an error: the response is a 201 carrying it.
    return json(201, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: MULTIPLE_BUDGETS_MESSAGE,
      code: 500,
    });

  let spareBudget = false;
  const budget = budgets[0];
  if (budget) {
    const status = budget.status ?? {};
    const unhealthy = !isReady(pod);
    if (
      unhealthy &&
      (budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' ||
        ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) &&
          (status.desiredHealthy ?? 0) > 0))
    )
      spareBudget = true;
    else {
      const dryRun = (original.dryRun ?? []).includes('All') || isDryRun(r.query);
      let current: Budget = budget;
      for (let attempt = 0; ; attempt++) {
        try {
          await checkAndDecrement(r, def, current, name, dryRun);
          break;
        } catch (e) {
          if (!isConflict(e)) throw e;
          if (attempt >= RETRIES - 1)
            throw new ApiError(
              504,
              'Timeout',
              `Timeout: couldn't update PodDisruptionBudget "${budget.metadata.name ?? ''}" due to conflicts`,
              { retryAfterSeconds: 10 },
            );
          current = (await reg.get(def, namespace, budget.metadata.name ?? '')) as Budget;
        }
      }
    }
  }

  // Spared budgets: the pod must not have become ready since it was read.
  const options = spareBudget
    ? withResourceVersion(original, pod.metadata.resourceVersion)
    : original;
  try {
    await markAndDelete(r, options);
  } catch (e) {
    if (isConflict(e) && spareBudget && rvUnset(original))
      throw budgetNotObserved(budget?.metadata.name ?? '');
    throw e;
  }
  return json(201, SUCCESS);
}
