// coordination.k8s.io/v1 Lease: ValidateLease and printLease.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { invalidValue, validateObjectMeta } from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { asStr, column, specOf } from './kindutil.js';

export function validateLease(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, true);
  const spec = specOf(obj);
  const d = spec.leaseDurationSeconds;
  if (typeof d === 'number' && d <= 0)
    errs.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  const t = spec.leaseTransitions;
  if (typeof t === 'number' && t < 0)
    errs.push(invalidValue('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
  return errs;
}

export const leaseResource: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  verbs: [...STANDARD_VERBS],
  strategy: {
    validate: (obj) => validateLease(obj),
    columns: [
      NAME_COLUMN,
      column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      asStr(specOf(obj).holderIdentity),
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
