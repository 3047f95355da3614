// Jobs (batch/v1): SetDefaults_Job, the job strategy (the generated selector and labels,
// status reset, generation on spec change), ValidateJob/ValidateJobUpdate and the status
// strategy. The printer is in job-printer.ts.

import type { FieldError, KubeObject, ResourceDef, Strategy } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import {
  immutable,
  invalidValue,
  isDNS1123Label,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import { matchesLabels, selectorOf, validateLabelSelector } from '../../labels.js';
import { deepCopy, equalIgnoringZeroValues, isJsonObject, jsonEqual } from '../../json.js';
import {
  child,
  defaultPodTemplate,
  nonNegative,
  obj,
  specOf,
  statusOf,
  strMap,
} from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { validateJobSpecBody } from './jobspec.js';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from './labels.js';
import { JOB_COLUMNS, jobRow } from './job-printer.js';
import { goLiteral } from '../../go-literal.js';

const MAX_INT32 = 2147483647;
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** SetDefaults_Job, and the pod template's defaults. */
export function defaultJob(job: KubeObject): void {
  const spec = child(job as Obj, 'spec');
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (!isSet(spec.parallelism)) spec.parallelism = 1;
  if (!isSet(spec.backoffLimit))
    spec.backoffLimit = isSet(spec.backoffLimitPerIndex) ? MAX_INT32 : 6;
  const templateLabels = strMap(obj(obj(spec.template)?.metadata)?.labels);
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0)
    job.metadata.labels = { ...templateLabels };
  if (!isSet(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (!isSet(spec.suspend)) spec.suspend = false;
  for (const rule of Array.isArray(obj(spec.podFailurePolicy)?.rules)
    ? (obj(spec.podFailurePolicy)?.rules as unknown[])
    : [])
    for (const pattern of Array.isArray(obj(rule)?.onPodConditions)
      ? (obj(rule)?.onPodConditions as unknown[])
      : [])
      if (isJsonObject(pattern) && !pattern.status) pattern.status = 'True';
  if (!isSet(spec.podReplacementPolicy))
    spec.podReplacementPolicy = isSet(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (!isSet(spec.manualSelector)) spec.manualSelector = false;
  defaultPodTemplate(child(spec, 'template'));
}

/**
 * generateSelector: the job-name and controller-uid labels (prefixed and legacy) on the
 * template unless already there, and `batch.kubernetes.io/controller-uid` in the selector.
 * Labels the defaulter copied from the template to the Job share the map in Go, so they get
 * the generated labels too.
 */
function generateSelector(job: KubeObject): void {
  const spec = child(job as Obj, 'spec');
  const meta = child(child(spec, 'template'), 'metadata');
  const labels = (obj(meta.labels) ?? {}) as Record<string, string>;
  const jobLabelsShared =
    Object.keys(labels).length > 0 && jsonEqual(job.metadata.labels ?? {}, labels);
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL])
    if (!(k in labels)) labels[k] = uid;
  meta.labels = labels;
  if (jobLabelsShared) job.metadata.labels = { ...labels };
  const selector = child(spec, 'selector');
  const matchLabels = child(selector, 'matchLabels');
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}

/** ValidateHasLabel. */
function hasLabel(
  labels: Record<string, string>,
  field: string,
  key: string,
  want: string,
): FieldError[] {
  if (!(key in labels)) return [required(`${field}.labels[${key}]`, want)];
  if (labels[key] !== want)
    return [invalidValue(`${field}.labels[${key}]`, labels, `must be '${want}'`)];
  return [];
}

/** validateGeneratedSelector. */
function validateGeneratedSelector(job: KubeObject, prefixedLabels: boolean): FieldError[] {
  const spec = specOf(job);
  if (spec.manualSelector === true || !isSet(spec.selector)) return [];
  const errs: FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  if (!uid) errs.push(required('metadata.uid'));
  const labels = strMap(obj(obj(spec.template)?.metadata)?.labels) ?? {};
  const field = 'spec.template.metadata';
  errs.push(
    ...hasLabel(labels, field, LEGACY_CONTROLLER_UID_LABEL, uid),
    ...hasLabel(labels, field, LEGACY_JOB_NAME_LABEL, name),
  );
  const expected: Record<string, string> = {};
  if (prefixedLabels) {
    errs.push(
      ...hasLabel(labels, field, CONTROLLER_UID_LABEL, uid),
      ...hasLabel(labels, field, JOB_NAME_LABEL, name),
    );
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  const selector = selectorOf(spec.selector);
  if (selector && !matchesLabels(selector, expected))
    errs.push(invalidValue('spec.selector', spec.selector, '`selector` not auto-generated'));
  return errs;
}

/** ValidateJobSpec: the shared body, a required selector that matches the template. */
function validateJobSpec(spec: Obj): FieldError[] {
  const errs = validateJobSpecBody(spec, 'spec');
  if (!isSet(spec.selector)) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  // A missing selector is labels.Nothing(): it matches no labels at all.
  const selector = isSet(spec.selector) ? selectorOf(spec.selector) : null;
  const labels = strMap(obj(obj(spec.template)?.metadata)?.labels);
  if (selector !== undefined && (selector === null || !matchesLabels(selector, labels ?? {})))
    errs.push(
      invalidValue(
        'spec.template.metadata.labels',
        labels ?? null,
        '`selector` does not match template `labels`',
      ),
    );
  return errs;
}

/** ValidateJob. */
function validateJob(job: KubeObject, prefixedLabels: boolean): FieldError[] {
  const spec = specOf(job);
  const errs = [
    ...validateObjectMeta(job, true),
    ...validateGeneratedSelector(job, prefixedLabels),
    ...validateJobSpec(spec),
  ];
  const completions = spec.completions;
  if (spec.completionMode === 'Indexed' && typeof completions === 'number' && completions > 0) {
    // Indexed pods are named JOB-INDEX: the longest must still be a DNS label.
    const hostname = `${job.metadata.name ?? ''}-${completions - 1}`;
    if (isDNS1123Label(hostname).length)
      errs.push(
        invalidValue(
          'metadata.name',
          job.metadata.name ?? '',
          `will not able to create pod with invalid DNS label: ${hostname}`,
        ),
      );
  }
  return errs;
}

const suspended = (job: KubeObject): boolean => specOf(job).suspend === true;
const notStarted = (job: KubeObject): boolean => !isSet(statusOf(job).startTime);

/**
 * validatePodTemplateUpdate: the template is immutable, but for a suspended Job that never
 * started, whose scheduling directives (node affinity, node selector, tolerations, scheduling
 * gates) and template labels and annotations may change.
 */
function validateTemplateUpdate(spec: Obj, oldSpec: Obj, mutableScheduling: boolean): FieldError[] {
  const template = obj(spec.template) ?? {};
  let oldTemplate = obj(oldSpec.template) ?? {};
  if (mutableScheduling) {
    oldTemplate = deepCopy(oldTemplate);
    const podSpec = obj(template.spec) ?? {};
    const oldPodSpec = child(oldTemplate, 'spec');
    const affinity = obj(podSpec.affinity);
    const oldAffinity = obj(oldPodSpec.affinity);
    if (!affinity && oldAffinity) {
      delete oldAffinity.nodeAffinity;
      if (Object.keys(oldAffinity).length === 0) delete oldPodSpec.affinity;
    } else if (affinity && !oldAffinity) {
      oldPodSpec.affinity = isSet(affinity.nodeAffinity)
        ? { nodeAffinity: affinity.nodeAffinity }
        : {};
    } else if (affinity && oldAffinity) {
      if (isSet(affinity.nodeAffinity)) oldAffinity.nodeAffinity = affinity.nodeAffinity;
      else delete oldAffinity.nodeAffinity;
    }
    for (const k of ['nodeSelector', 'tolerations', 'schedulingGates'])
      if (isSet(podSpec[k])) oldPodSpec[k] = podSpec[k];
      else delete oldPodSpec[k];
    const meta = obj(template.metadata) ?? {};
    const oldMeta = child(oldTemplate, 'metadata');
    for (const k of ['labels', 'annotations'])
      if (isSet(meta[k])) oldMeta[k] = meta[k];
      else delete oldMeta[k];
  }
  return equalIgnoringZeroValues(template, oldTemplate)
    ? []
    : [invalidValue('spec.template', template, 'field is immutable')];
}

/** validateCompletions: immutable, but an Indexed job may change it with parallelism. */
function validateCompletionsUpdate(spec: Obj, oldSpec: Obj): FieldError[] {
  if (spec.completionMode !== 'Indexed')
    return immutable(spec.completions ?? null, oldSpec.completions ?? null, 'spec.completions');
  if (jsonEqual(spec.completions ?? null, oldSpec.completions ?? null) || !isSet(spec.completions))
    return [];
  return spec.completions !== spec.parallelism
    ? [
        invalidValue(
          'spec.completions',
          spec.completions,
          'can only be modified in tandem with spec.parallelism',
        ),
      ]
    : [];
}

/** ValidateJobUpdate (the spec rules; ValidateJob runs beside it). */
function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(job);
  const oldSpec = specOf(old);
  const mutableScheduling = suspended(old) && notStarted(old);
  const errs = [
    ...validateCompletionsUpdate(spec, oldSpec),
    ...immutable(spec.selector ?? null, oldSpec.selector ?? null, 'spec.selector'),
    ...validateTemplateUpdate(spec, oldSpec, mutableScheduling),
  ];
  for (const k of [
    'completionMode',
    'podFailurePolicy',
    'backoffLimitPerIndex',
    'managedBy',
    'successPolicy',
  ])
    errs.push(...immutable(spec[k] ?? null, oldSpec[k] ?? null, `spec.${k}`));
  return errs;
}

const STATUS_COUNTERS = ['active', 'succeeded', 'failed', 'ready', 'terminating'];

/** ValidateJobStatusUpdate: the counters never go negative; uncounted UIDs are not repeated. */
export function validateJobStatusUpdate(job: KubeObject, old?: KubeObject): FieldError[] {
  const s = statusOf(job);
  const errs: FieldError[] = old ? validateStatusTransition(job, old) : [];
  for (const k of STATUS_COUNTERS) if (isSet(s[k])) errs.push(...nonNegative(s[k], `status.${k}`));
  const uncounted = obj(s.uncountedTerminatedPods) ?? {};
  for (const k of ['succeeded', 'failed']) {
    const uids = Array.isArray(uncounted[k]) ? (uncounted[k] as unknown[]) : [];
    const seen = new Set<unknown>();
    uids.forEach((u, i) => {
      const field = `status.uncountedTerminatedPods.${k}[${i}]`;
      if (u === '' || !isSet(u)) errs.push(invalidValue(field, u ?? '', 'must not be empty'));
      else if (seen.has(u)) errs.push({ type: 'FieldValueDuplicate', field, badValue: u });
      seen.add(u);
    });
  }
  return errs;
}

const conditionTrue = (job: KubeObject, type: string): boolean =>
  (Array.isArray(statusOf(job).conditions) ? (statusOf(job).conditions as unknown[]) : []).some(
    (c) => obj(c)?.type === type && obj(c)?.status === 'True',
  );

/**
 * The status transitions kube 1.33 refuses (JobManagedBy's stricter rules, so that whoever
 * writes the status keeps it believable): counters going down (succeeded may, for an
 * elastic Indexed job) and a terminal condition switched off.
 */
function validateStatusTransition(job: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const s = statusOf(job);
  const o = statusOf(old);
  for (const type of ['Failed', 'Complete', 'FailureTarget'])
    if (conditionTrue(old, type) && !conditionTrue(job, type))
      errs.push({
        type: 'FieldValueInvalid',
        field: 'status.conditions',
        // field.OmitValueType{}: no value printed.
        badValue: goLiteral(`cannot disable the terminal ${type}=True condition`),
      });
  const spec = specOf(job);
  if (typeof s.failed === 'number' || typeof o.failed === 'number')
    if (Number(s.failed ?? 0) < Number(o.failed ?? 0))
      errs.push(invalidValue('status.failed', s.failed ?? 0, 'cannot decrease the failed counter'));
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  if (!elastic && Number(s.succeeded ?? 0) < Number(o.succeeded ?? 0))
    errs.push(
      invalidValue('status.succeeded', s.succeeded ?? 0, 'cannot decrease the succeeded counter'),
    );
  return errs;
}

function prepareForCreate(job: KubeObject): void {
  job.metadata.generation = 1;
  job.status = {};
  if (specOf(job).manualSelector !== true) generateSelector(job);
}

function prepareForUpdate(job: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete job.status;
  else job.status = deepCopy(old.status);
  const changed = !equalIgnoringZeroValues(job.spec, old.spec);
  job.metadata.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
}

/** The jobs/status strategy: the spec stays as it was. */
function prepareForStatusUpdate(job: KubeObject, old: KubeObject): void {
  job.spec = deepCopy(old.spec);
}

export const jobStrategy: Strategy = {
  defaults: (job) => defaultJob(job),
  prepareForCreate: (job) => prepareForCreate(job),
  prepareForUpdate,
  validate: (job) => validateJob(job, true),
  validateUpdate: (job, old) => validateJobUpdate(job, old),
  columns: JOB_COLUMNS,
  row: jobRow,
  tracksGeneration: true,
};

export const jobResource: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  listKind: 'JobList',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: jobStrategy,
  // batch/v1 keeps the pods of a deleted Job unless told otherwise (for compatibility).
  orphansByDefault: {
    warning:
      'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
  },
  statusStrategy: {
    prepareForUpdate: prepareForStatusUpdate,
    validateUpdate: (job, old) => validateJobStatusUpdate(job, old),
  },
};
