// What PersistentVolumes, PersistentVolumeClaims and StorageClasses share: access modes as
// kube's helpers read and print them, the beta class annotation, storage quantities, and a
// short diff for "spec is immutable" errors.

import type { FieldError, KubeObject } from '../../types.js';
import { forbiddenField, invalidValue, notSupported, required } from '../../validation/common.js';
import { QUANTITY_FORMAT_MSG, formatQuantity, parseQuantity } from '../../quantity.js';
import { equalIgnoringZeroValues, isJsonObject } from '../../json.js';
import { asObj, asStr, strs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** The class named by the beta annotation, which wins over spec.storageClassName. */
export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

/** helper.GetAccessModesAsString: `RWO,ROX,RWX,RWOP`, in that order, without duplicates. */
export function accessModesText(modes: unknown): string {
  const have = new Set(strs(modes));
  const out: string[] = [];
  for (const [mode, short] of [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ] as const)
    if (have.has(mode)) out.push(short);
  return out.join(',');
}

/** The access-mode rules PV and PVC specs share. */
export function validateAccessModes(modes: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let rwop = false;
  let other = false;
  for (const mode of strs(modes)) {
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(field, mode, ACCESS_MODES));
    else if (mode === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other)
    errs.push(forbiddenField(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

/** A storage quantity that must be positive (ValidatePositiveQuantityValue). */
export function positiveQuantity(v: unknown, field: string): FieldError[] {
  const q = parseQuantity(v);
  if (!q) return [invalidValue(field, v, QUANTITY_FORMAT_MSG)];
  if (q.n <= 0n) return [invalidValue(field, formatQuantity(q), 'must be greater than zero')];
  return [];
}

/** Quantities of a resource list in canonical form, as they read back from kube-apiserver. */
export function canonicalQuantities(list: unknown): void {
  const o = asObj(list);
  if (!o) return;
  for (const [k, v] of Object.entries(o)) {
    const q = parseQuantity(v);
    if (q) o[k] = formatQuantity(q);
  }
}

/** Bytes of a quantity, for comparing sizes (undefined when it does not parse). */
export function quantityBytes(v: unknown): number | undefined {
  const q = parseQuantity(v);
  return q ? Number(q.n) * 10 ** q.exp : undefined;
}

/** The storage quantity of a resource list as kube prints it (`Quantity.String()`). */
export function storageText(list: unknown): string {
  const q = parseQuantity(asObj(list)?.['storage']);
  return q ? formatQuantity(q) : '0';
}

/** ValidateClassName (a DNS subdomain) messages for a class name. */
export { isDNS1123Subdomain as classNameErrors } from '../../validation/common.js';

export const isDefaultClass = (sc: KubeObject): boolean =>
  sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' ||
  sc.metadata.annotations?.[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';

/** GetDefaultClass: the newest default class, the first by name among equally new ones. */
export function defaultStorageClass(classes: readonly KubeObject[]): KubeObject | undefined {
  const created = (c: KubeObject): number => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  return classes
    .filter(isDefaultClass)
    .sort(
      (a, b) =>
        created(b) - created(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )[0];
}

/** A short `-`/`+` listing of what differs, in place of Go's cmp.Diff. */
export function specDiff(typeName: string, oldSpec: unknown, newSpec: unknown): string {
  const lines: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (lines.length >= 40 || equalIgnoringZeroValues(a, b)) return;
    if (isJsonObject(a) && isJsonObject(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
        walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (a !== undefined) lines.push(`- \t${path}: ${JSON.stringify(a)}`);
    if (b !== undefined) lines.push(`+ \t${path}: ${JSON.stringify(b)}`);
  };
  walk(oldSpec, newSpec, '');
  return [`  ${typeName}{`, ...lines, '  }'].join('\n');
}

export const requiredIfEmpty = (o: Obj, key: string, field: string): FieldError[] =>
  asStr(o[key]) ? [] : [required(`${field}.${key}`)];
