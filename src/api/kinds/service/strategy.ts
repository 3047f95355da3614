// The service strategy's create/update rules: cluster IP normalisation, allocated values
// kept across updates, and the type-dependent field wiping.

import type { KubeObject } from '../../types.js';
import { asNum, asObj, asStr, ensureObj, objs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import {
  clusterIPsOf,
  externallyAccessible,
  needsClusterIP,
  needsHealthCheck,
  needsNodePort,
} from './shared.js';
import { equalIgnoringEmpty } from '../../json.js';

/** normalizeClusterIPs: keep `clusterIP` and `clusterIPs` in step for old and new clients. */
export function normalizeClusterIPs(spec: Obj, oldSpec?: Obj): void {
  const ip = asStr(spec.clusterIP);
  const ips = clusterIPsOf(spec);
  if (!oldSpec) {
    if (ip && ips.length === 0) spec.clusterIPs = [ip];
    return;
  }
  const oldIP = asStr(oldSpec.clusterIP);
  const oldIPs = clusterIPsOf(oldSpec);
  if (oldIPs.length > 0 && clusterIPsOf(spec).length === 0 && oldIP === ip)
    spec.clusterIPs = oldIPs;
  if (oldIP !== ip) {
    const sameList = equalIgnoringEmpty(oldIPs, clusterIPsOf(spec));
    if (oldIP && !ip && sameList) delete spec.clusterIPs;
    if (ip && sameList) spec.clusterIPs = [ip];
  }
}

/** patchAllocatedValues: an update that omits allocated values keeps them. */
function patchAllocatedValues(spec: Obj, oldSpec: Obj): void {
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (clusterIPsOf(spec).length === 0 && clusterIPsOf(oldSpec).length > 0)
      spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (needsNodePort(oldSpec) && needsNodePort(spec)) {
    const used = (s: Obj): Set<number> =>
      new Set(
        objs(s.ports)
          .map((p) => asNum(p.nodePort))
          .filter((n) => n !== 0),
      );
    const newUsed = used(spec);
    const inBoth = new Set([...used(oldSpec)].filter((n) => newUsed.has(n)));
    const byName = new Map(objs(oldSpec.ports).map((p) => [asStr(p.name), asNum(p.nodePort)]));
    for (const p of objs(spec.ports)) {
      if (asNum(p.nodePort) !== 0) continue;
      const old = byName.get(asStr(p.name)) ?? 0;
      if (old !== 0 && !inBoth.has(old)) p.nodePort = old;
    }
  }
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && !spec.healthCheckNodePort)
    if (oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
}

/** dropTypeDependentFields: switching type releases what the new type does not use. */
function dropTypeDependentFields(obj: KubeObject, spec: Obj, oldSpec: Obj): void {
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (
      spec.clusterIP === oldSpec.clusterIP &&
      equalIgnoringEmpty(spec.clusterIPs, oldSpec.clusterIPs)
    ) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (equalIgnoringEmpty(spec.ipFamilies, oldSpec.ipFamilies)) delete spec.ipFamilies;
    if (asStr(spec.ipFamilyPolicy) === asStr(oldSpec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const oldPorts = new Set(objs(oldSpec.ports).map((p) => asNum(p.nodePort)));
    const added = objs(spec.ports).some(
      (p) => asNum(p.nodePort) !== 0 && !oldPorts.has(asNum(p.nodePort)),
    );
    if (!added) for (const p of objs(spec.ports)) delete p.nodePort;
  }
  if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec))
    if (asNum(spec.healthCheckNodePort) === asNum(oldSpec.healthCheckNodePort))
      delete spec.healthCheckNodePort;
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    const a = spec.allocateLoadBalancerNodePorts;
    const b = oldSpec.allocateLoadBalancerNodePorts;
    if (typeof a === 'boolean' && a === b) delete spec.allocateLoadBalancerNodePorts;
    if (asStr(spec.loadBalancerClass) === asStr(oldSpec.loadBalancerClass))
      delete spec.loadBalancerClass;
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec))
    if (asStr(spec.externalTrafficPolicy) === asStr(oldSpec.externalTrafficPolicy))
      delete spec.externalTrafficPolicy;
  if (spec.type !== 'LoadBalancer') ensureObj(obj, 'status').loadBalancer = {};
}

export function prepareForCreate(obj: KubeObject): void {
  obj.status = { loadBalancer: {} };
  normalizeClusterIPs(ensureObj(obj, 'spec'));
}

export function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  const oldSpec = asObj(old.spec) ?? {};
  patchAllocatedValues(spec, oldSpec);
  normalizeClusterIPs(spec, oldSpec);
  obj.status = old.status === undefined ? { loadBalancer: {} } : structuredClone(old.status);
  dropTypeDependentFields(obj, spec, oldSpec);
}

/** services/status: only status changes; the spec is the stored one. */
export function prepareForStatusUpdate(obj: KubeObject, old: KubeObject): void {
  obj.spec = structuredClone(old.spec);
}
