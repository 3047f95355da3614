// Label and field selectors: parsing (with apimachinery's error texts) and matching.

import { badRequest } from './errors.js';

export type Requirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = Requirement[];

const KEY = /^([A-Za-z0-9][-A-Za-z0-9_./]*)?[A-Za-z0-9]$/;

/** Parses the `labelSelector` query syntax: `a=b,c!=d,e in (f,g),!h,i`. */
export function parseLabelSelector(text: string): LabelSelector {
  const reqs: Requirement[] = [];
  let i = 0;
  const s = text;
  const skipWs = (): void => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const readKey = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !' ,=!()<>'.includes(s[i] as string)) i++;
    const key = s.slice(start, i);
    if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}"`);
    return key;
  };
  const readValue = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !' ,()'.includes(s[i] as string)) i++;
    return s.slice(start, i);
  };
  /** The value after `=`, `==`, `!=`, `>` or `<`: an operator or parenthesis is not one. */
  const exactValue = (): string => {
    skipWs();
    if ('=!()<>'.includes(s[i] ?? ',')) {
      const two = s.slice(i, i + 2);
      const lit = two === '!=' || two === '==' ? two : (s[i] as string);
      throw badRequest(`unable to parse requirement: found '${lit}', expected: identifier`);
    }
    return readValue();
  };
  skipWs();
  if (i >= s.length) return reqs;
  for (;;) {
    skipWs();
    if (s[i] === '!') {
      i++;
      reqs.push({ key: readKey(), op: '!' });
    } else {
      const key = readKey();
      skipWs();
      const rest = s.slice(i);
      if (rest.startsWith('==')) {
        i += 2;
        reqs.push({ key, op: '=', value: exactValue() });
      } else if (rest.startsWith('!=')) {
        i += 2;
        reqs.push({ key, op: '!=', value: exactValue() });
      } else if (rest.startsWith('=')) {
        i += 1;
        reqs.push({ key, op: '=', value: exactValue() });
      } else if (rest.startsWith('>') || rest.startsWith('<')) {
        i += 1;
        const v = exactValue();
        const n = Number(v);
        if (!Number.isInteger(n))
          throw badRequest(
            `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        reqs.push({ key, op: rest.startsWith('>') ? 'gt' : 'lt', value: n });
      } else if (/^(in|notin)\s*\(/.test(rest)) {
        const op = rest.startsWith('in') ? 'in' : 'notin';
        i += op.length;
        skipWs();
        i++; // (
        const values: string[] = [];
        for (;;) {
          const v = readValue();
          if (v) values.push(v);
          skipWs();
          if (s[i] === ',') {
            i++;
            continue;
          }
          if (s[i] === ')') {
            i++;
            break;
          }
          throw badRequest(
            `unable to parse requirement: found '${s[i] ?? ''}', expected: ',', ')'`,
          );
        }
        reqs.push({ key, op, values });
      } else if (rest === '' || rest.startsWith(',')) {
        reqs.push({ key, op: 'exists' });
      } else {
        throw badRequest(
          `unable to parse requirement: found '${rest[0]}', expected: in, notin, =, ==, !=, gt, lt`,
        );
      }
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ',') throw badRequest(`found '${s[i]}', expected: ',' or 'end of string'`);
    i++;
  }
  return reqs;
}

export function matchesLabels(
  sel: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
        if (v !== r.value) return false;
        break;
      case '!=':
        if (v === r.value) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has) return false;
        const n = Number(v);
        if (!Number.isInteger(n)) return false;
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
        break;
      }
    }
  }
  return true;
}

/** A metav1.LabelSelector object (matchLabels + matchExpressions) as requirements. */
export function fromLabelSelectorObject(sel: unknown): LabelSelector | undefined {
  if (!sel || typeof sel !== 'object') return undefined;
  const o = sel as {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  };
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(o.matchLabels ?? {}))
    reqs.push({ key, op: '=', value });
  for (const e of o.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, op: 'in', values: e.values ?? [] });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, op: 'notin', values: e.values ?? [] });
        break;
      case 'Exists':
        reqs.push({ key: e.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, op: '!' });
        break;
    }
  }
  return reqs;
}

/** A map selector (Service, ReplicationController): every pair must match. */
export function fromMap(m: Record<string, string> | undefined): LabelSelector {
  return Object.entries(m ?? {}).map(([key, value]) => ({ key, op: '=' as const, value }));
}

/** `app=web,tier=db` for a selector, as metav1.FormatLabelSelector prints it. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case '=':
          return `${r.key}=${r.value}`;
        case '!=':
          return `${r.key}!=${r.value}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'gt':
          return `${r.key}>${r.value}`;
        case 'lt':
          return `${r.key}<${r.value}`;
      }
      return '';
    })
    .join(',');
}

// ---- field selectors ----

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses `a=b,c!=d,e==f`; backslash escapes `,` `=` `!` `\`. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (!text.trim()) return reqs;
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + (text[i + 1] as string);
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  const unescape = (v: string): string => v.replace(/\\(.)/g, '$1');
  for (const p of parts) {
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(p);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${p}'`);
    const op = m[2] === '!=' ? '!=' : '=';
    reqs.push({ field: (m[1] ?? '').trim(), op, value: unescape(m[3] ?? '') });
  }
  return reqs;
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
