// core/v1 Service: defaults (SetDefaults_Service plus the IP-family defaults the service
// REST applies), kube-apiserver's ValidateService/ValidateServiceUpdate, the strategy's
// type-dependent field wiping, and printService. ClusterIP and NodePort allocation belong
// to the API server: validation here accepts a missing clusterIP and missing nodePorts.

import type { FieldError, KubeObject, ResourceDef, StrategyContext } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortName,
  notSupported,
  required,
  validateLabels,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age, formatMap } from '../printing.js';
import {
  PORT_RANGE_MSG,
  asArr,
  asNum,
  asObj,
  asStr,
  column,
  ensureObj,
  loadBalancerIngress,
  nonSpecialIP,
  objs,
  parseIP,
  portNumOK,
  specOf,
  strMap,
  strs,
  validCIDR,
  validIP,
  type Obj,
} from './kindutil.js';
import { equalIgnoringEmpty } from '../json.js';

/** The node-port range the API server allocates from (--service-node-port-range). */
export const NODE_PORT_RANGE = { base: 30000, size: 2768 } as const;
/** The cluster's service IP family (--service-cluster-ip-range is single-stack IPv4). */
export const SERVICE_IP_FAMILY = 'IPv4';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_AFFINITY_SECONDS = 86400;
const DEFAULT_AFFINITY_SECONDS = 10800;

// ---- small predicates shared by defaults, strategy and validation ----

const clusterIPsOf = (spec: Obj): string[] => strs(spec.clusterIPs);
const isHeadless = (spec: Obj): boolean => {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
};
const needsClusterIP = (spec: Obj): boolean => spec.type !== 'ExternalName';
const needsNodePort = (spec: Obj): boolean =>
  spec.type === 'NodePort' || spec.type === 'LoadBalancer';
const externallyAccessible = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' ||
  spec.type === 'NodePort' ||
  (spec.type === 'ClusterIP' && asArr(spec.externalIPs).length > 0);
const needsHealthCheck = (spec: Obj): boolean =>
  spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

// ---- defaults ----

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

// ---- strategy ----

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

function prepareForCreate(obj: KubeObject): void {
  obj.status = { loadBalancer: {} };
  normalizeClusterIPs(ensureObj(obj, 'spec'));
}

function prepareForUpdate(obj: KubeObject, old: KubeObject): void {
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

// ---- validation ----

function validatePort(
  p: Obj,
  path: string,
  requireName: boolean,
  names: Set<string>,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = asStr(p.name);
  if (requireName && !name) errs.push(required(`${path}.name`));
  else if (name) {
    for (const m of isDNS1123Label(name)) errs.push(invalidValue(`${path}.name`, name, m));
    if (names.has(name)) errs.push(duplicate(`${path}.name`, name));
    else names.add(name);
  }
  if (!portNumOK(p.port)) errs.push(invalidValue(`${path}.port`, p.port ?? 0, PORT_RANGE_MSG));
  if (!p.protocol) errs.push(required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(asStr(p.protocol)))
    errs.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`));
  if (p.appProtocol !== undefined && p.appProtocol !== null)
    for (const m of isQualifiedName(asStr(p.appProtocol)))
      errs.push(invalidValue(`${path}.appProtocol`, p.appProtocol, m));
  return errs;
}

/** ValidatePortNumOrName for an IntOrString. */
export function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPortName(v).map((m) => invalidValue(path, v, m));
  return portNumOK(v) ? [] : [invalidValue(path, v ?? 0, PORT_RANGE_MSG)];
}

function validateClusterIPsRelated(spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ip = asStr(spec.clusterIP);
  const ips = clusterIPsOf(spec);
  if (ip) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== ip)
      errs.push(invalidValue('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) {
    errs.push(
      invalidValue('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'),
    );
  }
  const seen = new Set<string>();
  strs(spec.ipFamilies).forEach((f, i) => {
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(`spec.ipFamilies[${i}]`, f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null)
    if (!IP_FAMILY_POLICIES.includes(asStr(spec.ipFamilyPolicy)))
      errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  let badIPs = false;
  ips.forEach((cip, i) => {
    if (i === 0 && cip === 'None') {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalidValue('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = validIP(`spec.clusterIPs[${i}]`, cip);
    if (e.length) badIPs = true;
    errs.push(...e);
  });
  if (ips.length > 2)
    errs.push(invalidValue('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (ips.length > 1 && new Set(ips.map(parseIP)).size !== ips.length)
    errs.push(
      invalidValue('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'),
    );
  const families = strs(spec.ipFamilies);
  if (!isHeadless(spec) && ips.length > 0 && families.length > 0) {
    ips.forEach((cip, i) => {
      if (i > families.length - 1) return;
      const v6 = parseIP(cip) === 6;
      if (families[i] === 'IPv4' && v6)
        errs.push(
          invalidValue(
            `spec.clusterIPs[${i}]`,
            cip,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      if (families[i] === 'IPv6' && !v6)
        errs.push(
          invalidValue(
            `spec.clusterIPs[${i}]`,
            cip,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
    });
  }
  return errs;
}

export function validateService(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, true, isDNS1035Label);
  const ann = obj.metadata.annotations ?? {};
  const hints = ann['service.kubernetes.io/topology-aware-hints'];
  const mode = ann['service.kubernetes.io/topology-mode'];
  if (hints !== undefined && mode !== undefined && hints !== mode)
    errs.push(
      invalidValue(
        'metadata.annotations[service.kubernetes.io/topology-mode]',
        mode,
        'must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified',
      ),
    );

  const spec = specOf(obj);
  const type = asStr(spec.type);
  const ports = objs(spec.ports);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(required('spec.ports'));

  if (type === 'LoadBalancer' && headless)
    errs.push(
      invalidValue(
        'spec.clusterIPs[0]',
        'None',
        "may not be set to 'None' for LoadBalancer services",
      ),
    );
  if (type === 'NodePort' && headless)
    errs.push(
      invalidValue('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"),
    );
  if (type === 'ExternalName') {
    if (clusterIPsOf(spec).length > 0)
      errs.push(forbiddenField('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (strs(spec.ipFamilies).length > 0)
      errs.push(forbiddenField('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null)
      errs.push(forbiddenField('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = asStr(spec.externalName).replace(/\.$/, '');
    if (cname)
      for (const m of isDNS1123Subdomain(cname))
        errs.push(invalidValue('spec.externalName', cname, m));
    else errs.push(required('spec.externalName'));
  }

  const names = new Set<string>();
  ports.forEach((p, i) =>
    errs.push(...validatePort(p, `spec.ports[${i}]`, ports.length > 1, names)),
  );

  if (spec.selector !== undefined && spec.selector !== null)
    errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = asStr(spec.sessionAffinity);
  if (!affinity) errs.push(required('spec.sessionAffinity'));
  else if (!AFFINITIES.includes(affinity))
    errs.push(notSupported('spec.sessionAffinity', affinity, AFFINITIES));
  if (affinity === 'ClientIP') errs.push(...validateClientIPAffinity(spec.sessionAffinityConfig));
  else if (
    affinity === 'None' &&
    spec.sessionAffinityConfig !== undefined &&
    spec.sessionAffinityConfig !== null
  )
    errs.push(
      forbiddenField('spec.sessionAffinityConfig', 'must not be set when session affinity is None'),
    );

  errs.push(...validateClusterIPsRelated(spec));

  strs(spec.externalIPs).forEach((ip, i) => {
    const e = validIP(`spec.externalIPs[${i}]`, ip);
    errs.push(...(e.length ? e : nonSpecialIP(`spec.externalIPs[${i}]`, ip)));
  });

  if (!type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP')
    ports.forEach((p, i) => {
      if (asNum(p.nodePort) !== 0)
        errs.push(
          forbiddenField(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"),
        );
    });
  if (needsNodePort(spec))
    ports.forEach((p, i) => {
      const np = asNum(p.nodePort);
      const { base, size } = NODE_PORT_RANGE;
      if (np !== 0 && (np < base || np >= base + size))
        errs.push(
          invalidValue(
            `spec.ports[${i}].nodePort`,
            np,
            `provided port is not in the valid range. The range of valid ports is ${base}-${base + size - 1}`,
          ),
        );
    });

  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = asNum(p.nodePort);
    if (np === 0) return;
    const key = `${asStr(p.protocol)}/${np}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, np));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${asStr(p.protocol)}/${asNum(p.port)}`;
    if (portKeys.has(key))
      errs.push(duplicate(`spec.ports[${i}]`, { protocol: p.protocol, port: p.port }));
    portKeys.add(key);
  });

  const ranges = strs(spec.loadBalancerSourceRanges);
  const rangesAnn = ann['service.beta.kubernetes.io/load-balancer-source-ranges'];
  if (ranges.length > 0) {
    // The field path's capital L is kube-apiserver's.
    if (type !== 'LoadBalancer')
      errs.push(
        forbiddenField(
          'spec.LoadBalancerSourceRanges',
          "may only be used when `type` is 'LoadBalancer'",
        ),
      );
    ranges.forEach((r, i) =>
      errs.push(...validCIDR(`spec.LoadBalancerSourceRanges[${i}]`, r.trim())),
    );
  } else if (rangesAnn !== undefined) {
    const f = 'metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]';
    if (type !== 'LoadBalancer')
      errs.push(forbiddenField(f, "may only be used when `type` is 'LoadBalancer'"));
    const v = rangesAnn.trim();
    if (v) for (const r of v.split(',')) errs.push(...validCIDR(f, r.trim()));
  }

  if (
    spec.allocateLoadBalancerNodePorts !== undefined &&
    spec.allocateLoadBalancerNodePorts !== null
  ) {
    if (type !== 'LoadBalancer')
      errs.push(
        forbiddenField(
          'spec.allocateLoadBalancerNodePorts',
          "may only be used when `type` is 'LoadBalancer'",
        ),
      );
  } else if (type === 'LoadBalancer') {
    // kube-apiserver reports this one without the `spec.` prefix.
    errs.push(required('allocateLoadBalancerNodePorts'));
  }

  if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    if (type === 'LoadBalancer')
      for (const m of isQualifiedName(asStr(spec.loadBalancerClass)))
        errs.push(invalidValue('spec.loadBalancerClass', spec.loadBalancerClass, m));
    else
      errs.push(
        forbiddenField('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"),
      );
  }

  errs.push(...validateTrafficPolicies(spec));
  return errs;
}

function validateClientIPAffinity(config: unknown): FieldError[] {
  const when = 'when session affinity type is ClientIP';
  const cfg = asObj(config);
  if (!cfg) return [required('spec.sessionAffinityConfig', when)];
  const clientIP = asObj(cfg.clientIP);
  if (!clientIP) return [required('spec.sessionAffinityConfig.clientIP', when)];
  const t = clientIP.timeoutSeconds;
  const path = 'spec.sessionAffinityConfig.clientIP.timeoutSeconds';
  if (t === undefined || t === null) return [required(path, when)];
  if (typeof t !== 'number' || t <= 0 || t > MAX_AFFINITY_SECONDS)
    return [invalidValue(path, t, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`)];
  return [];
}

function validateTrafficPolicies(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const etp = asStr(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp)
      errs.push(
        invalidValue(
          'spec.externalTrafficPolicy',
          etp,
          'may only be set for externally-accessible services',
        ),
      );
  } else if (!etp) errs.push(required('spec.externalTrafficPolicy'));
  else if (!TRAFFIC_POLICIES.includes(etp))
    errs.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));

  const hc = asNum(spec.healthCheckNodePort);
  if (!needsHealthCheck(spec)) {
    if (hc !== 0)
      errs.push(
        invalidValue(
          'spec.healthCheckNodePort',
          hc,
          "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
        ),
      );
  } else if (hc !== 0 && !portNumOK(hc)) {
    // A missing value is allocated by the API server, so only a bad one is rejected here.
    errs.push(invalidValue('spec.healthCheckNodePort', hc, PORT_RANGE_MSG));
  }

  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer' || spec.type === 'ClusterIP')
      errs.push(required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(asStr(itp))) {
    errs.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  const td = spec.trafficDistribution;
  if (td !== undefined && td !== null && td !== 'PreferClose')
    errs.push(notSupported('spec.trafficDistribution', td, ['PreferClose']));
  return errs;
}

/** ValidateServiceUpdate's update-only rules (ValidateService runs as `validate`). */
export function validateServiceUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const oldSpec = specOf(old);
  const errs: FieldError[] = [];
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
    errs.push(...upgradeDowngradeClusterIPs(oldSpec, spec));
    errs.push(...upgradeDowngradeIPFamilies(oldSpec, spec));
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type === 'LoadBalancer')
    if (!equalIgnoringEmpty(oldSpec.loadBalancerClass, spec.loadBalancerClass))
      errs.push(
        invalidValue(
          'spec.loadBalancerClass',
          spec.loadBalancerClass ?? null,
          'may not change once set',
        ),
      );
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec))
    if (asNum(spec.healthCheckNodePort) !== asNum(oldSpec.healthCheckNodePort))
      errs.push(forbiddenField('spec.healthCheckNodePort', 'field is immutable'));
  return errs;
}

function upgradeDowngradeClusterIPs(oldSpec: Obj, spec: Obj): FieldError[] {
  if (isHeadless(oldSpec) && isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const oldIPs = clusterIPsOf(oldSpec);
  const ips = clusterIPsOf(spec);
  const changed = (i: number): FieldError =>
    invalidValue(`spec.clusterIPs[${i}]`, ips, 'may not change once set');
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(changed(i));
    });
  } else if (oldIPs.length > ips.length) {
    if (ips.length === 0)
      errs.push(invalidValue('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(changed(0));
    if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack')
      errs.push(
        invalidValue(
          'spec.ipFamilyPolicy',
          spec.ipFamilyPolicy ?? null,
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
  } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
    errs.push(changed(0));
  }
  return errs;
}

function upgradeDowngradeIPFamilies(oldSpec: Obj, spec: Obj): FieldError[] {
  if (isHeadless(oldSpec) || isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const oldF = strs(oldSpec.ipFamilies);
  const f = strs(spec.ipFamilies);
  if (oldF.length === f.length) {
    oldF.forEach((fam, i) => {
      if (fam !== f[i]) errs.push(invalidValue('spec.ipFamilies[0]', f, 'may not change once set'));
    });
  } else if (oldF.length > f.length) {
    if (clusterIPsOf(spec).length === 0)
      errs.push(invalidValue('spec.ipFamilies[0]', f, 'primary ipFamily can not be unset'));
    if (f.length > 0 && f[0] !== oldF[0])
      errs.push(invalidValue('spec.ipFamilies[0]', clusterIPsOf(spec), 'may not change once set'));
    if (f.length === 1 && spec.ipFamilyPolicy !== 'SingleStack')
      errs.push(
        invalidValue(
          'spec.ipFamilyPolicy',
          spec.ipFamilyPolicy ?? null,
          "must be set to 'SingleStack' when releasing the secondary ipFamily",
        ),
      );
  } else if (oldF.length > 0 && f.length > 0 && f[0] !== oldF[0]) {
    errs.push(invalidValue('spec.ipFamilies[0]', clusterIPsOf(spec), 'may not change once set'));
  }
  return errs;
}

/** ValidateServiceStatusUpdate: load-balancer ingress entries. */
export function validateServiceStatusUpdate(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj);
  const ingress = objs(asObj(asObj(obj.status)?.loadBalancer)?.ingress);
  if (spec.type !== 'LoadBalancer' && ingress.length > 0)
    return [
      forbiddenField(
        'status.loadBalancer.ingress',
        "may only be used when `spec.type` is 'LoadBalancer'",
      ),
    ];
  ingress.forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    const ip = asStr(ing.ip);
    if (ip) errs.push(...validIP(`${p}.ip`, ip));
    if (ing.ipMode !== undefined && ing.ipMode !== null) {
      if (!ip)
        errs.push(forbiddenField(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
      else if (!['Proxy', 'VIP'].includes(asStr(ing.ipMode)))
        errs.push(notSupported(`${p}.ipMode`, ing.ipMode, ['Proxy', 'VIP']));
    } else if (ip) errs.push(required(`${p}.ipMode`, 'must be specified when `ip` is set'));
    const host = asStr(ing.hostname);
    if (host) {
      for (const m of isDNS1123Subdomain(host)) errs.push(invalidValue(`${p}.hostname`, host, m));
      if (parseIP(host))
        errs.push(invalidValue(`${p}.hostname`, host, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---- printing ----

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

function row(obj: KubeObject, now: Date): unknown[] {
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

export const serviceResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [
    {
      name: 'proxy',
      kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' },
      verbs: ['create', 'delete', 'get', 'patch', 'update'],
    },
    { name: 'status', verbs: ['get', 'patch', 'update'] },
  ],
  strategy: {
    defaults: (obj: KubeObject, _ctx: StrategyContext) => defaultService(obj),
    prepareForCreate: (obj) => prepareForCreate(obj),
    prepareForUpdate: (obj, old) => prepareForUpdate(obj, old),
    validate: (obj) => validateService(obj),
    validateUpdate: (obj, old) => validateServiceUpdate(obj, old),
    selectableFields: (obj) => {
      const spec = specOf(obj);
      return { 'spec.clusterIP': asStr(spec.clusterIP), 'spec.type': asStr(spec.type) };
    },
    columns: [
      NAME_COLUMN,
      column(
        'Type',
        'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.',
      ),
      column(
        'Cluster-IP',
        'clusterIP is the IP address of the service and is usually assigned randomly.',
      ),
      column(
        'External-IP',
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      column('Port(s)', 'The list of ports that are exposed by this service.'),
      AGE_COLUMN,
      column(
        'Selector',
        'Route service traffic to pods with label keys and values matching this selector.',
        { priority: 1 },
      ),
    ],
    row,
  },
};
