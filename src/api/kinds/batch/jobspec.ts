// What a Job and a CronJob's job template share: kube's validateJobSpec (counts, back-off,
// completion mode, pod replacement, the pod template and its restart policy), with
// pkg/apis/batch/validation's field paths and messages.

import type { FieldError } from '../../types.js';
import { invalidValue, notSupported, required } from '../../validation/common.js';
import { nonNegative, obj, str, validatePodTemplateSpec } from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';

/** The most pods an Indexed job may run at once (maxParallelismForIndexedJob). */
export const MAX_PARALLELISM_INDEXED = 100_000;
/** Above this many completions an Indexed job's parallelism is capped lower. */
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT = 100_000;

export const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const POD_REPLACEMENT_POLICIES = ['TerminatingOrFailed', 'Failed'];
const FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

const isSet = (v: unknown): boolean => v !== undefined && v !== null;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** validateParallelismAndCompletions. */
function validateCounts(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(spec.parallelism)) errs.push(...nonNegative(spec.parallelism, `${field}.parallelism`));
  if (isSet(spec.completions)) errs.push(...nonNegative(spec.completions, `${field}.completions`));
  const completions = num(spec.completions);
  const parallelism = num(spec.parallelism);
  if (
    spec.completionMode === 'Indexed' &&
    completions !== undefined &&
    completions > COMPLETIONS_SOFT_LIMIT &&
    parallelism !== undefined &&
    parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS
  )
    errs.push(
      invalidValue(
        `${field}.parallelism`,
        parallelism,
        `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with indexed completion mode`,
      ),
    );
  return errs;
}

/** The completion-mode rules: Indexed needs completions; per-index back-off needs Indexed. */
function validateCompletionMode(spec: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mode = spec.completionMode;
  if (isSet(mode) && !COMPLETION_MODES.includes(str(mode)))
    errs.push(notSupported(`${field}.completionMode`, mode, COMPLETION_MODES));
  if (mode === 'Indexed') {
    if (!isSet(spec.completions))
      errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
    const parallelism = num(spec.parallelism);
    if (parallelism !== undefined && parallelism > MAX_PARALLELISM_INDEXED)
      errs.push(
        invalidValue(
          `${field}.parallelism`,
          parallelism,
          `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`,
        ),
      );
    const maxFailed = num(spec.maxFailedIndexes);
    const completions = num(spec.completions);
    if (maxFailed !== undefined && completions !== undefined && maxFailed > completions)
      errs.push(
        invalidValue(
          `${field}.maxFailedIndexes`,
          maxFailed,
          'must be less than or equal to completions',
        ),
      );
    if (maxFailed !== undefined && maxFailed > MAX_FAILED_INDEXES_LIMIT)
      errs.push(
        invalidValue(
          `${field}.maxFailedIndexes`,
          maxFailed,
          `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT}`,
        ),
      );
  }
  if (!isSet(mode) || mode === 'NonIndexed') {
    for (const k of ['backoffLimitPerIndex', 'maxFailedIndexes'])
      if (isSet(spec[k]))
        errs.push(invalidValue(`${field}.${k}`, spec[k], 'requires indexed completion mode'));
  }
  return errs;
}

/** The parts of validatePodFailurePolicy Skiff checks: each rule's action. */
function validatePodFailurePolicy(policy: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  rules.forEach((r, i) => {
    const rule = obj(r) ?? {};
    const action = rule.action;
    if (!isSet(action) || action === '') errs.push(required(`${field}.rules[${i}].action`));
    else if (!FAILURE_POLICY_ACTIONS.includes(str(action)))
      errs.push(notSupported(`${field}.rules[${i}].action`, action, FAILURE_POLICY_ACTIONS));
  });
  return errs;
}

/** validateJobSpec (the part a Job and a CronJob's job template share). */
export function validateJobSpecBody(spec: Obj, field: string): FieldError[] {
  const errs = validateCounts(spec, field);
  for (const k of ['activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished'])
    if (isSet(spec[k])) errs.push(...nonNegative(spec[k], `${field}.${k}`));
  if (isSet(spec.backoffLimitPerIndex))
    errs.push(...nonNegative(spec.backoffLimitPerIndex, `${field}.backoffLimitPerIndex`));
  if (isSet(spec.maxFailedIndexes)) {
    errs.push(...nonNegative(spec.maxFailedIndexes, `${field}.maxFailedIndexes`));
    if (!isSet(spec.backoffLimitPerIndex))
      errs.push(required(`${field}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  errs.push(...validateCompletionMode(spec, field));
  const failurePolicy = obj(spec.podFailurePolicy);
  if (failurePolicy)
    errs.push(...validatePodFailurePolicy(failurePolicy, `${field}.podFailurePolicy`));
  const replacement = spec.podReplacementPolicy;
  if (isSet(replacement)) {
    if (!POD_REPLACEMENT_POLICIES.includes(str(replacement)))
      errs.push(
        notSupported(`${field}.podReplacementPolicy`, replacement, POD_REPLACEMENT_POLICIES),
      );
    else if (failurePolicy && replacement !== 'Failed')
      errs.push(notSupported(`${field}.podReplacementPolicy`, replacement, ['Failed']));
  }
  const template = obj(spec.template) ?? {};
  errs.push(...validatePodTemplateSpec(template, `${field}.template`));
  // The pod defaulter sets Always when none is given, so both mean "not chosen".
  const restart = obj(template.spec)?.restartPolicy;
  const restartField = `${field}.template.spec.restartPolicy`;
  if (restart === 'Always' || !isSet(restart) || restart === '')
    errs.push(required(restartField, 'valid values: "OnFailure", "Never"'));
  else if (restart !== 'OnFailure' && restart !== 'Never')
    errs.push(notSupported(restartField, restart, ['OnFailure', 'Never']));
  else if (failurePolicy && restart !== 'Never')
    errs.push(
      invalidValue(
        restartField,
        restart,
        'only "Never" is supported when podFailurePolicy is specified',
      ),
    );
  return errs;
}
