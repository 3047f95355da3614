// Service IP and node-port allocation, done by the API server on create and update as
// kube-apiserver's service REST storage does. What is allocated is derived from the
// stored services themselves, so releasing needs no bookkeeping.

import type { KubeObject, ResourceDef } from '../../../api/types.js';
import { invalid } from '../../../api/errors.js';
import type { FieldError } from '../../../api/types.js';
import type { HookContext, ResourceHooks } from '../types.js';
import { contains, intToIp, ipToInt, type Cidr } from './ipnet.js';
import { resourcePrefix } from '../keys.js';

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
  // Allocation reads then writes; one at a time within this server.
  let lock: Promise<void> = Promise.resolve();
  const serialized = async <T>(fn: () => Promise<T>): Promise<T> => {
    const prev = lock;
    let release!: () => void;
    lock = new Promise((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  };

  async function inUse(
    ctx: HookContext,
    self: KubeObject,
  ): Promise<{ ips: Set<number>; ports: Set<number> }> {
    const ips = new Set<number>();
    const ports = new Set<number>();
    const res = await ctx.registry.store.list(resourcePrefix(services));
    for (const kv of res.items) {
      const s = JSON.parse(kv.value) as KubeObject;
      if (s.metadata.uid === self.metadata.uid) continue;
      const spec = (s['spec'] ?? {}) as ServiceSpec;
      for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) {
        const n = ipToInt(ip);
        if (n !== undefined) ips.add(n);
      }
      for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
      if (spec.healthCheckNodePort) ports.add(spec.healthCheckNodePort);
    }
    return { ips, ports };
  }

  function pickIp(used: Set<number>): string | undefined {
    // Random, as kube-apiserver allocates; skip network, first (kubernetes) and broadcast.
    const size = cidr.size;
    const start = 1 + Math.floor(Math.random() * (size - 2));
    for (let i = 0; i < size - 2; i++) {
      const off = 1 + ((start - 1 + i) % (size - 2));
      const n = cidr.base + off;
      if (off === 1 || off === 10) continue; // reserved: kubernetes and cluster DNS
      if (!used.has(n)) return intToIp(n);
    }
    return undefined;
  }

  function pickPort(used: Set<number>): number | undefined {
    const span = range.max - range.min + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = range.min + ((start + i) % span);
      if (!used.has(p)) return p;
    }
    return undefined;
  }

  async function allocate(
    obj: KubeObject,
    old: KubeObject | undefined,
    ctx: HookContext,
  ): Promise<void> {
    const spec = specOf(obj);
    const errs: FieldError[] = [];
    const { ips, ports } = await inUse(ctx, obj);
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
        else if (!keep && ips.has(n))
          errs.push({
            type: 'FieldValueInvalid',
            field: 'spec.clusterIPs',
            badValue: requested,
            detail: `failed to allocate IP ${ip}: provided IP is already allocated`,
          });
      } else if (!ip) {
        ip = pickIp(ips);
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
      const taken = new Set(ports);
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
          else if (!mine && taken.has(p.nodePort))
            errs.push({
              type: 'FieldValueInvalid',
              field: `spec.ports[${i}].nodePort`,
              badValue: p.nodePort,
              detail: 'provided port is already allocated',
            });
          taken.add(p.nodePort);
        }
      });
      for (const p of spec.ports ?? []) {
        if (p.nodePort) continue;
        // Keep the port this service port had before (matched by name, then port number).
        const prev = oldSpec?.ports?.find(
          (o) => (o.name ?? '') === (p.name ?? '') && o.port === p.port,
        )?.nodePort;
        const n = prev && !taken.has(prev) ? prev : pickPort(taken);
        if (!n) {
          errs.push({
            type: 'InternalError',
            field: 'spec.ports',
            detail: 'failed to allocate a nodePort: range is full',
          });
          break;
        }
        p.nodePort = n;
        taken.add(n);
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
  }

  return {
    beforeCreate: (obj, ctx) => serialized(() => allocate(obj, undefined, ctx)),
    beforeUpdate: (obj, old, ctx) => serialized(() => allocate(obj, old, ctx)),
    returnDeletedObject: true,
  };
}
