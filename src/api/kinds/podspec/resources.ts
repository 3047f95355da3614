// Container resource requirements: resource names and quantities (ValidateResourceRequirements).

import type { FieldError } from '../../types.js';
import {
  forbiddenField,
  invalidValue,
  isQualifiedName,
  required,
} from '../../validation/common.js';
import {
  QUANTITY_FORMAT_MSG,
  compareQuantity,
  formatQuantity,
  parseQuantity,
} from '../../quantity.js';
import type { Quantity } from '../../quantity.js';
import { NEGATIVE_MSG, qualifiedName } from './fields.js';
import { has, obj } from './json.js';

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
  'count/*',
]);
const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'services.nodeports',
  'services.loadbalancers',
  'persistentvolumeclaims',
  'configmaps',
  'secrets',
]);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNativeResource = (name: string): boolean =>
  !name.includes('/') || name.includes('kubernetes.io/');
const isExtendedResource = (name: string): boolean =>
  !isNativeResource(name) &&
  !name.startsWith('requests.') &&
  isQualifiedName(`requests.${name}`).length === 0;
export const overcommitAllowed = (name: string): boolean =>
  isNativeResource(name) && !isHugePages(name);

/** validateResourceName: a qualified name, standard unless it has a domain prefix. */
export function resourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(name, field);
  if (errs.length) return errs;
  if (!name.includes('/') && !STANDARD_RESOURCES.has(name) && !isHugePages(name))
    errs.push(invalidValue(field, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

/** validateContainerResourceName. */
export function containerResourceName(name: string, field: string): FieldError[] {
  const errs = qualifiedName(name, field);
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name))
      errs.push(invalidValue(field, name, 'must be a standard resource type or fully qualified'));
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name))
      errs.push(invalidValue(field, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(invalidValue(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue, with the decoder's syntax check in front of it. */
export function quantityValue(
  name: string,
  v: unknown,
  field: string,
): { q?: Quantity; errs: FieldError[] } {
  const q = parseQuantity(v);
  if (!q) return { errs: [invalidValue(field, v, QUANTITY_FORMAT_MSG)] };
  const errs: FieldError[] = [];
  if (q.n < 0n) errs.push(invalidValue(field, formatQuantity(q), NEGATIVE_MSG));
  const integral = q.exp >= 0 || q.n % 10n ** BigInt(-q.exp) === 0n;
  if ((INTEGER_RESOURCES.has(name) || isExtendedResource(name)) && !integral)
    errs.push(invalidValue(field, formatQuantity(q), 'must be an integer'));
  return { q, errs };
}

/** ValidateContainerResourceRequirements (requests ≤ limits, names, quantities). */
export function validateResources(res: unknown, field: string): FieldError[] {
  const r = obj(res) ?? {};
  const errs: FieldError[] = [];
  const limPath = `${field}.limits`;
  const reqPath = `${field}.requests`;
  const limits = new Map<string, Quantity>();
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, v] of Object.entries(obj(r.limits) ?? {})) {
    const p = `${limPath}[${name}]`;
    errs.push(...containerResourceName(name, p));
    const { q, errs: qErrs } = quantityValue(name, v, p);
    errs.push(...qErrs);
    if (q) limits.set(name, q);
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, v] of Object.entries(obj(r.requests) ?? {})) {
    const p = `${reqPath}[${name}]`;
    errs.push(...containerResourceName(name, p));
    const { q, errs: qErrs } = quantityValue(name, v, p);
    errs.push(...qErrs);
    const limit = limits.get(name);
    if (q && limit) {
      const cmp = compareQuantity(q, limit);
      if (cmp !== 0 && !overcommitAllowed(name))
        errs.push(
          invalidValue(
            reqPath,
            formatQuantity(q),
            `must be equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
      else if (cmp > 0)
        errs.push(
          invalidValue(
            reqPath,
            formatQuantity(q),
            `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
    } else if (q && !overcommitAllowed(name) && !has(obj(r.limits) ?? {}, name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (hugePages && !cpuOrMemory)
    errs.push(forbiddenField(field, 'HugePages require cpu or memory'));
  return errs;
}
