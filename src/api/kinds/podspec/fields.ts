// Field-level checks the PodSpec validation shares: names, paths, ports, modes and ranges,
// each returning the FieldErrors kube-apiserver reports.

import type { FieldError } from '../../types.js';
import {
  invalidValue,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortName,
} from '../../validation/common.js';
import { isIP } from 'node:net';

export const NEGATIVE_MSG = 'must be greater than or equal to 0';
const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
export const PORT_MSG = 'must be between 1 and 65535, inclusive';
export const MAX_INT32 = 2147483647;
export const ID_RANGE_MSG = `must be between 0 and ${MAX_INT32}, inclusive`;

export const dnsLabel = (value: string, field: string): FieldError[] =>
  isDNS1123Label(value).map((m) => invalidValue(field, value, m));
export const dnsSubdomain = (value: string, field: string): FieldError[] =>
  isDNS1123Subdomain(value).map((m) => invalidValue(field, value, m));
export const qualifiedName = (value: string, field: string): FieldError[] =>
  isQualifiedName(value).map((m) => invalidValue(field, value, m));

/** ValidateNonnegativeField for a number that may be absent (absent counts as 0). */
export function nonNegative(v: unknown, field: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [invalidValue(field, v, NEGATIVE_MSG)] : [];
}

export const inRange = (v: unknown, lo: number, hi: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

export function fileMode(v: unknown, field: string): FieldError[] {
  return typeof v === 'number' && (v > 0o777 || v < 0)
    ? [invalidValue(field, v, FILE_MODE_MSG)]
    : [];
}

export function ipAddress(field: string, value: string): FieldError[] {
  return isIP(value)
    ? []
    : [invalidValue(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

/** ValidatePortNumOrName on an IntOrString. */
export function portNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'string')
    return isValidPortName(port).map((m) => invalidValue(field, port, m));
  const n = typeof port === 'number' ? port : 0;
  return inRange(n, 1, 65535) ? [] : [invalidValue(field, n, PORT_MSG)];
}

export function relaxedEnvVarName(value: string, field: string): FieldError[] {
  // RelaxedEnvironmentVariableValidation (on by default since 1.32).
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c > 0x7e || ch === '=')
      return [
        invalidValue(
          field,
          value,
          "a valid environment variable name must consist only of printable ASCII characters other than '='",
        ),
      ];
  }
  return [];
}

export function configMapKey(value: string, field: string): FieldError[] {
  const msgs: string[] = [];
  if (value.length > 253) msgs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(value))
    msgs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (value === '.') msgs.push("must not be '.'");
  else if (value === '..') msgs.push("must not be '..'");
  else if (value.startsWith('..')) msgs.push("must not start with '..'");
  return msgs.map((m) => invalidValue(field, value, m));
}

export function noBacksteps(path: string, field: string): FieldError[] {
  return path.split('/').includes('..') ? [invalidValue(field, path, "must not contain '..'")] : [];
}

export function localDescendingPath(path: string, field: string): FieldError[] {
  const errs = path.startsWith('/') ? [invalidValue(field, path, 'must be a relative path')] : [];
  return [...errs, ...noBacksteps(path, field)];
}

export function localNonReservedPath(path: string, field: string): FieldError[] {
  const errs = localDescendingPath(path, field);
  if (path.startsWith('..') && !path.startsWith('../'))
    errs.push(invalidValue(field, path, "must not start with '..'"));
  return errs;
}

/** The resources a downward API resourceFieldRef may name (env and volumes). */
export const RESOURCE_FIELDS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
