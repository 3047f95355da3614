// ValidateServiceUpdate's update-only rules and ValidateServiceStatusUpdate.

import type { FieldError, KubeObject } from '../../types.js';
import {
  forbiddenField,
  invalidValue,
  isDNS1123Subdomain,
  notSupported,
  required,
} from '../../validation/common.js';
import { asNum, asObj, asStr, objs, parseIP, specOf, strs, validIP } from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import { clusterIPsOf, isHeadless, needsHealthCheck } from './shared.js';
import { equalIgnoringEmpty } from '../../json.js';

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
