// The HPA's status conditions (AbleToScale, ScalingActive, ScalingLimited) as setCondition
// keeps them: in place when present, appended otherwise, the transition time moved only
// when the status changes.

import type { Condition } from './types.js';

export function setCondition(
  list: Condition[],
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: string,
): Condition[] {
  const out = list.map((c) => ({ ...c }));
  let c = out.find((x) => x.type === type);
  if (!c) {
    c = { type, status };
    out.push(c);
    c.lastTransitionTime = now;
  } else if (c.status !== status) c.lastTransitionTime = now;
  c.status = status;
  c.reason = reason;
  c.message = message;
  // Go's field order: type, status, lastTransitionTime, reason, message.
  const i = out.indexOf(c);
  out[i] = {
    type: c.type,
    status: c.status,
    ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
    reason,
    message,
  };
  return out;
}
