// A reader for the declaration files of the `kubernetes-models` package, which are generated
// from the Kubernetes OpenAPI specification and keep its descriptions, required fields and
// enums. Only the shapes that generator emits are understood; anything else throws, so a
// changed package fails loudly in the tests instead of producing a wrong schema.

/** A TypeScript type expression as the generator writes it. */
export type TypeExpr =
  | { t: 'string' }
  | { t: 'number' }
  | { t: 'boolean' }
  | { t: 'any' }
  | { t: 'literal'; value: string }
  | { t: 'union'; of: TypeExpr[] }
  | { t: 'array'; of: TypeExpr }
  | { t: 'map'; of: TypeExpr }
  | { t: 'ref'; ident: string }
  /** A kind written out inline (an array of PersistentVolumeClaims): the kind of its `spec`. */
  | { t: 'embedded'; specIdent: string };

export interface DtsProperty {
  name: string;
  optional: boolean;
  description: string;
  type: TypeExpr;
}

export interface DtsModel {
  /** The exported alias that names the definition, e.g. `IIoK8sApiCoreV1Pod`. */
  ident: string;
  description: string;
  /** `interface` for objects, `alias` for `type X = …` (Time, IntOrString, Quantity). */
  form: 'interface' | 'alias';
  properties: DtsProperty[];
  /** For aliases: the aliased type. */
  aliasOf?: TypeExpr;
  /** Import specifier of every identifier the file imports, by identifier. */
  imports: Map<string, string>;
}

const IMPORT = /^import \{ ([^}]+) \} from "([^"]+)";$/gm;

/** Parse one generated declaration file. */
export function parseDts(text: string): DtsModel {
  const imports = new Map<string, string>();
  for (const m of text.matchAll(IMPORT)) {
    for (const name of (m[1] ?? '').split(',')) imports.set(name.trim(), m[2] ?? '');
  }
  const exported = /^export \{ (I\w+) as (I\w+), /m.exec(text);
  if (!exported?.[1] || !exported[2]) throw new Error('no exported definition alias');
  const local = exported[1];
  const ident = exported[2];

  const iface = new RegExp(`^export interface ${local}(?: extends [\\w, ]+)? \\{$`, 'm').exec(text);
  if (iface) {
    const description = docBefore(text, iface.index);
    const bodyStart = iface.index + iface[0].length;
    const bodyEnd = text.indexOf('\n}', bodyStart);
    if (bodyEnd < 0) throw new Error(`unterminated interface ${local}`);
    const properties = parseMembers(text.slice(bodyStart, bodyEnd));
    return { ident, description, form: 'interface', properties, imports };
  }
  const alias = new RegExp(`^export declare type ${local} = ([^;]+);$`, 'm').exec(text);
  if (alias?.[1]) {
    return {
      ident,
      description: docBefore(text, alias.index),
      form: 'alias',
      properties: [],
      aliasOf: parseType(alias[1]),
      imports,
    };
  }
  throw new Error(`no declaration for ${local}`);
}

/** The JSDoc block that ends right before `pos`, as plain description text. */
function docBefore(text: string, pos: number): string {
  const before = text.slice(0, pos).trimEnd();
  if (!before.endsWith('*/')) return '';
  const start = before.lastIndexOf('/**');
  return docText(before.slice(start + 3, before.length - 2));
}

function docText(block: string): string {
  const lines = block.split('\n').map((line) => {
    const t = line.trim();
    if (t === '*') return '';
    return t.startsWith('* ') ? t.slice(2) : t;
  });
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // The generator escapes every `*` of the source text so that no comment ends early.
  return lines.join('\n').replaceAll('\\*', '*');
}

/** Members of an interface body: optional JSDoc, then `"name"?: type;`. */
function parseMembers(body: string): DtsProperty[] {
  const props: DtsProperty[] = [];
  let i = 0;
  let pendingDoc = '';
  while (i < body.length) {
    const ch = body[i];
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (body.startsWith('/**', i)) {
      const end = body.indexOf('*/', i + 3);
      if (end < 0) throw new Error('unterminated comment');
      pendingDoc = docText(body.slice(i + 3, end));
      i = end + 2;
      continue;
    }
    const m = /^"([^"]+)"(\??): /.exec(body.slice(i, i + 200));
    if (!m?.[1]) throw new Error(`unexpected member text: ${body.slice(i, i + 60)}`);
    i += m[0].length;
    // The type runs to the first `;` outside braces (map types hold `;` inside).
    let depth = 0;
    let j = i;
    for (; j < body.length; j++) {
      const c = body[j];
      if (c === '{' || c === '<' || c === '(') depth++;
      else if (c === '}' || c === '>' || c === ')') depth--;
      else if (c === ';' && depth === 0) break;
    }
    props.push({
      name: m[1],
      optional: m[2] === '?',
      description: pendingDoc,
      type: parseType(body.slice(i, j)),
    });
    pendingDoc = '';
    i = j + 1;
  }
  return props;
}

/** Parse a type expression: unions of literals, primitives, refs, `Array<T>` and index maps. */
export function parseType(src: string): TypeExpr {
  const s = src.trim();
  const parts = splitTop(s, '|');
  if (parts.length > 1) return { t: 'union', of: parts.map(parseType) };
  if (s === 'string' || s === 'number' || s === 'boolean' || s === 'any') return { t: s };
  if (s === 'unknown') return { t: 'any' };
  const lit = /^"((?:[^"\\]|\\.)*)"$/.exec(s);
  if (lit) return { t: 'literal', value: JSON.parse(s) as string };
  if (s.startsWith('Array<') && s.endsWith('>'))
    return { t: 'array', of: parseType(s.slice(6, -1)) };
  const map = /^\{\s*\[key: string\]: ([\s\S]+?);?\s*\}$/.exec(s);
  if (map?.[1]) return { t: 'map', of: parseType(map[1]) };
  if (s.startsWith('(') && s.endsWith(')')) return parseType(s.slice(1, -1));
  if (/^I\w+$/.test(s)) return { t: 'ref', ident: s };
  // The generator writes a kind embedded in another kind's spec inline, apiVersion and kind
  // optional; it is the kind whose Spec it holds (StatefulSetSpec.volumeClaimTemplates).
  const spec = /^\{[\s\S]*"apiVersion"\?: string;[\s\S]*"spec"\?: (I\w+Spec);[\s\S]*\}$/.exec(s);
  if (spec?.[1]) return { t: 'embedded', specIdent: spec[1] };
  throw new Error(`unsupported type expression: ${s}`);
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '<' || c === '(') depth++;
    else if (c === '}' || c === '>' || c === ')') depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((p) => p.trim());
}
