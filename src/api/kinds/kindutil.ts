// Small helpers shared by the non-workload kind modules: safe access to untyped JSON,
// apimachinery's network and misc validators, and printer column building.

import { isIP } from 'node:net';
import type { FieldError, KubeObject, TableColumn } from '../types.js';
import { isJsonObject } from '../json.js';
import { invalidValue, isDNS1123Label, isDNS1123Subdomain } from '../validation/common.js';

export type Obj = Record<string, unknown>;

export const asObj = (v: unknown): Obj | undefined => (isJsonObject(v) ? v : undefined);
export const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asStr = (v: unknown): string => (typeof v === 'string' ? v : '');
export const asNum = (v: unknown): number => (typeof v === 'number' ? v : 0);
export const objs = (v: unknown): Obj[] => asArr(v).map((x) => asObj(x) ?? {});
export const strs = (v: unknown): string[] => asArr(v).map(asStr);
export const strMap = (v: unknown): Record<string, string> | undefined =>
  asObj(v) as Record<string, string> | undefined;

/** `obj[key]` as an object, created when missing (for defaulting in place). */
export function ensureObj(parent: Obj, key: string): Obj {
  const cur = asObj(parent[key]);
  if (cur) return cur;
  const made: Obj = {};
  parent[key] = made;
  return made;
}

export const specOf = (obj: KubeObject): Obj => asObj(obj.spec) ?? {};
export const statusOf = (obj: KubeObject): Obj => asObj(obj.status) ?? {};

// ---- apimachinery validators not in common.ts ----

export const PORT_RANGE_MSG = 'must be between 1 and 65535, inclusive';

/** IsValidPortNum on an untyped value (JSON numbers only). */
export const portNumOK = (n: unknown): boolean =>
  typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

/** netutils.ParseIPSloppy: IPv4 (leading zeros allowed) or IPv6. */
export function parseIP(s: string): 4 | 6 | 0 {
  if (isIP(s) === 6) return 6;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s.split('.').every((p) => Number(p) <= 255)) return 4;
  return 0;
}

export function validIP(field: string, value: string): FieldError[] {
  return parseIP(value)
    ? []
    : [invalidValue(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

export function validCIDR(field: string, value: string): FieldError[] {
  return parseCIDR(value)
    ? []
    : [
        invalidValue(
          field,
          value,
          'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
        ),
      ];
}

export function parseCIDR(s: string): { family: 4 | 6; bits: number } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const family = parseIP(s.slice(0, slash));
  const bitsText = s.slice(slash + 1);
  if (!family || !/^\d+$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (family === 4 ? 32 : 128)) return undefined;
  return { family, bits };
}

/** ValidateNonSpecialIP (endpoints, slices, external IPs). */
export function nonSpecialIP(field: string, value: string): FieldError[] {
  const fam = parseIP(value);
  if (!fam) return [invalidValue(field, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const lower = value.toLowerCase();
  const v4 = fam === 4 ? value.split('.').map(Number) : undefined;
  const unspecified = v4 ? v4.every((p) => p === 0) : /^[0:]+$/.test(lower);
  if (unspecified) errs.push(invalidValue(field, value, `may not be unspecified (${value})`));
  if (v4 ? v4[0] === 127 : lower === '::1' || /^(0+:){7}0*1$/.test(lower))
    errs.push(
      invalidValue(field, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'),
    );
  if (v4 ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab]/.test(lower))
    errs.push(
      invalidValue(field, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'),
    );
  if (v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : /^ff02:/.test(lower))
    errs.push(
      invalidValue(
        field,
        value,
        'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
      ),
    );
  return errs;
}

const WILDCARD_SUBDOMAIN = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!WILDCARD_SUBDOMAIN.test(v))
    errs.push(
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errs;
}

/** IsConfigMapKey: keys of configmaps and secrets. */
export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(v))
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** IsValidPathSegmentName (kind and name references, generic object names). */
export function isPathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  const errs: string[] = [];
  for (const c of ['/', '%']) if (v.includes(c)) errs.push(`may not contain '${c}'`);
  return errs;
}

/** IsFullyQualifiedDomainName (EndpointSlice FQDN addresses). */
export function fqdn(field: string, name: string): FieldError[] {
  if (name.length === 0) return [{ type: 'FieldValueRequired', field }];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(n);
  if (sub.length) return [invalidValue(field, n, sub.join(','))];
  const labels = n.split('.');
  if (labels.length < 2)
    return [
      invalidValue(field, n, 'should be a domain with at least two segments separated by dots'),
    ];
  for (const l of labels) {
    const e = isDNS1123Label(l);
    if (e.length) return [invalidValue(field, l, e.join(','))];
  }
  return [];
}

/** field.TooMany rendered as apimachinery does: `Too many: 1001: must have at most 1000 items`. */
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field,
  detail: `${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
});

/** Decoded byte length of a base64 value (secret data, configmap binaryData). */
export function base64Length(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const clean = v.replace(/[\r\n]/g, '');
  const pad = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - pad;
}

// ---- printing ----

export const column = (
  name: string,
  description: string,
  extra: Partial<TableColumn> = {},
): TableColumn => ({ name, type: 'string', format: '', description, priority: 0, ...extra });

/** `a,b,c + 2 more...` as the printers' listWithMoreString does. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** Sorted unique IPs/hostnames of a load-balancer status (loadBalancerStatusStringer, wide). */
export function loadBalancerIngress(status: unknown): string {
  const out = new Set<string>();
  for (const ing of objs(asObj(status)?.ingress)) {
    const ip = asStr(ing.ip);
    const host = asStr(ing.hostname);
    if (ip) out.add(ip);
    else if (host) out.add(host);
  }
  return [...out].sort().join(',');
}
