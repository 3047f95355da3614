// A PersistentVolume's node affinity: validateVolumeNodeAffinity and ValidateNodeSelector
// with kube-apiserver's paths and messages.

import type { FieldError } from '../../types.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  required,
} from '../../validation/common.js';
import { asArr, asObj, asStr, objs, strs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';

function selectorRequirement(rq: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = asArr(rq.values);
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(
          required(`${field}.values`, "must be specified when `operator` is 'In' or 'NotIn'"),
        );
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(
          forbiddenField(
            `${field}.values`,
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1)
        errs.push(
          required(
            `${field}.values`,
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
          ),
        );
      break;
    default:
      errs.push(
        invalidValue(`${field}.operator`, rq.operator ?? '', 'not a valid selector operator'),
      );
  }
  const key = asStr(rq.key);
  for (const m of isQualifiedName(key)) errs.push(invalidValue(`${field}.key`, key, m));
  strs(rq.values).forEach((v, i) => {
    for (const m of isValidLabelValue(v)) errs.push(invalidValue(`${field}.values[${i}]`, v, m));
  });
  return errs;
}

function fieldRequirement(rq: Obj, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (asArr(rq.values).length !== 1)
      errs.push(
        required(
          `${field}.values`,
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
  } else
    errs.push(
      invalidValue(`${field}.operator`, rq.operator ?? '', 'not a valid selector operator'),
    );
  if (rq.key !== 'metadata.name')
    errs.push(invalidValue(`${field}.key`, rq.key ?? '', 'not a valid field selector key'));
  else
    strs(rq.values).forEach((v, i) => {
      for (const m of isDNS1123Subdomain(v)) errs.push(invalidValue(`${field}.values[${i}]`, v, m));
    });
  return errs;
}

/** ValidateNodeSelector. */
export function validateNodeSelector(sel: Obj, field: string): FieldError[] {
  const termsField = `${field}.nodeSelectorTerms`;
  const terms = objs(sel.nodeSelectorTerms);
  if (terms.length === 0)
    return [required(termsField, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => [
    ...objs(term.matchExpressions).flatMap((rq, j) =>
      selectorRequirement(rq, `${termsField}[${i}].matchExpressions[${j}]`),
    ),
    ...objs(term.matchFields).flatMap((rq, j) =>
      fieldRequirement(rq, `${termsField}[${i}].matchFields[${j}]`),
    ),
  ]);
}

/** validateVolumeNodeAffinity: the errors, and whether node affinity was given at all. */
export function validateVolumeNodeAffinity(
  affinity: unknown,
  field: string,
): { specified: boolean; errs: FieldError[] } {
  const a = asObj(affinity);
  if (!a) return { specified: false, errs: [] };
  const req = asObj(a.required);
  if (!req)
    return {
      specified: true,
      errs: [required(`${field}.required`, 'must specify required node constraints')],
    };
  return { specified: true, errs: validateNodeSelector(req, `${field}.required`) };
}
