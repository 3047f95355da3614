// core/v1 ConfigMap: key and size validation, and the `immutable` rule.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import { forbiddenField, invalidValue, tooLong, validateObjectMeta } from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { asObj, base64Length, column, isConfigMapKey } from './kindutil.js';
import { equalIgnoringEmpty } from '../json.js';

/** core.MaxSecretSize: the limit on configmap and secret payloads. */
export const MAX_PAYLOAD_SIZE = 1024 * 1024;

const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

export function validateConfigMap(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, true);
  const data = asObj(obj.data) ?? {};
  const binary = asObj(obj.binaryData) ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalidValue(`data[${key}]`, key, m));
    if (key in binary)
      errs.push(invalidValue(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += typeof value === 'string' ? Buffer.byteLength(value) : 0;
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of isConfigMapKey(key)) errs.push(invalidValue(`binaryData[${key}]`, key, m));
    total += base64Length(value);
  }
  // The whole object is at fault; kube-apiserver's root path prints as `[]`.
  if (total > MAX_PAYLOAD_SIZE) errs.push(tooLong('[]', '', MAX_PAYLOAD_SIZE));
  return errs;
}

export function validateConfigMapUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbiddenField('immutable', IMMUTABLE_MSG));
  if (!equalIgnoringEmpty(obj.data, old.data)) errs.push(forbiddenField('data', IMMUTABLE_MSG));
  if (!equalIgnoringEmpty(obj.binaryData, old.binaryData))
    errs.push(forbiddenField('binaryData', IMMUTABLE_MSG));
  return errs;
}

export const configMapResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  verbs: [...STANDARD_VERBS],
  strategy: {
    validate: (obj) => validateConfigMap(obj),
    validateUpdate: (obj, old) => validateConfigMapUpdate(obj, old),
    columns: [NAME_COLUMN, column('Data', 'Data contains the configuration data.'), AGE_COLUMN],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      Object.keys(asObj(obj.data) ?? {}).length + Object.keys(asObj(obj.binaryData) ?? {}).length,
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
