// printService: the cells of `kubectl get services`.

import type { KubeObject } from '../../types.js';
import { age, formatMap } from '../../printing.js';
import {
  asNum,
  asObj,
  asStr,
  loadBalancerIngress,
  objs,
  specOf,
  strMap,
  strs,
} from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import { clusterIPsOf } from './shared.js';

function externalIP(spec: Obj, status: Obj): string {
  const external = strs(spec.externalIPs);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(status.loadBalancer);
      if (external.length) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return asStr(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** `80:30123/TCP,443/TCP` (makePortString). */
export function portsString(ports: unknown): string {
  return objs(ports)
    .map((p) => {
      const proto = asStr(p.protocol);
      const np = asNum(p.nodePort);
      return np > 0 ? `${asNum(p.port)}:${np}/${proto}` : `${asNum(p.port)}/${proto}`;
    })
    .join(',');
}

export function serviceRow(obj: KubeObject, now: Date): unknown[] {
  const spec = specOf(obj);
  const status = asObj(obj.status) ?? {};
  const ips = clusterIPsOf(spec);
  return [
    obj.metadata.name ?? '',
    asStr(spec.type),
    ips.length > 0 ? ips[0] : '<none>',
    externalIP(spec, status),
    portsString(spec.ports) || '<none>',
    age(obj.metadata.creationTimestamp, now),
    formatMap(strMap(spec.selector)),
  ];
}
