// Content negotiation: what the client accepts back and how the request body is encoded.

import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Parser,
  type Document,
} from 'yaml';
import type { KubeObject, ResourceDef } from '../api/types.js';
import { ApiError, badRequest, notAcceptable, unsupportedMediaType } from '../api/errors.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from './protobuf/index.js';
import { JsonDepthError, nestsDeeperThan, scanJson } from './json-scan.js';
import type { IncludeObject } from './table.js';

export interface AcceptInfo {
  table: boolean;
  /** PartialObjectMetadata(List) requested (kubectl's metadata-only clients). */
  partialMetadata: boolean;
}

export function parseAccept(accept: string | undefined): AcceptInfo {
  const a = accept ?? '';
  const out: AcceptInfo = { table: false, partialMetadata: false };
  for (const part of a.split(',')) {
    const p = part.replace(/\s+/g, '');
    const base = p.split(';')[0] ?? '';
    const params = new Map(
      p
        .split(';')
        .slice(1)
        .map((kv) => kv.split('=') as [string, string]),
    );
    if (base === 'application/json' && params.get('g') === 'meta.k8s.io') {
      if (params.get('as') === 'Table') {
        out.table = true;
        return out;
      }
      if (
        params.get('as') === 'PartialObjectMetadata' ||
        params.get('as') === 'PartialObjectMetadataList'
      ) {
        out.partialMetadata = true;
        return out;
      }
      continue;
    }
    if (
      base === 'application/json' ||
      base === '*/*' ||
      base === 'application/*' ||
      base === '' ||
      base === 'application/yaml' ||
      base === 'application/vnd.kubernetes.protobuf' ||
      base === 'application/vnd.kubernetes.protobuf;stream=watch' ||
      base === 'application/json;stream=watch'
    )
      return out;
  }
  if (a.trim() === '') return out;
  // Only types we cannot produce were listed.
  throw notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}

export function includeObjectParam(v: string | null): IncludeObject {
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  if (v === null || v === '') return 'Metadata';
  throw badRequest(`unrecognized includeObject value: ${JSON.stringify(v)}`);
}

const baseType = (ct: string | undefined): string =>
  (ct ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/**
 * Decodes an object body: JSON, YAML, or Kubernetes protobuf. With `kind`, a body that does
 * not parse is refused as kube-apiserver's decoder words it for that kind.
 */
export function decodeObjectBody(
  contentType: string | undefined,
  body: Buffer,
  kind?: string,
): KubeObject {
  const ct = baseType(contentType);
  if (body.length === 0) throw badRequest('the body of the request was empty');
  if (isKubernetesProtobuf(ct)) return decodeKubernetesProtobuf(body);
  let value: unknown;
  let duplicates: string[] = [];
  let yamlStrictError: string | undefined;
  try {
    if (ct === 'application/yaml' || ct === 'application/apply-patch+yaml') {
      const decoded = decodeYamlWithStrictError(body);
      value = decoded.value;
      if (decoded.strictError) yamlStrictError = decoded.strictError;
    } else if (ct === 'application/json' || ct === '' || ct.endsWith('+json')) {
      const decoded = decodeJsonWithDuplicates(body);
      value = decoded.value;
      duplicates = decoded.duplicates;
    } else throw unsupportedMediaType(ct);
  } catch (e) {
    if (!kind || !(e instanceof ApiError) || e.code !== 400) throw e;
    // sigs.k8s.io/yaml's YAMLToJSON, which the create decoder calls, adds no prefix.
    const why = e.message
      .replace(/^error decoding JSON: (.)/, (_m, c: string) => {
        return `couldn't get version/kind; json parse error: ${c.toLowerCase()}`;
      })
      .replace(/^error converting YAML to JSON: (?=yaml: )/, '');
    throw badRequest(
      `the object provided is unrecognized (must be of type ${kind}): ${why} (${summarize(body)})`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw badRequest(`Object 'Kind' is missing in '${body.toString('utf8').slice(0, 200)}'`);
  const obj = value as KubeObject;
  obj.metadata ??= {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))
    throw badRequest('metadata: expected an object');
  attachStrictErrors(obj, [
    ...duplicates.map((f) => `duplicate field "${f}"`),
    ...(yamlStrictError ? [yamlStrictError] : []),
  ]);
  return obj;
}

const strictErrorsByBody = new WeakMap<object, string[]>();

/** Records what the strict decoder would report about the body an object came from. */
export function attachStrictErrors(obj: object, errors: string[]): void {
  if (errors.length) strictErrorsByBody.set(obj, errors);
}

/**
 * What kube-apiserver's strict decoder reports about the body an object came from
 * (`duplicate field "metadata.labels.a"`), for fieldValidation: a warning under Warn, an
 * error under Strict. Unknown fields of the object itself are found from its schema.
 */
export function bodyStrictErrors(obj: object): string[] {
  return strictErrorsByBody.get(obj) ?? [];
}

const JSON_PATCH_OP_FIELDS = new Set(['op', 'path', 'from', 'value']);

/**
 * Decodes a JSON, merge or strategic merge patch body, with kube-apiserver's wording for a
 * body that does not decode, and the strict errors its decoder reports: duplicate keys,
 * and for a JSON patch unknown operation fields (`json patch unknown field "[0].x"`).
 */
export function decodePatchBody(
  contentType: string,
  body: Buffer,
): { value: unknown; strictErrors: string[] } {
  const jsonPatch = contentType === 'application/json-patch+json';
  let decoded: { value: unknown; duplicates: string[] };
  try {
    decoded = decodeJsonWithDuplicates(body);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const why = e.message.replace(/^error decoding JSON: /, '');
    throw badRequest(
      contentType === 'application/strategic-merge-patch+json'
        ? why
        : `error decoding patch: ${why}`,
    );
  }
  if (!jsonPatch)
    return {
      value: decoded.value,
      strictErrors: decoded.duplicates.map((f) => `duplicate field "${f}"`),
    };
  const strictErrors = decoded.duplicates.map((f) => `json patch duplicate field "${f}"`);
  if (Array.isArray(decoded.value))
    decoded.value.forEach((op: unknown, i) => {
      if (op && typeof op === 'object' && !Array.isArray(op))
        for (const k of Object.keys(op))
          if (!JSON_PATCH_OP_FIELDS.has(k))
            strictErrors.push(`json patch unknown field "[${i}].${k}"`);
    });
  return { value: decoded.value, strictErrors };
}

/** The start of a body for an error message: as text when it looks like JSON, else hex. */
function summarize(body: Buffer, max = 30): string {
  const head = body.subarray(0, max);
  const more = body.length > max ? ' ...' : '';
  return body[0] === 0x7b ? head.toString('utf8') + more : head.toString('hex') + more;
}

export function decodeJson(body: Buffer): unknown {
  return decodeJsonWithDuplicates(body).value;
}

/** Parses JSON after bounding its depth (a deeper body is refused before any recursion). */
export function decodeJsonWithDuplicates(body: Buffer): { value: unknown; duplicates: string[] } {
  const text = body.toString('utf8');
  let duplicates: string[];
  try {
    duplicates = scanJson(text);
  } catch (e) {
    if (e instanceof JsonDepthError) throw badRequest(`error decoding JSON: ${e.message}`);
    throw e;
  }
  try {
    return { value: JSON.parse(text), duplicates };
  } catch (e) {
    throw badRequest(`error decoding JSON: ${(e as Error).message}`);
  }
}

/**
 * The deepest YAML (not JSON) body. The yaml library composes documents recursively, and
 * V8 can die outright (not throw) when a regular expression is compiled with the stack
 * nearly used up, so YAML nesting is measured on the library's iterative parse first and
 * kept far from the stack's limit. Kubernetes objects are a few dozen levels deep.
 */
export const MAX_YAML_DEPTH = 200;

const tooDeepYaml = (): ApiError =>
  badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_YAML_DEPTH}`);

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** True when any document of `text` nests collections deeper than `max` (no recursion). */
function yamlNestsDeeperThan(text: string, max: number): boolean {
  for (const token of new Parser().parse(text)) {
    const pending: [unknown, number][] = [[token, 0]];
    while (pending.length) {
      const [node, depth] = pending.pop() as [unknown, number];
      if (!node || typeof node !== 'object') continue;
      const n = node as {
        type?: string;
        value?: unknown;
        items?: { key?: unknown; value?: unknown }[];
      };
      const d = n.type && COLLECTIONS.has(n.type) ? depth + 1 : depth;
      if (d > max) return true;
      if (n.value) pending.push([n.value, d]);
      for (const item of n.items ?? []) {
        if (item.key) pending.push([item.key, d]);
        if (item.value) pending.push([item.value, d]);
      }
    }
  }
  return false;
}

/** A YAML body that is plain JSON without duplicate keys (as kubectl's apply sends) decodes as JSON. */
function asPlainJson(text: string): { value: unknown } | undefined {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  let decoded: { value: unknown; duplicates: string[] };
  try {
    decoded = decodeJsonWithDuplicates(Buffer.from(text));
  } catch (e) {
    if (e instanceof ApiError && /exceeded max depth/.test(e.message)) throw tooDeepYaml();
    return undefined;
  }
  return decoded.duplicates.length ? undefined : { value: decoded.value };
}

/**
 * Decodes the first YAML document. Alias expansion is bounded (an alias bomb is refused as
 * sigs.k8s.io/yaml refuses it) and so is nesting.
 */
export function decodeYaml(body: Buffer): unknown {
  return decodeYamlWithStrictError(body).value;
}

/**
 * goyaml's strict error for keys given twice in a mapping (sigs.k8s.io/yaml's
 * YAMLToJSONStrict): `yaml: unmarshal errors:\n  line 3: key "a" already set in map`.
 * Without it, as in kube-apiserver's non-strict decode, the last value wins.
 */
function yamlDuplicateKeys(doc: Document, lines: LineCounter): string | undefined {
  const found: string[] = [];
  const pending: unknown[] = [doc.contents];
  while (pending.length) {
    const node = pending.pop();
    if (isSeq(node)) pending.push(...node.items);
    if (!isMap(node)) continue;
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (seen.has(key) && isScalar(pair.key)) {
        const line = lines.linePos(pair.key.range?.[0] ?? 0).line;
        found.push(`line ${line}: key ${JSON.stringify(key)} already set in map`);
      }
      seen.add(key);
      pending.push(pair.value);
    }
  }
  if (!found.length) return undefined;
  found.sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]));
  return `yaml: unmarshal errors:\n  ${found.join('\n  ')}`;
}

/** Decodes the first YAML document, with goyaml's strict error about duplicate keys. */
export function decodeYamlWithStrictError(body: Buffer): { value: unknown; strictError?: string } {
  const text = body.toString('utf8');
  const json = asPlainJson(text);
  if (json) return json;
  if (yamlNestsDeeperThan(text, MAX_YAML_DEPTH)) throw tooDeepYaml();
  let value: unknown;
  let strictError: string | undefined;
  try {
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { uniqueKeys: false, lineCounter });
    const list = Array.isArray(docs) ? docs : [docs];
    const first = list[0];
    if (!first) throw badRequest('error decoding YAML: empty document');
    const problem = first.errors[0]?.message;
    if (problem !== undefined) {
      // The parser reports its own stack overflow on absurd nesting as a document error.
      if (problem.includes('Maximum call stack size exceeded')) throw tooDeepYaml();
      throw badRequest(`error converting YAML to JSON: ${problem}`);
    }
    value = first.toJS({ json: true, maxAliasCount: 100 });
    strictError = yamlDuplicateKeys(first, lineCounter);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    // The yaml library refuses alias expansion past maxAliasCount with a ReferenceError and
    // runs out of stack on absurd nesting.
    if (e instanceof ReferenceError && /alias/i.test(e.message))
      throw badRequest('error converting YAML to JSON: yaml: document contains excessive aliasing');
    if (e instanceof RangeError) throw tooDeepYaml();
    throw e;
  }
  if (nestsDeeperThan(value, MAX_YAML_DEPTH)) throw tooDeepYaml();
  return strictError === undefined ? { value } : { value, strictError };
}

/** The decoder keeps at most this many strict errors (sigs.k8s.io/json). */
const MAX_STRICT_ERRORS = 100;

/** Strict decoding errors as kube-apiserver words them: deduplicated, at most 100. */
export function strictDecodingErrors(fromBody: string[], unknown: string[]): string[] {
  const all = [...fromBody, ...unknown.map((f) => `unknown field "${f}"`)];
  return [...new Set(all)].slice(0, MAX_STRICT_ERRORS);
}

/** The Go package of a group's internal types, as conversion errors name them. */
function internalPackage(group: string): string {
  if (group === '' || group === 'events.k8s.io') return 'core';
  // extensions serves only Ingress, whose internal type is networking's.
  if (group === 'extensions') return 'networking';
  return group.split('.')[0] ?? group;
}

/**
 * A body of another known kind than the endpoint's fails kube-apiserver's decode in the
 * conversion to the endpoint's internal type:
 * `Pod in version "v1" cannot be handled as a ConfigMap: converting (v1.Pod) to (core.ConfigMap): unknown conversion`.
 */
export function conversionError(
  known: readonly ResourceDef[],
  obj: KubeObject,
  def: ResourceDef,
): string | undefined {
  if (typeof obj.kind !== 'string' || typeof obj.apiVersion !== 'string') return undefined;
  if (obj.kind === def.kind) return undefined;
  const version = obj.apiVersion.split('/').pop() ?? '';
  const group = obj.apiVersion.includes('/') ? (obj.apiVersion.split('/')[0] ?? '') : '';
  const registered = known.some(
    (d) => d.kind === obj.kind && d.group === group && d.version === version,
  );
  if (!registered) return undefined;
  return `${obj.kind} in version "${version}" cannot be handled as a ${def.kind}: converting (${version}.${obj.kind}) to (${internalPackage(def.group)}.${def.kind}): unknown conversion`;
}

/** kube-apiserver's warning recorder: all warnings of a response share 4096 characters… */
const WARNINGS_TOTAL_RUNES = 4 * 1024;
/** …and once past that, each is cut to 256. */
const WARNING_ITEM_RUNES = 256;

const cutRunes = (text: string, max: number): string => {
  const runes = Array.from(text);
  return runes.length > max ? runes.slice(0, max).join('') : text;
};

/**
 * Adds warnings as kube-apiserver's recorder does: duplicates dropped, and once the total
 * passes 4096 characters every warning is cut to 256 and further ones stop at the limit, so
 * a body with huge field names cannot make a response header no client can read.
 */
export function addWarnings(warnings: string[], texts: string[]): void {
  const ordered: string[] = [];
  let out: string[] = [];
  let written = 0;
  let truncating = false;
  for (const text of [...warnings, ...texts]) {
    if (!text) continue;
    if (truncating && written >= WARNINGS_TOTAL_RUNES) continue;
    if (ordered.includes(text)) continue;
    ordered.push(text);
    const item = truncating ? cutRunes(text, WARNING_ITEM_RUNES) : text;
    const length = Array.from(item).length;
    if (written + length <= WARNINGS_TOTAL_RUNES || truncating) {
      written += length;
      out.push(item);
      continue;
    }
    truncating = true;
    written = 0;
    out = ordered.map((w) => cutRunes(w, WARNING_ITEM_RUNES));
    for (const w of out) written += Array.from(w).length;
  }
  warnings.splice(0, warnings.length, ...out);
}
