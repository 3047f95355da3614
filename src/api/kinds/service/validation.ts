// ValidateService, with kube-apiserver's field paths and messages. ClusterIP and NodePort
// allocation belong to the API server: a missing clusterIP and missing nodePorts are accepted.

import type { FieldError, KubeObject } from '../../types.js';
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
} from '../../validation/common.js';
import {
  PORT_RANGE_MSG,
  asNum,
  asObj,
  asStr,
  nonSpecialIP,
  objs,
  parseIP,
  portNumOK,
  specOf,
  strs,
  validCIDR,
  validIP,
} from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import {
  AFFINITIES,
  IP_FAMILIES,
  IP_FAMILY_POLICIES,
  MAX_AFFINITY_SECONDS,
  NODE_PORT_RANGE,
  PROTOCOLS,
  SERVICE_TYPES,
  TRAFFIC_POLICIES,
  clusterIPsOf,
  externallyAccessible,
  isHeadless,
  needsHealthCheck,
  needsNodePort,
} from './shared.js';

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
