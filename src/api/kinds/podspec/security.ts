// Security contexts of the pod and of its containers, seccomp profiles included.

import type { FieldError } from '../../types.js';
import { duplicate, invalidValue, notSupported, required } from '../../validation/common.js';
import { ID_RANGE_MSG, MAX_INT32, inRange } from './fields.js';
import { arr, obj, objs, str } from './json.js';
import type { Obj } from './json.js';

export function validateContainerSecurityContext(sc: unknown, field: string): FieldError[] {
  const s = obj(sc);
  if (!s) return [];
  const errs: FieldError[] = [];
  for (const k of ['runAsUser', 'runAsGroup'])
    if (s[k] !== undefined && s[k] !== null && !inRange(s[k], 0, MAX_INT32))
      errs.push(invalidValue(`${field}.${k}`, s[k], ID_RANGE_MSG));
  if (typeof s.procMount === 'string' && !['Default', 'Unmasked'].includes(s.procMount))
    errs.push(notSupported(`${field}.procMount`, s.procMount, ['Default', 'Unmasked']));
  errs.push(...seccompProfile(s.seccompProfile, `${field}.seccompProfile`));
  if (s.allowPrivilegeEscalation === false && s.privileged === true)
    errs.push(
      invalidValue(
        field,
        s,
        'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      ),
    );
  return errs;
}

function seccompProfile(p: unknown, field: string): FieldError[] {
  const s = obj(p);
  if (!s) return [];
  const type = str(s.type);
  if (!type) return [required(`${field}.type`, 'type is required when seccompProfile is set')];
  if (!['Localhost', 'RuntimeDefault', 'Unconfined'].includes(type))
    return [notSupported(`${field}.type`, type, ['Localhost', 'RuntimeDefault', 'Unconfined'])];
  return [];
}

export function validatePodSecurityContext(spec: Obj, field: string): FieldError[] {
  const sc = obj(spec.securityContext);
  const errs: FieldError[] = [];
  if (!sc) return errs;
  for (const k of ['fsGroup', 'runAsUser', 'runAsGroup'])
    if (sc[k] !== undefined && sc[k] !== null && !inRange(sc[k], 0, MAX_INT32))
      errs.push(invalidValue(`${field}.${k}`, sc[k], ID_RANGE_MSG));
  arr(sc.supplementalGroups).forEach((g, i) => {
    if (!inRange(g, 0, MAX_INT32))
      errs.push(invalidValue(`${field}.supplementalGroups[${i}]`, g, ID_RANGE_MSG));
  });
  if (spec.shareProcessNamespace === true && spec.hostPID === true)
    errs.push(
      invalidValue(
        `${field}.shareProcessNamespace`,
        true,
        'ShareProcessNamespace and HostPID cannot both be enabled',
      ),
    );
  const sysctlRe = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
  const seen = new Set<string>();
  objs(sc.sysctls).forEach((s, i) => {
    const name = str(s.name);
    const p = `${field}.sysctls[${i}].name`;
    if (!name) errs.push(required(p));
    else if (name.length > 253 || !sysctlRe.test(name))
      errs.push(
        invalidValue(
          p,
          name,
          `must have at most 253 characters and match regex ${sysctlRe.source}`,
        ),
      );
    else if (seen.has(name)) errs.push(duplicate(p, name));
    seen.add(name);
  });
  if (
    typeof sc.fsGroupChangePolicy === 'string' &&
    !['Always', 'OnRootMismatch'].includes(sc.fsGroupChangePolicy)
  )
    errs.push(
      notSupported(`${field}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, [
        'Always',
        'OnRootMismatch',
      ]),
    );
  errs.push(...seccompProfile(sc.seccompProfile, `${field}.seccompProfile`));
  return errs;
}
