// StorageClasses (storage.k8s.io/v1, cluster-scoped): SetDefaults_StorageClass,
// ValidateStorageClass(+Update: provisioner, parameters, reclaim policy and binding mode
// fixed once created) and printStorageClass (`(default)` after the default class's name).

import type { FieldError, KubeObject, ResourceDef } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  required,
  tooLong,
  validateObjectMeta,
} from '../../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { jsonEqual } from '../../json.js';
import { asArr, asObj, asStr, column, objs, strs } from '../kindutil.js';
import type { Obj } from '../kindutil.js';
import { isDefaultClass } from './common.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

export function defaultStorageClass(sc: KubeObject): void {
  const o = sc as Obj;
  if (o.reclaimPolicy === undefined || o.reclaimPolicy === null) o.reclaimPolicy = 'Delete';
  if (o.volumeBindingMode === undefined || o.volumeBindingMode === null)
    o.volumeBindingMode = 'Immediate';
}

function validateParameters(params: unknown): FieldError[] {
  const p = asObj(params) ?? {};
  const keys = Object.keys(p);
  if (keys.length > MAX_PARAMETERS) return [tooLong('parameters', '', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const k of keys) {
    if (k.length < 1) errs.push(invalidValue('parameters', k, 'field can not be empty.'));
    size += k.length + asStr(p[k]).length;
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(tooLong('parameters', '', MAX_PARAMETERS_SIZE));
  return errs;
}

/** validateAllowedTopologies: each term's label expressions, keys unique within a term. */
function validateAllowedTopologies(terms: unknown): FieldError[] {
  const errs: FieldError[] = [];
  objs(terms).forEach((term, i) => {
    const field = `allowedTopologies[${i}]`;
    const exprs = objs(term.matchLabelExpressions);
    if (exprs.length === 0) {
      errs.push(required(field, 'must have at least one label selector term'));
      return;
    }
    const keys = new Set<string>();
    exprs.forEach((e, j) => {
      const f = `${field}.matchLabelExpressions[${j}]`;
      const key = asStr(e.key);
      for (const m of isQualifiedName(key)) errs.push(invalidValue(`${f}.key`, key, m));
      const values = strs(e.values);
      if (asArr(e.values).length === 0)
        errs.push(required(`${f}.values`, 'must specify as least one value'));
      values.forEach((v, k) => {
        for (const m of isValidLabelValue(v)) errs.push(invalidValue(`${f}.values[${k}]`, v, m));
      });
      if (keys.has(key))
        errs.push({ type: 'FieldValueDuplicate', field: `${f}.key`, badValue: key });
      keys.add(key);
    });
  });
  return errs;
}

export function validateStorageClass(sc: KubeObject): FieldError[] {
  const o = sc as Obj;
  const errs = validateObjectMeta(sc, false);
  const provisioner = asStr(o.provisioner);
  if (!provisioner) errs.push(required('provisioner'));
  else
    for (const m of isQualifiedName(provisioner.toLowerCase()))
      errs.push(invalidValue('provisioner', provisioner.toLowerCase(), m));
  errs.push(...validateParameters(o.parameters));
  const policy = asStr(o.reclaimPolicy);
  if (policy && !RECLAIM_POLICIES.includes(policy))
    errs.push(notSupported('reclaimPolicy', policy, RECLAIM_POLICIES));
  if (o.volumeBindingMode === undefined || o.volumeBindingMode === null)
    errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(asStr(o.volumeBindingMode)))
    errs.push(notSupported('volumeBindingMode', o.volumeBindingMode, BINDING_MODES));
  errs.push(...validateAllowedTopologies(o.allowedTopologies));
  return errs;
}

export function validateStorageClassUpdate(sc: KubeObject, old: KubeObject): FieldError[] {
  const o = sc as Obj;
  const was = old as Obj;
  const errs: FieldError[] = [];
  const params = (v: unknown): Obj => asObj(v) ?? {};
  if (!jsonEqual(params(o.parameters), params(was.parameters)))
    errs.push(forbiddenField('parameters', 'updates to parameters are forbidden.'));
  if (o.provisioner !== was.provisioner)
    errs.push(forbiddenField('provisioner', 'updates to provisioner are forbidden.'));
  if (o.reclaimPolicy !== was.reclaimPolicy)
    errs.push(forbiddenField('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable(o.volumeBindingMode, was.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}

export function storageClassRow(sc: KubeObject, now: Date): unknown[] {
  const o = sc as Obj;
  const name = `${sc.metadata.name ?? ''}${isDefaultClass(sc) ? ' (default)' : ''}`;
  return [
    name,
    asStr(o.provisioner),
    asStr(o.reclaimPolicy) || 'Delete',
    asStr(o.volumeBindingMode) || 'Immediate',
    o.allowVolumeExpansion === true,
    age(sc.metadata.creationTimestamp, now),
  ];
}

export const storageClassResource: ResourceDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (sc) => defaultStorageClass(sc),
    validate: (sc) => validateStorageClass(sc),
    validateUpdate: (sc, old) => validateStorageClassUpdate(sc, old),
    columns: [
      NAME_COLUMN,
      column('Provisioner', 'Indicates the type of the provisioner.'),
      column('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
      column(
        'VolumeBindingMode',
        'Indicates VolumeBindingMode specifies how PersistentVolumeClaims should be provisioned and bound',
      ),
      column('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand'),
      AGE_COLUMN,
    ],
    row: storageClassRow,
  },
};
