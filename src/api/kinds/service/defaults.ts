// Service defaults: SetDefaults_Service plus the IP-family defaults the service REST applies.

import type { KubeObject } from '../../types.js';
import { asObj, asStr, ensureObj, objs, parseIP, strs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import {
  DEFAULT_AFFINITY_SECONDS,
  SERVICE_IP_FAMILY,
  clusterIPsOf,
  externallyAccessible,
} from './shared.js';

export function defaultService(obj: KubeObject): void {
  const spec = ensureObj(obj, 'spec');
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = asObj(spec.sessionAffinityConfig);
    const timeout = asObj(cfg?.clientIP)?.timeoutSeconds;
    if (timeout === undefined || timeout === null)
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_AFFINITY_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of objs(spec.ports)) {
    if (!p.protocol) p.protocol = 'TCP';
    if (
      p.targetPort === undefined ||
      p.targetPort === null ||
      p.targetPort === 0 ||
      p.targetPort === ''
    )
      p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy)
    spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP')
      spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    if (
      spec.allocateLoadBalancerNodePorts === undefined ||
      spec.allocateLoadBalancerNodePorts === null
    )
      spec.allocateLoadBalancerNodePorts = true;
    for (const ing of objs(asObj(asObj(obj.status)?.loadBalancer)?.ingress))
      if (ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
  }
  defaultIPFamilies(spec);
}

/** The family fields the service REST initialises on a single-stack (IPv4) cluster. */
function defaultIPFamilies(spec: Obj): void {
  if (spec.type === 'ExternalName') return;
  const headlessNoSelector =
    (spec.clusterIP === 'None' || clusterIPsOf(spec)[0] === 'None') &&
    Object.keys(asObj(spec.selector) ?? {}).length === 0;
  if (!spec.ipFamilyPolicy)
    spec.ipFamilyPolicy = headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
  const families = strs(spec.ipFamilies);
  if (families.length === 0) {
    // Infer from explicitly requested cluster IPs, else the cluster's family.
    for (const ip of clusterIPsOf(spec).length ? clusterIPsOf(spec) : [asStr(spec.clusterIP)]) {
      const fam = parseIP(ip);
      if (fam) families.push(fam === 4 ? 'IPv4' : 'IPv6');
    }
    if (families.length === 0) families.push(SERVICE_IP_FAMILY);
  }
  if (headlessNoSelector && families.length < 2 && spec.ipFamilyPolicy !== 'SingleStack')
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  spec.ipFamilies = families;
}
