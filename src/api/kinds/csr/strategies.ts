// The approval and status subresources of CertificateSigningRequests: what each write takes
// from the request (approval: the conditions; status: all but Approved/Denied), condition
// times filled in as kube does, and the CONDITION column's text.

import type { KubeObject, SubresourceStrategy } from '../../types.js';
import { formatTime } from '../../time.js';
import { asObj, asStr, objs, statusOf } from '../kindutil.js';
import { conditionsOf, validateCertificateSigningRequest } from './validation.js';

/** Condition times the client left out: now, or the old condition's transition time. */
function populateConditionTimestamps(obj: KubeObject, old: KubeObject, now: Date): void {
  const oldConds = conditionsOf(old);
  const t = formatTime(now);
  for (const c of conditionsOf(obj)) {
    c.lastUpdateTime ||= t;
    if (!c.lastTransitionTime) {
      const same = oldConds.find(
        (p) => p.type === c.type && p.status === c.status && p.lastTransitionTime,
      );
      c.lastTransitionTime = same?.lastTransitionTime ?? t;
    }
  }
}

/** The old object's conditions of `type` replace the new object's, in place and in order. */
function preserveConditions(obj: KubeObject, old: KubeObject, type: string): void {
  const status = asObj(obj.status) ?? {};
  const kept = objs(status.conditions).filter((c) => c.type !== type);
  const preserved = conditionsOf(old).filter((c) => c.type === type);
  status.conditions = [...kept, ...preserved];
  if (!(status.conditions as unknown[]).length) delete status.conditions;
  obj.status = status;
}

export const approvalStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old) {
    // Only the conditions come from the request; spec and certificate stay.
    obj.spec = structuredClone(old.spec);
    const conditions = statusOf(obj).conditions;
    const status = structuredClone(statusOf(old));
    if (conditions === undefined) delete status.conditions;
    else status.conditions = conditions;
    obj.status = status;
    populateConditionTimestamps(obj, old, new Date());
  },
  validateUpdate: (obj, old) =>
    validateCertificateSigningRequest(obj, { old, allowSettingApproval: true }),
};

export const statusStrategy: SubresourceStrategy = {
  prepareForUpdate(obj, old) {
    obj.spec = structuredClone(old.spec);
    preserveConditions(obj, old, 'Approved');
    preserveConditions(obj, old, 'Denied');
    populateConditionTimestamps(obj, old, new Date());
  },
  validateUpdate: (obj, old) =>
    validateCertificateSigningRequest(obj, { old, allowSettingCertificate: true }),
};

/** extractCSRStatus: `Pending`, `Approved,Issued`, `Denied`, `Approved,Failed`. */
export function conditionText(obj: KubeObject): string {
  const types = conditionsOf(obj).map((c) => c.type);
  let s = types.includes('Denied') ? 'Denied' : types.includes('Approved') ? 'Approved' : 'Pending';
  if (types.includes('Failed')) s += ',Failed';
  if (asStr(statusOf(obj).certificate)) s += ',Issued';
  return s;
}
