// Label and field selectors: parsing (with apimachinery's error texts) and matching.

import { badRequest } from './errors.js';
import type { FieldError } from './types.js';
import {
  forbiddenField,
  invalidValue,
  isQualifiedName,
  isValidLabelValue,
  required,
  validateLabels,
} from './validation/common.js';

export type Requirement =
  | { key: string; op: 'exists' | '!' }
  | { key: string; op: '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

export type LabelSelector = Requirement[];

// ---- label selector syntax: apimachinery's lexer and parser, with its error texts ----

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const KEYWORDS = new Set<string>([')', ',', '!', '==', '=', '>', 'in', '<', '!=', 'notin', '(']);
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

interface Scanned {
  tok: Token;
  lit: string;
}

/** Splits a selector into tokens as apimachinery's Lexer does (a NUL ends the input). */
function lex(s: string): Scanned[] {
  const out: Scanned[] = [];
  const n = s.indexOf('\0') >= 0 ? s.indexOf('\0') : s.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(s[i] as string)) i++;
    if (i >= n) {
      out.push({ tok: 'end', lit: '' });
      return out;
    }
    if (isSpecial(s[i] as string)) {
      // The longest run of special characters that is still an operator.
      let buf = '';
      let last: Scanned | undefined;
      while (i < n && isSpecial(s[i] as string)) {
        buf += s[i];
        if (KEYWORDS.has(buf)) {
          last = { tok: buf as Token, lit: buf };
          i++;
        } else if (last) break;
        else i++;
      }
      out.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    const start = i;
    while (i < n && !isSpecial(s[i] as string) && !isSpace(s[i] as string)) i++;
    const word = s.slice(start, i);
    out.push({ tok: word === 'in' || word === 'notin' ? word : 'identifier', lit: word });
  }
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

/** `<nil>: Invalid value: "k": …`: a field error without a path, as the parser reports keys. */
const invalidAt = (path: string, value: string, msgs: string[]): string =>
  `${path}: Invalid value: ${JSON.stringify(value)}: ${msgs.join('; ')}`;

class SelectorParser {
  private pos = 0;
  private readonly items: Scanned[];
  constructor(items: Scanned[]) {
    this.items = items;
  }

  /** In a value position `in` and `notin` are plain identifiers. */
  private look(values: boolean): Scanned {
    const it = this.items[this.pos] ?? { tok: 'end', lit: '' };
    return values && (it.tok === 'in' || it.tok === 'notin')
      ? { tok: 'identifier', lit: it.lit }
      : it;
  }

  private next(values: boolean): Scanned {
    const it = this.look(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.look(true);
      if (tok === 'end') return reqs;
      if (tok !== 'identifier' && tok !== '!')
        throw new Error(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const after = this.next(true);
      if (after.tok === 'end') return reqs;
      if (after.tok !== ',')
        throw new Error(`found '${after.lit}', expected: ',' or 'end of string'`);
      const t2 = this.look(true);
      if (t2.tok !== 'identifier' && t2.tok !== '!')
        throw new Error(`found '${t2.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let first = this.next(true);
    const negated = first.tok === '!';
    if (negated) first = this.next(true);
    if (first.tok !== 'identifier') throw new Error(`found '${first.lit}', expected: identifier`);
    const key = first.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new Error(invalidAt('<nil>', key, keyErrs));
    const ahead = this.look(true).tok;
    if (negated) return { key, op: '!' };
    if (ahead === 'end' || ahead === ',') return { key, op: 'exists' };
    const op = this.next(false);
    let values: string[];
    switch (op.tok) {
      case 'in':
      case 'notin':
        values = this.setValues();
        break;
      case '=':
      case '==':
      case '!=':
      case '>':
      case '<':
        values = this.exactValue();
        break;
      default:
        throw new Error(`found '${op.lit}', expected: ${BINARY_OPERATORS}`);
    }
    // The values form a sorted set; every problem with them is reported at once.
    values = [...new Set(values)].sort();
    const errs: string[] = [];
    if (op.tok === '>' || op.tok === '<')
      values.forEach((v, i) => {
        if (!/^[-+]?[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v)))
          errs.push(
            invalidAt(`values[${i}]`, v, [
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ]),
          );
      });
    values.forEach((v, i) => {
      const bad = isValidLabelValue(v);
      if (bad.length) errs.push(invalidAt(`values[${i}][${key}]`, v, bad));
    });
    if (errs.length) throw new Error(errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    switch (op.tok) {
      case 'in':
        return { key, op: 'in', values };
      case 'notin':
        return { key, op: 'notin', values };
      case '!=':
        return { key, op: '!=', value: values[0] ?? '' };
      case '>':
        return { key, op: 'gt', value: Number(values[0]) };
      case '<':
        return { key, op: 'lt', value: Number(values[0]) };
      default:
        return { key, op: '=', value: values[0] ?? '' };
    }
  }

  /** `(a,b,,c)`: empty members are empty strings. */
  private setValues(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.look(true);
    if (tok === ')') {
      this.pos++;
      return [''];
    }
    if (tok !== 'identifier' && tok !== ',')
      throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    // apimachinery quotes the token seen before the list here.
    if (this.next(true).tok !== ')') throw new Error(`found '${lit}', expected: ')'`);
    return values;
  }

  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === 'identifier') {
        values.push(lit);
        const t2 = this.look(true);
        if (t2.tok === ',') continue;
        if (t2.tok === ')') return values;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (!values.length) values.push('');
        const t2 = this.look(true).tok;
        if (t2 === ')') {
          values.push('');
          return values;
        }
        if (t2 === ',') values.push('');
        continue;
      }
      throw new Error(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private exactValue(): string[] {
    const ahead = this.look(true).tok;
    if (ahead === 'end' || ahead === ',') return [''];
    const { tok, lit } = this.next(true);
    if (tok === 'identifier') return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses the `labelSelector` query syntax (`a=b,c!=d,e in (f,g),!h,i,j>1`) as apimachinery's
 * labels.Parse does, keys and values validated; errors are 400s with its words.
 */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    return new SelectorParser(lex(text)).parse();
  } catch (e) {
    throw badRequest((e as Error).message);
  }
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

// ---- metav1.LabelSelector objects in specs: validation, conversion, printing ----

interface SelectorExpression {
  key?: unknown;
  operator?: unknown;
  values?: unknown;
}

/** unversionedvalidation.ValidateLabelSelector (strict label values). */
export function validateLabelSelector(sel: unknown, field: string): FieldError[] {
  if (typeof sel !== 'object' || sel === null || Array.isArray(sel)) return [];
  const s = sel as { matchLabels?: unknown; matchExpressions?: unknown };
  const errs = validateLabels(s.matchLabels, `${field}.matchLabels`);
  const expressions = Array.isArray(s.matchExpressions) ? (s.matchExpressions as unknown[]) : [];
  expressions.forEach((raw, i) =>
    errs.push(...validateSelectorRequirement(raw, `${field}.matchExpressions[${i}]`)),
  );
  return errs;
}

/**
 * One selector requirement: metav1's ValidateLabelSelectorRequirement (`In`, `NotIn`,
 * `Exists`, `DoesNotExist`), or with `numeric` core's ValidateNodeSelectorRequirement, which
 * also takes `Gt` and `Lt` with a single value.
 */
export function validateSelectorRequirement(
  raw: unknown,
  p: string,
  numeric = false,
): FieldError[] {
  const errs: FieldError[] = [];
  const e: SelectorExpression =
    typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {};
  const values = Array.isArray(e.values) ? (e.values as unknown[]) : [];
  switch (e.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        errs.push(
          forbiddenField(
            `${p}.values`,
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      break;
    case 'Gt':
    case 'Lt':
      if (!numeric) {
        errs.push(invalidValue(`${p}.operator`, e.operator, 'not a valid selector operator'));
        break;
      }
      if (values.length !== 1)
        errs.push(
          required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"),
        );
      break;
    default:
      errs.push(invalidValue(`${p}.operator`, e.operator ?? '', 'not a valid selector operator'));
  }
  const key = typeof e.key === 'string' ? e.key : '';
  for (const m of isQualifiedName(key)) errs.push(invalidValue(`${p}.key`, key, m));
  values.forEach((v, j) => {
    const text = typeof v === 'string' ? v : '';
    for (const m of isValidLabelValue(text)) errs.push(invalidValue(`${p}.values[${j}]`, v, m));
  });
  return errs;
}

/** metav1.LabelSelectorAsSelector: undefined when the selector cannot be converted. */
export function selectorOf(sel: unknown): LabelSelector | undefined {
  if (validateLabelSelector(sel, 'selector').length) return undefined;
  return sortedSelector(fromLabelSelectorObject(sel) ?? []);
}

/** Requirements sorted by key, values sorted, as labels.Selector.String() prints them. */
export function sortedSelector(sel: LabelSelector): LabelSelector {
  return [...sel]
    .map((r) => ('values' in r ? { ...r, values: [...r.values].sort() } : r))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export const selectorString = (sel: LabelSelector): string =>
  formatLabelSelector(sortedSelector(sel));

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when invalid. */
export function formatSelectorObject(sel: unknown): string {
  if (typeof sel !== 'object' || sel === null || Array.isArray(sel)) return '<none>';
  const s = selectorOf(sel);
  if (!s) return '<error>';
  return s.length ? selectorString(s) : '<none>';
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

/** Splits at commas that are not escaped by a backslash (fields.splitTerms). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are escapes; a bare `,` or `=` is an error. */
function unescapeFieldValue(v: string): string {
  let out = '';
  let inSlash = false;
  for (const c of v) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=')
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=')
      // Go prints the rune with %v: its code point.
      throw badRequest(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`,
      );
    else out += c;
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * Parses a `fieldSelector` (`a=b,c!=d,e==f`) as apimachinery's fields.ParseSelector does:
 * terms split at unescaped commas and sorted, the first operator in each term splits it.
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  if (text === '') return reqs;
  const terms = splitTerms(text).sort();
  for (const term of terms) {
    if (term === '') continue;
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    reqs.push({
      field: m[1] ?? '',
      op: m[2] === '!=' ? '!=' : '=',
      value: unescapeFieldValue(m[3] ?? ''),
    });
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
