// What a Job and a CronJob's job template share: kube's validateJobSpec (counts, back-off,
// completion mode, pod replacement, the pod template and its restart policy), with
// pkg/apis/batch/validation's field paths and messages.

import type { FieldError } from '../../types.js';
import {
  duplicate,
  invalidValue,
  isQualifiedName,
  notSupported,
  required,
} from '../../validation/common.js';
import { tooMany } from '../kindutil.js';
import { goLiteral } from '../../go-literal.js';
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

const MAX_FAILURE_POLICY_RULES = 20;
const MAX_EXIT_CODE_VALUES = 255;
const MAX_CONDITION_PATTERNS = 20;
const EXIT_CODE_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
/** Go's %q of a string slice: `["a" "b"]`. */
const goQuoted = (xs: string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** validatePodFailurePolicyRuleOnExitCodes. */
function validateOnExitCodes(req: Obj, field: string, containerNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const op = req.operator;
  if (!isSet(op) || op === '')
    errs.push(required(`${field}.operator`, `valid values: ${goQuoted(EXIT_CODE_OPERATORS)}`));
  else if (!EXIT_CODE_OPERATORS.includes(str(op)))
    errs.push(notSupported(`${field}.operator`, op, EXIT_CODE_OPERATORS));
  if (isSet(req.containerName) && !containerNames.has(str(req.containerName)))
    errs.push(
      invalidValue(
        `${field}.containerName`,
        req.containerName,
        'must be one of the container or initContainer names in the pod template',
      ),
    );
  const values = Array.isArray(req.values) ? (req.values as unknown[]) : [];
  // []int32 as Go's %#v prints it.
  const shown = goLiteral(
    Array.isArray(req.values) ? `[]int32{${values.join(', ')}}` : '[]int32(nil)',
  );
  if (!values.length)
    errs.push(invalidValue(`${field}.values`, shown, 'at least one value is required'));
  else if (values.length > MAX_EXIT_CODE_VALUES)
    errs.push(tooMany(`${field}.values`, values.length, MAX_EXIT_CODE_VALUES));
  const seen = new Set<unknown>();
  let ordered = true;
  values.forEach((v, j) => {
    const at = `${field}.values[${j}]`;
    if (op === 'In' && v === 0) errs.push(invalidValue(at, v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(duplicate(at, v));
    else seen.add(v);
    if (j > 0 && Number(values[j - 1]) > Number(v)) ordered = false;
  });
  if (!ordered) errs.push(invalidValue(`${field}.values`, shown, 'must be ordered'));
  return errs;
}

/** validatePodFailurePolicyRuleOnPodConditions. */
function validateOnPodConditions(patterns: unknown[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_CONDITION_PATTERNS)
    errs.push(tooMany(field, patterns.length, MAX_CONDITION_PATTERNS));
  patterns.forEach((p, j) => {
    const pattern = obj(p) ?? {};
    const at = `${field}[${j}]`;
    for (const msg of isQualifiedName(str(pattern.type)))
      errs.push(invalidValue(`${at}.type`, str(pattern.type), msg));
    const status = pattern.status;
    if (!isSet(status) || status === '')
      errs.push(required(`${at}.status`, `valid values: ${goQuoted(CONDITION_STATUSES)}`));
    else if (!CONDITION_STATUSES.includes(str(status)))
      errs.push(notSupported(`${at}.status`, status, CONDITION_STATUSES));
  });
  return errs;
}

/**
 * field.Invalid with field.OmitValueType{}: Go prints `Invalid value: <detail>`, no value. The
 * detail is the printed "value" here, which renders the same text.
 */
const invalidNoValue = (field: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  badValue: goLiteral(detail),
});

/**
 * validatePodFailurePolicy: at most 20 rules, each with a known action (FailIndex only with
 * per-index back-off), exactly one of onExitCodes and onPodConditions, and well-formed exit
 * codes and condition patterns.
 */
function validatePodFailurePolicy(spec: Obj, policy: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = Array.isArray(policy.rules) ? (policy.rules as unknown[]) : [];
  if (rules.length > MAX_FAILURE_POLICY_RULES)
    errs.push(tooMany(`${field}.rules`, rules.length, MAX_FAILURE_POLICY_RULES));
  const podSpec = obj(obj(spec.template)?.spec) ?? {};
  const containerNames = new Set(
    ['containers', 'initContainers'].flatMap((k) =>
      (Array.isArray(podSpec[k]) ? (podSpec[k] as unknown[]) : []).map((c) => str(obj(c)?.name)),
    ),
  );
  rules.forEach((r, i) => {
    const rule = obj(r) ?? {};
    const at = `${field}.rules[${i}]`;
    const action = rule.action;
    if (!isSet(action) || action === '')
      errs.push(required(`${at}.action`, `valid values: ${goQuoted(FAILURE_POLICY_ACTIONS)}`));
    else if (action === 'FailIndex') {
      if (!isSet(spec.backoffLimitPerIndex))
        errs.push(
          invalidValue(`${at}.action`, action, 'requires the backoffLimitPerIndex to be set'),
        );
    } else if (!FAILURE_POLICY_ACTIONS.includes(str(action)))
      errs.push(notSupported(`${at}.action`, action, FAILURE_POLICY_ACTIONS));
    const onExitCodes = obj(rule.onExitCodes);
    if (onExitCodes)
      errs.push(...validateOnExitCodes(onExitCodes, `${at}.onExitCodes`, containerNames));
    const onPodConditions = Array.isArray(rule.onPodConditions)
      ? (rule.onPodConditions as unknown[])
      : [];
    if (onPodConditions.length)
      errs.push(...validateOnPodConditions(onPodConditions, `${at}.onPodConditions`));
    if (onExitCodes && onPodConditions.length)
      errs.push(
        invalidNoValue(at, 'specifying both OnExitCodes and OnPodConditions is not supported'),
      );
    if (!onExitCodes && !onPodConditions.length)
      errs.push(
        invalidNoValue(at, 'specifying one of OnExitCodes and OnPodConditions is required'),
      );
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
    errs.push(...validatePodFailurePolicy(spec, failurePolicy, `${field}.podFailurePolicy`));
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
