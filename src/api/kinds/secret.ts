// core/v1 Secret: type Opaque by default, stringData folded into data (as the v1→internal
// conversion does), key/size/type-specific validation, and the `immutable` rule.

import type { FieldError, KubeObject, ResourceDef } from '../types.js';
import { STANDARD_VERBS } from '../types.js';
import {
  forbiddenField,
  immutable,
  invalidValue,
  required,
  tooLong,
  validateObjectMeta,
} from '../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../printing.js';
import { MAX_PAYLOAD_SIZE } from './configmap.js';
import { asObj, asStr, base64Length, column, isConfigMapKey } from './kindutil.js';
import { equalIgnoringEmpty } from '../json.js';

const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

export function defaultSecret(obj: KubeObject): void {
  if (!obj.type) obj.type = 'Opaque';
  const stringData = asObj(obj.stringData);
  if (stringData) {
    const data = { ...(asObj(obj.data) ?? {}) };
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(asStr(v), 'utf8').toString('base64');
    obj.data = data;
    delete obj.stringData;
  }
}

/**
 * The decoding error kube-apiserver answers with 400 when a data value is not base64
 * (`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4`),
 * or undefined when every value decodes.
 */
export function secretDecodeError(obj: KubeObject): string | undefined {
  for (const v of Object.values(asObj(obj.data) ?? {})) {
    if (typeof v !== 'string') continue;
    const bad = base64ErrorAt(v);
    if (bad >= 0)
      return `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${bad}`;
  }
  return undefined;
}

function base64ErrorAt(v: string): number {
  const s = v.replace(/[\r\n]/g, '');
  const m = /[^A-Za-z0-9+/=]/.exec(s);
  if (m) return m.index;
  const pad = s.indexOf('=');
  if (pad >= 0 && (!/^=*$/.test(s.slice(pad)) || s.length - pad > 2 || s.length % 4 !== 0))
    return pad;
  if (s.length % 4 !== 0) return s.length - (s.length % 4);
  return -1;
}

/** The decoded bytes of data[key], when present. */
const dataValue = (data: Record<string, unknown>, key: string): Buffer | undefined =>
  key in data ? Buffer.from(asStr(data[key]), 'base64') : undefined;

/** encoding/json's complaint about a payload, close to Go's wording. */
function jsonError(buf: Buffer): string | undefined {
  const text = buf.toString('utf8');
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return (
        'json: cannot unmarshal ' +
        (Array.isArray(v) ? 'array' : typeof v) +
        ' into Go value of type map[string]interface {}'
      );
    return undefined;
  } catch {
    const first = text.trimStart()[0];
    return first === undefined
      ? 'unexpected end of JSON input'
      : `invalid character '${first}' looking for beginning of value`;
  }
}

export function validateSecret(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj, true);
  const data = asObj(obj.data) ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalidValue(`data[${key}]`, key, m));
    total += base64Length(value);
  }
  if (total > MAX_PAYLOAD_SIZE) errs.push(tooLong('data', '', MAX_PAYLOAD_SIZE));

  const redacted = '<secret contents redacted>';
  switch (asStr(obj.type)) {
    case 'kubernetes.io/service-account-token':
      if (!obj.metadata.annotations?.['kubernetes.io/service-account.name'])
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      break;
    case 'kubernetes.io/dockercfg': {
      const v = dataValue(data, '.dockercfg');
      if (!v) errs.push(required('data[.dockercfg]'));
      else {
        const e = jsonError(v);
        if (e) errs.push(invalidValue('data[.dockercfg]', redacted, e));
      }
      break;
    }
    case 'kubernetes.io/dockerconfigjson': {
      const v = dataValue(data, '.dockerconfigjson');
      if (!v) errs.push(required('data[.dockerconfigjson]'));
      else {
        const e = jsonError(v);
        if (e) errs.push(invalidValue('data[.dockerconfigjson]', redacted, e));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        errs.push(required('data[username]'));
        errs.push(required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!dataValue(data, 'ssh-privatekey')?.length) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!('tls.crt' in data)) errs.push(required('data[tls.crt]'));
      if (!('tls.key' in data)) errs.push(required('data[tls.key]'));
      break;
    default:
      break;
  }
  return errs;
}

export function validateSecretUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = immutable(obj.type, old.type, 'type');
  if (old.immutable === true) {
    if (obj.immutable !== true) errs.push(forbiddenField('immutable', IMMUTABLE_MSG));
    if (!equalIgnoringEmpty(obj.data, old.data)) errs.push(forbiddenField('data', IMMUTABLE_MSG));
  }
  return errs;
}

export const secretResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  verbs: [...STANDARD_VERBS],
  strategy: {
    defaults: (obj) => defaultSecret(obj),
    validate: (obj) => validateSecret(obj),
    validateUpdate: (obj, old) => validateSecretUpdate(obj, old),
    selectableFields: (obj) => ({ type: asStr(obj.type) }),
    columns: [
      NAME_COLUMN,
      column('Type', 'Used to facilitate programmatic handling of secret data.'),
      column(
        'Data',
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'.",
      ),
      AGE_COLUMN,
    ],
    row: (obj, now) => [
      obj.metadata.name ?? '',
      asStr(obj.type),
      Object.keys(asObj(obj.data) ?? {}).length,
      age(obj.metadata.creationTimestamp, now),
    ],
  },
};
