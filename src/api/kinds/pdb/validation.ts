// ValidatePodDisruptionBudget and ValidatePodDisruptionBudgetStatusUpdate
// (pkg/apis/policy/validation) on the policy/v1 shape: minAvailable xor maxUnavailable, each
// a non-negative int or a percent of at most 100 %, the selector, the eviction policy of
// unhealthy pods; on status writes, the conditions and non-negative counters.

import type { FieldError, KubeObject } from '../../types.js';
import { goLiteral } from '../../go-literal.js';
import { validateLabelSelector } from '../../labels.js';
import {
  duplicate,
  invalidValue,
  isQualifiedName,
  notSupported,
  required,
  tooLong,
  validateObjectMeta,
} from '../../validation/common.js';
import { nonNegative } from '../podspec/index.js';
import { asStr, objs, specOf, statusOf } from '../kindutil.js';

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** Go's %#v of the internal spec, which kube quotes when both bounds are set. */
function goSpec(spec: Record<string, unknown>): ReturnType<typeof goLiteral> {
  const ptr = (type: string, v: unknown, addr: string): string =>
    `(*${type})(${isSet(v) ? addr : 'nil'})`;
  return goLiteral(
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr('intstr.IntOrString', spec.minAvailable, '0xc000a1c0a0')}, ` +
      `Selector:${ptr('v1.LabelSelector', spec.selector, '0xc000a1c0c0')}, ` +
      `MaxUnavailable:${ptr('intstr.IntOrString', spec.maxUnavailable, '0xc000a1c0e0')}, ` +
      `UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', spec.unhealthyPodEvictionPolicy, '0xc000a1c100')}}`,
  );
}

const PERCENT_MSG =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/**
 * ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. A bad percent is quoted as Go's
 * %#v of the IntOrString (its String method takes a pointer, so the error renderer cannot).
 */
function bound(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v))
      return [
        invalidValue(
          field,
          goLiteral(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`),
          PERCENT_MSG,
        ),
      ];
    return Number(v.slice(0, -1)) > 100
      ? [invalidValue(field, v, 'must not be greater than 100%')]
      : [];
  }
  return nonNegative(v, field);
}

export function validatePdbSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable))
    errs.push(
      invalidValue('spec', goSpec(spec), 'minAvailable and maxUnavailable cannot be both set'),
    );
  if (isSet(spec.minAvailable)) errs.push(...bound(spec.minAvailable, 'spec.minAvailable'));
  if (isSet(spec.maxUnavailable)) errs.push(...bound(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (isSet(policy) && !UNHEALTHY_POD_EVICTION_POLICIES.includes(asStr(policy)))
    errs.push(
      notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES),
    );
  return errs;
}

export function validatePdb(pdb: KubeObject): FieldError[] {
  return [...validateObjectMeta(pdb, true), ...validatePdbSpec(specOf(pdb))];
}

const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const REASON_RE = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const REASON_MSG =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')";

/** metav1validation.ValidateConditions. */
export function validateConditions(conditions: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objs(conditions).forEach((c, i) => {
    const f = `${field}[${i}]`;
    const type = asStr(c.type);
    if (seen.has(type)) errs.push(duplicate(`${f}.type`, type));
    seen.add(type);
    for (const msg of isQualifiedName(type)) errs.push(invalidValue(`${f}.type`, type, msg));
    if (!CONDITION_STATUSES.includes(asStr(c.status)))
      errs.push(notSupported(`${f}.status`, asStr(c.status), CONDITION_STATUSES));
    if (typeof c.observedGeneration === 'number' && c.observedGeneration < 0)
      errs.push(
        invalidValue(
          `${f}.observedGeneration`,
          c.observedGeneration,
          'must be greater than or equal to zero',
        ),
      );
    if (!asStr(c.lastTransitionTime)) errs.push(required(`${f}.lastTransitionTime`, 'must be set'));
    const reason = asStr(c.reason);
    if (!reason) errs.push(required(`${f}.reason`, 'must be set'));
    else {
      if (!REASON_RE.test(reason)) errs.push(invalidValue(`${f}.reason`, reason, REASON_MSG));
      if (reason.length > 1024) errs.push(tooLong(`${f}.reason`, reason, 1024));
    }
    if (asStr(c.message).length > 32 * 1024)
      errs.push(tooLong(`${f}.message`, asStr(c.message), 32 * 1024));
  });
  return errs;
}

const COUNTERS = ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'];

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1). */
export function validatePdbStatus(pdb: KubeObject): FieldError[] {
  const status = statusOf(pdb);
  const errs = validateConditions(status.conditions, 'status.conditions');
  for (const k of COUNTERS) {
    const v = status[k];
    if (typeof v === 'number' && v < 0)
      errs.push(invalidValue(`status.${k}`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}
