// Service IP and node-port allocation, done by the API server on create and update as
// kube-apiserver's service REST storage does. What is allocated is derived from the stored
// services themselves (service-allocations.ts keeps it in memory), so releasing needs no
// bookkeeping.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { invalid } from '../../../api/errors.js';
import type { FieldError } from '../../../api/types.js';
import type { HookContext, ResourceHooks, WriteFinisher } from '../types.js';
import { contains, intToIp, ipToInt, type Cidr } from './ipnet.js';
import { objectKey, resourcePrefix } from '../keys.js';
import { holdingOf, ServiceAllocations } from './service-allocations.js';

export interface ServiceAllocatorOptions {
  serviceCidr: Cidr;
  nodePortRange: { min: number; max: number };
}

interface ServicePort {
  name?: string;
  port?: number;
  nodePort?: number;
  protocol?: string;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
}

const specOf = (o: KubeObject): ServiceSpec => (o['spec'] ??= {}) as ServiceSpec;
const needsClusterIP = (t: string | undefined): boolean => t !== 'ExternalName';
const needsNodePorts = (s: ServiceSpec): boolean =>
  s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);

export function serviceHooks(opts: ServiceAllocatorOptions, services: ResourceDef): ResourceHooks {
  const { serviceCidr: cidr, nodePortRange: range } = opts;
  let table: ServiceAllocations | undefined;
  const tableFor = async (ctx: HookContext): Promise<ServiceAllocations> => {
    table ??= new ServiceAllocations(ctx.registry.store, resourcePrefix(services));
    await table.ready();
    return table;
  };
  const keyOf = (obj: KubeObject): string =>
    objectKey(services, obj.metadata.namespace ?? '', obj.metadata.name ?? '');

  function pickIp(taken: (ip: number) => boolean): string | undefined {
    // Random, as kube-apiserver allocates; skip network, first (kubernetes) and broadcast.
    const size = cidr.size;
    const start = 1 + Math.floor(Math.random() * (size - 2));
    for (let i = 0; i < size - 2; i++) {
      const off = 1 + ((start - 1 + i) % (size - 2));
      const n = cidr.base + off;
      if (off === 1 || off === 10) continue; // reserved: kubernetes and cluster DNS
      if (!taken(n)) return intToIp(n);
    }
    return undefined;
  }

  function pickPort(taken: (port: number) => boolean): number | undefined {
    const span = range.max - range.min + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = range.min + ((start + i) % span);
      if (!taken(p)) return p;
    }
    return undefined;
  }

  /**
   * Fills in and checks the service's cluster IP and node ports, and reserves them until the
   * write is over. Synchronous once the table is ready, so no other write can slip between
   * the check and the reservation.
   */
  async function allocate(
    obj: KubeObject,
    old: KubeObject | undefined,
    ctx: HookContext,
  ): Promise<WriteFinisher> {
    const held = await tableFor(ctx);
    const self = obj.metadata.uid ?? '';
    const ipTaken = (n: number): boolean => held.ipTaken(n, self);
    const spec = specOf(obj);
    const errs: FieldError[] = [];
    const oldSpec = old ? specOf(old) : undefined;
    // Cluster IP.
    if (needsClusterIP(spec.type)) {
      let ip = spec.clusterIP ?? spec.clusterIPs?.[0];
      if (!ip && oldSpec && needsClusterIP(oldSpec.type) && oldSpec.clusterIP)
        ip = oldSpec.clusterIP;
      if (ip && ip !== 'None') {
        const n = ipToInt(ip);
        // Allocation errors quote the requested list, as kube-apiserver's allocator does.
        const requested = spec.clusterIPs?.length ? spec.clusterIPs : [ip];
        const keep = oldSpec?.clusterIP === ip;
        if (n === undefined)
          errs.push({
            type: 'FieldValueInvalid',
            field: 'spec.clusterIPs[0]',
            badValue: ip,
            detail: 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
          });
        else if (!keep && !contains(cidr, n))
          errs.push({
            type: 'FieldValueInvalid',
            field: 'spec.clusterIPs',
            badValue: requested,
            detail: `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr.text}`,
          });
        else if (!keep && ipTaken(n))
          errs.push({
            type: 'FieldValueInvalid',
            field: 'spec.clusterIPs',
            badValue: requested,
            detail: `failed to allocate IP ${ip}: provided IP is already allocated`,
          });
      } else if (!ip) {
        ip = pickIp(ipTaken);
        if (!ip)
          errs.push({
            type: 'InternalError',
            field: 'spec.clusterIPs',
            detail: 'failed to allocate a serviceIP: range is full',
          });
      }
      if (ip) {
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
        if (ip !== 'None') {
          spec.ipFamilies ??= ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        } else {
          spec.ipFamilies ??= ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        }
      }
    } else {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }
    // Node ports.
    if (needsNodePorts(spec)) {
      // Ports this request already uses, besides those other services hold.
      const mineNow = new Set<number>();
      const taken = (p: number): boolean => mineNow.has(p) || held.portTaken(p, self);
      (spec.ports ?? []).forEach((p, i) => {
        if (p.nodePort) {
          const mine = oldSpec?.ports?.some((o) => o.nodePort === p.nodePort);
          if (!mine && (p.nodePort < range.min || p.nodePort > range.max))
            errs.push({
              type: 'FieldValueInvalid',
              field: `spec.ports[${i}].nodePort`,
              badValue: p.nodePort,
              detail: `provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`,
            });
          else if (!mine && taken(p.nodePort))
            errs.push({
              type: 'FieldValueInvalid',
              field: `spec.ports[${i}].nodePort`,
              badValue: p.nodePort,
              detail: 'provided port is already allocated',
            });
          mineNow.add(p.nodePort);
        }
      });
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        // Keep the port this service port had before (matched by name, then port number).
        const prev = oldSpec?.ports?.find(
          (o) => (o.name ?? '') === (p.name ?? '') && o.port === p.port,
        )?.nodePort;
        const n = prev && !taken(prev) ? prev : pickPort(taken);
        if (!n) {
          errs.push({
            type: 'InternalError',
            field: 'spec.ports',
            detail: 'failed to allocate a nodePort: range is full',
          });
          break;
        }
        p.nodePort = n;
        mineNow.add(n);
      }
      if (
        spec.type === 'LoadBalancer' &&
        spec.externalTrafficPolicy === 'Local' &&
        !spec.healthCheckNodePort
      ) {
        const n = oldSpec?.healthCheckNodePort ?? pickPort(taken);
        if (n) spec.healthCheckNodePort = n;
      }
    } else {
      for (const p of spec.ports ?? []) delete p.nodePort;
      delete spec.healthCheckNodePort;
    }
    if (errs.length) throw invalid('Service', '', obj.metadata.name ?? '', errs);
    const reservation = held.reserve(holdingOf(obj));
    return (stored) => held.finishWrite(reservation, keyOf(obj), stored);
  }

  return {
    beforeCreate: (obj, ctx) => allocate(obj, undefined, ctx),
    beforeUpdate: (obj, old, ctx) => allocate(obj, old, ctx),
    afterDelete: async (obj, ctx) => (await tableFor(ctx)).deleted(keyOf(obj), obj),
    returnDeletedObject: true,
  };
}
