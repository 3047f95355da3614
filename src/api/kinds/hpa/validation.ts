// ValidateHorizontalPodAutoscaler (pkg/apis/autoscaling/validation) on the autoscaling/v2
// shape: replica bounds, the scale target reference, each metric by its source type, and the
// scaling behavior's rules and policies, with kube's field paths and messages.

import type { FieldError, KubeObject } from '../../types.js';
import { parseQuantity, QUANTITY_FORMAT_MSG } from '../../quantity.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  notSupported,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import { asArr, asObj, asStr, isPathSegmentName, specOf, statusOf, type Obj } from '../kindutil.js';
import { nonNegative } from '../podspec/index.js';

/** MaxPeriodSeconds and MaxStabilizationWindowSeconds. */
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
/** The field each source type fills, in the order kube looks at them. */
const SOURCE_FIELDS: readonly [string, string][] = [
  ['object', 'Object'],
  ['external', 'External'],
  ['pods', 'Pods'],
  ['resource', 'Resource'],
  ['containerResource', 'ContainerResource'],
];

const isSet = (v: unknown): boolean => v !== undefined && v !== null;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** ValidateCrossVersionObjectReference. */
export function validateObjectReference(ref: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['kind', 'name']) {
    const v = asStr(ref[key]);
    if (!v) errs.push(required(`${field}.${key}`));
    else for (const msg of isPathSegmentName(v)) errs.push(invalidValue(`${field}.${key}`, v, msg));
  }
  return errs;
}

/** A quantity field of a target: well-formed, and positive when set. */
function positiveQuantity(v: unknown, field: string): FieldError[] {
  if (!isSet(v)) return [];
  const q = parseQuantity(v);
  if (!q) return [invalidValue(field, v, QUANTITY_FORMAT_MSG)];
  return q.n > 0n ? [] : [invalidValue(field, v, 'must be positive')];
}

/** validateMetricTarget. */
function validateTarget(t: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = asStr(t.type);
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type))
    errs.push(
      invalidValue(`${field}.type`, type, 'must be either Utilization, Value, or AverageValue'),
    );
  errs.push(...positiveQuantity(t.value, `${field}.value`));
  errs.push(...positiveQuantity(t.averageValue, `${field}.averageValue`));
  if (isSet(t.averageUtilization) && num(t.averageUtilization) < 1)
    errs.push(
      invalidValue(`${field}.averageUtilization`, t.averageUtilization, 'must be greater than 0'),
    );
  return errs;
}

/** validateMetricIdentifier. */
function validateIdentifier(id: Obj, field: string): FieldError[] {
  const name = asStr(id.name);
  if (!name) return [required(`${field}.name`, 'must specify a metric name')];
  return isPathSegmentName(name).map((msg) => invalidValue(`${field}.name`, name, msg));
}

function validateResourceSource(src: Obj, field: string, container: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!asStr(src.name)) errs.push(required(`${field}.name`, 'must specify a resource name'));
  if (container) {
    const c = asStr(src.container);
    if (!c) errs.push(required(`${field}.container`, 'must specify a container'));
    else for (const msg of isDNS1123Label(c)) errs.push(invalidValue(`${field}.container`, c, msg));
  }
  const target = asObj(src.target) ?? {};
  errs.push(...validateTarget(target, `${field}.target`));
  const hasUtilization = isSet(target.averageUtilization);
  const hasValue = isSet(target.averageValue);
  if (!hasUtilization && !hasValue)
    errs.push(
      required(
        `${field}.target.averageUtilization`,
        'must set either a target raw value or a target utilization',
      ),
    );
  if (hasUtilization && hasValue)
    errs.push(
      forbiddenField(
        `${field}.target.averageValue`,
        'may not set both a target raw value and a target utilization',
      ),
    );
  return errs;
}

function validateSource(key: string, src: Obj, field: string): FieldError[] {
  const target = asObj(src.target) ?? {};
  switch (key) {
    case 'object': {
      const errs = [
        ...validateObjectReference(asObj(src.describedObject) ?? {}, `${field}.describedObject`),
        ...validateIdentifier(asObj(src.metric) ?? {}, `${field}.metric`),
        ...validateTarget(target, `${field}.target`),
      ];
      if (!isSet(target.value) && !isSet(target.averageValue))
        errs.push(
          required(
            `${field}.target.averageValue`,
            'must set either a target value or averageValue',
          ),
        );
      return errs;
    }
    case 'external': {
      const errs = [
        ...validateIdentifier(asObj(src.metric) ?? {}, `${field}.metric`),
        ...validateTarget(target, `${field}.target`),
      ];
      if (!isSet(target.value) && !isSet(target.averageValue))
        errs.push(
          required(
            `${field}.target.averageValue`,
            'must set either a target value for metric or a per-pod target',
          ),
        );
      if (isSet(target.value) && isSet(target.averageValue))
        errs.push(
          forbiddenField(
            `${field}.target.value`,
            'may not set both a target value for metric and a per-pod target',
          ),
        );
      return errs;
    }
    case 'pods': {
      const errs = [
        ...validateIdentifier(asObj(src.metric) ?? {}, `${field}.metric`),
        ...validateTarget(target, `${field}.target`),
      ];
      if (!isSet(target.averageValue))
        errs.push(
          required(`${field}.target.averageValue`, 'must specify a positive target averageValue'),
        );
      return errs;
    }
    case 'resource':
      return validateResourceSource(src, field, false);
    default:
      return validateResourceSource(src, field, true);
  }
}

/** validateMetricSpec. */
function validateMetricSpec(m: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = asStr(m.type);
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type))
    errs.push(notSupported(`${field}.type`, type, METRIC_SOURCE_TYPES));
  const present: string[] = [];
  for (const [key] of SOURCE_FIELDS) {
    const src = asObj(m[key]);
    if (!src) continue;
    present.push(key);
    // Only the first source present is validated.
    if (present.length === 1) errs.push(...validateSource(key, src, `${field}.${key}`));
  }
  const expected = SOURCE_FIELDS.find(([, t]) => t === type)?.[0];
  if (expected && !present.includes(expected))
    errs.push(
      required(`${field}.${expected}`, 'must populate information for the given metric source'),
    );
  if (present.length > 1)
    for (const key of present.filter((k) => k !== expected).sort())
      errs.push(forbiddenField(`${field}.${key}`, 'must populate the given metric source only'));
  return errs;
}

function validateMetrics(metrics: unknown, minReplicas: unknown): FieldError[] {
  const errs: FieldError[] = [];
  let objectOrExternal = false;
  asArr(metrics).forEach((m, i) => {
    const spec = asObj(m) ?? {};
    errs.push(...validateMetricSpec(spec, `spec.metrics[${i}]`));
    if (spec.type === 'Object' || spec.type === 'External') objectOrExternal = true;
  });
  if (minReplicas === 0 && !objectOrExternal)
    errs.push(
      forbiddenField(
        'spec.metrics',
        'must specify at least one Object or External metric to support scaling to zero replicas',
      ),
    );
  return errs;
}

/** validateScalingRules. */
function validateScalingRules(rules: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (isSet(window) && num(window) < 0)
    errs.push(
      invalidValue(
        `${field}.stabilizationWindowSeconds`,
        window,
        'must be greater than or equal to zero',
      ),
    );
  if (isSet(window) && num(window) > MAX_STABILIZATION_WINDOW_SECONDS)
    errs.push(
      invalidValue(
        `${field}.stabilizationWindowSeconds`,
        window,
        `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`,
      ),
    );
  if (isSet(rules.selectPolicy) && !SELECT_POLICIES.includes(asStr(rules.selectPolicy)))
    errs.push(notSupported(`${field}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES));
  const policies = asArr(rules.policies);
  if (policies.length === 0)
    errs.push(required(`${field}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const policy = asObj(p) ?? {};
    const f = `${field}.policies[${i}]`;
    if (!POLICY_TYPES.includes(asStr(policy.type)))
      errs.push(notSupported(`${f}.type`, asStr(policy.type), POLICY_TYPES));
    if (num(policy.value) <= 0)
      errs.push(invalidValue(`${f}.value`, num(policy.value), 'must be greater than zero'));
    const period = num(policy.periodSeconds);
    if (period <= 0)
      errs.push(invalidValue(`${f}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS)
      errs.push(
        invalidValue(
          `${f}.periodSeconds`,
          period,
          `must be less than or equal to ${MAX_PERIOD_SECONDS}`,
        ),
      );
  });
  return errs;
}

function validateBehavior(behavior: unknown): FieldError[] {
  const b = asObj(behavior);
  if (!b) return [];
  const errs: FieldError[] = [];
  for (const key of ['scaleUp', 'scaleDown']) {
    const rules = asObj(b[key]);
    if (rules) errs.push(...validateScalingRules(rules, `spec.behavior.${key}`));
  }
  return errs;
}

/** ValidateHorizontalPodAutoscaler (minReplicas' lower bound 1: HPAScaleToZero is off). */
export function validateHpa(hpa: KubeObject): FieldError[] {
  const spec = specOf(hpa);
  const errs = validateObjectMeta(hpa, true);
  const min = spec.minReplicas;
  const max = num(spec.maxReplicas);
  if (isSet(min) && num(min) < 1)
    errs.push(invalidValue('spec.minReplicas', num(min), 'must be greater than or equal to 1'));
  if (max < 1) errs.push(invalidValue('spec.maxReplicas', max, 'must be greater than 0'));
  if (isSet(min) && max < num(min))
    errs.push(
      invalidValue('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'),
    );
  errs.push(
    ...validateObjectReference(asObj(spec.scaleTargetRef) ?? {}, 'spec.scaleTargetRef'),
    ...validateMetrics(spec.metrics, min),
    ...validateBehavior(spec.behavior),
  );
  return errs;
}

/** ValidateHorizontalPodAutoscalerStatusUpdate (metadata is the generic store's). */
export function validateHpaStatus(hpa: KubeObject): FieldError[] {
  const s = statusOf(hpa);
  return [
    ...nonNegative(s.currentReplicas, 'status.currentReplicas'),
    ...nonNegative(s.desiredReplicas, 'status.desiredReplicas'),
  ];
}
