// A PersistentVolume's node affinity: validateVolumeNodeAffinity and ValidateNodeSelector
// with kube-apiserver's paths and messages.

import type { FieldError } from '../../types.js';
import { invalidValue, isDNS1123Subdomain, required } from '../../validation/common.js';
import { validateSelectorRequirement } from '../../labels.js';
import { asArr, asObj, objs, strs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';

/** ValidateNodeSelectorRequirement: a label requirement that may also be `Gt` or `Lt`. */
const selectorRequirement = (rq: Obj, field: string): FieldError[] =>
  validateSelectorRequirement(rq, field, true);

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
