// The QoS class a pod's status reports.

import { obj, objs } from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { ZERO, addQuantity, compareQuantity, parseQuantity } from '../../quantity.js';
import type { Quantity } from '../../quantity.js';

/** qos.ComputePodQOS over container requests and limits (cpu and memory only). */
export function podQOSClass(spec: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const add = (m: Map<string, Quantity>, name: string, q: Quantity): void => {
    const cur = m.get(name);
    m.set(name, cur ? addQuantity(cur, q) : q);
  };
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources) ?? {};
    for (const [name, v] of Object.entries(obj(res.requests) ?? {})) {
      const q = parseQuantity(v);
      if ((name === 'cpu' || name === 'memory') && q && compareQuantity(q, ZERO) > 0)
        add(requests, name, q);
    }
    const found = new Set<string>();
    for (const [name, v] of Object.entries(obj(res.limits) ?? {})) {
      const q = parseQuantity(v);
      if ((name === 'cpu' || name === 'memory') && q && compareQuantity(q, ZERO) > 0) {
        found.add(name);
        add(limits, name, q);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantity(lim, req) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
