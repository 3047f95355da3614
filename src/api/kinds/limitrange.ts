// core/v1 LimitRange: SetDefaults_LimitRangeItem, ValidateLimitRange (with its messages and
// bad values as kube-apiserver prints them) and the default table (Name, Created At).

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  duplicate,
  forbiddenField,
  invalidValue,
  isQualifiedName,
  required,
  validateObjectMeta,
} from '../validation/common.js';
import { DEFAULT_COLUMNS } from '../printing.js';
import {
  QUANTITY_FORMAT_MSG,
  compareQuantity,
  formatQuantity,
  integerValue,
  milliValue,
  parseQuantity,
} from '../quantity.js';
import type { Quantity } from '../quantity.js';
import { goLiteral } from '../go-literal.js';
import type { GoLiteral } from '../go-literal.js';
import { asObj, asStr, ensureObj, objs, specOf } from './kindutil.js';
import type { Obj } from './kindutil.js';
import { canonicalQuantities } from './storage/common.js';
import { containerResourceName, overcommitAllowed, resourceName } from './podspec/index.js';

export const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'] as const;

const QUANTITY_LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'];

/** SetDefaults_LimitRangeItem, and quantities written back in canonical form. */
export function defaultLimitRange(lr: KubeObject): void {
  for (const item of objs(specOf(lr).limits)) {
    for (const key of QUANTITY_LISTS) canonicalQuantities(item[key]);
    if (item.type !== 'Container') continue;
    // Empty lists stay out of the object, as Go's omitempty leaves them.
    const fill = (key: string, from: unknown): void => {
      for (const [name, q] of Object.entries(asObj(from) ?? {})) {
        const into = ensureObj(item, key);
        if (!(name in into)) into[name] = q;
      }
    };
    // The limit defaults to the max, the request to the limit, else to the min.
    fill('default', item.max);
    fill('defaultRequest', item.default);
    fill('defaultRequest', item.min);
  }
}

/** resource.MaxMilliValue: the largest value whose milli value fits an int64. */
const MAX_MILLI_VALUE = 9223372036854775n;

/**
 * A resource.Quantity as Go's %#v prints one parsed from its text (the int64 form: the digits
 * and the decimal scale, bytes for binary suffixes) with its string cached by the String()
 * call of the message: ValidateLimitRange passes quantities themselves as bad values.
 */
export function goQuantity(q: Quantity): GoLiteral {
  const scale = q.format === 'BinarySI' ? 0 : q.exp;
  return goLiteral(
    `resource.Quantity{i:resource.int64Amount{value:${q.n}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(formatQuantity(q))}, Format:${JSON.stringify(q.format)}}`,
  );
}

/** validateLimitRangeTypeName. */
function typeName(value: string, field: string): FieldError[] {
  const errs = isQualifiedName(value).map((m) => invalidValue(field, value, m));
  if (errs.length) return errs;
  if (!value.includes('/') && !(LIMIT_TYPES as readonly string[]).includes(value))
    return [invalidValue(field, value, 'must be a standard limit type or fully qualified')];
  return [];
}

/** validateLimitRangeResourceName: container names for Pod and Container, any other else. */
const limitResourceName = (type: string, name: string, field: string): FieldError[] =>
  type === 'Pod' || type === 'Container'
    ? containerResourceName(name, field)
    : resourceName(name, field);

interface Parsed {
  q: Quantity;
}

/** Go's %f: six decimals, `+Inf` for an infinite quotient. */
const goFloat = (x: number): string =>
  Number.isFinite(x) ? x.toFixed(6) : Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';

export function validateLimitRange(lr: KubeObject): FieldError[] {
  const errs = validateObjectMeta(lr, true);
  const seen = new Set<string>();
  objs(specOf(lr).limits).forEach((item, i) => {
    const path = `spec.limits[${i}]`;
    const type = asStr(item.type);
    errs.push(...typeName(type, `${path}.type`));
    if (seen.has(type)) errs.push(duplicate(`${path}.type`, type));
    seen.add(type);

    const keys = new Set<string>();
    const lists: Record<string, Map<string, Parsed>> = {};
    const read = (key: string): void => {
      const into = new Map<string, Parsed>();
      lists[key] = into;
      for (const [name, v] of Object.entries(asObj(item[key]) ?? {})) {
        const field = `${path}.${key}[${name}]`;
        errs.push(...limitResourceName(type, name, field));
        keys.add(name);
        const q = parseQuantity(v);
        if (q) into.set(name, { q });
        else errs.push(invalidValue(field, v, QUANTITY_FORMAT_MSG));
      }
    };
    read('max');
    read('min');
    if (type === 'Pod') {
      if (Object.keys(asObj(item.default) ?? {}).length > 0)
        errs.push(forbiddenField(`${path}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(asObj(item.defaultRequest) ?? {}).length > 0)
        errs.push(
          forbiddenField(`${path}.defaultRequest`, "may not be specified when `type` is 'Pod'"),
        );
    } else {
      read('default');
      read('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim') {
      const has = (key: string): boolean => asObj(item[key])?.['storage'] !== undefined;
      if (!has('min') && !has('max'))
        errs.push(
          required(
            `${path}.limits`,
            'either minimum or maximum storage value is required, but neither was provided',
          ),
        );
    }
    read('maxLimitRequestRatio');

    for (const k of keys) {
      const min = lists['min']?.get(k);
      const max = lists['max']?.get(k);
      const def = lists['default']?.get(k);
      const defReq = lists['defaultRequest']?.get(k);
      const ratio = lists['maxLimitRequestRatio']?.get(k);
      const s = (p: Parsed): string => formatQuantity(p.q);
      const bad = (p: Parsed): GoLiteral => goQuantity(p.q);
      const gt = (a: Parsed, b: Parsed): boolean => compareQuantity(a.q, b.q) > 0;
      if (min && max && gt(min, max))
        errs.push(
          invalidValue(
            `${path}.min[${k}]`,
            bad(min),
            `min value ${s(min)} is greater than max value ${s(max)}`,
          ),
        );
      if (defReq && min && gt(min, defReq))
        errs.push(
          invalidValue(
            `${path}.defaultRequest[${k}]`,
            bad(defReq),
            `min value ${s(min)} is greater than default request value ${s(defReq)}`,
          ),
        );
      if (defReq && max && gt(defReq, max))
        errs.push(
          invalidValue(
            `${path}.defaultRequest[${k}]`,
            bad(defReq),
            `default request value ${s(defReq)} is greater than max value ${s(max)}`,
          ),
        );
      if (defReq && def && gt(defReq, def))
        errs.push(
          invalidValue(
            `${path}.defaultRequest[${k}]`,
            bad(defReq),
            `default request value ${s(defReq)} is greater than default limit value ${s(def)}`,
          ),
        );
      // kube reports these two with the min and the max as the bad value.
      if (def && min && gt(min, def))
        errs.push(
          invalidValue(
            `${path}.default[${k}]`,
            bad(min),
            `min value ${s(min)} is greater than default value ${s(def)}`,
          ),
        );
      if (def && max && gt(def, max))
        errs.push(
          invalidValue(
            `${path}.default[${k}]`,
            bad(max),
            `default value ${s(def)} is greater than max value ${s(max)}`,
          ),
        );
      if (ratio && compareQuantity(ratio.q, { n: 1n, exp: 0, format: 'DecimalSI' }) < 0)
        errs.push(
          invalidValue(
            `${path}.maxLimitRequestRatio[${k}]`,
            bad(ratio),
            `ratio ${s(ratio)} is less than 1`,
          ),
        );
      if (ratio && min && max) {
        let ratioValue = Number(integerValue(ratio.q));
        let minValue = integerValue(min.q);
        let maxValue = integerValue(max.q);
        if (
          integerValue(ratio.q) < MAX_MILLI_VALUE &&
          minValue < MAX_MILLI_VALUE &&
          maxValue < MAX_MILLI_VALUE
        ) {
          ratioValue = Number(milliValue(ratio.q)) / 1000;
          minValue = milliValue(min.q);
          maxValue = milliValue(max.q);
        }
        const limit = Number(maxValue) / Number(minValue);
        if (ratioValue > limit)
          errs.push(
            invalidValue(
              `${path}.maxLimitRequestRatio[${k}]`,
              bad(ratio),
              `ratio ${s(ratio)} is greater than max/min = ${goFloat(limit)}`,
            ),
          );
      }
      if (!overcommitAllowed(k) && def && defReq && compareQuantity(def.q, defReq.q) !== 0)
        errs.push(
          invalidValue(
            `${path}.defaultRequest[${k}]`,
            bad(defReq),
            `default value ${s(def)} must equal to defaultRequest value ${s(defReq)} in ${k}`,
          ),
        );
    }
  });
  return errs;
}

/** The items of a LimitRange, for admission. */
export const limitRangeItems = (lr: KubeObject): Obj[] => objs(specOf(lr).limits);

export const limitRangeResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  listKind: 'LimitRangeList',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (lr) => defaultLimitRange(lr),
    validate: (lr) => validateLimitRange(lr),
    columns: DEFAULT_COLUMNS,
    row: (lr) => [lr.metadata.name ?? '', lr.metadata.creationTimestamp ?? ''],
  },
};
