// RFC 6902 JSON Patch. Failures carry the wording of the Go library kube-apiserver uses
// (evanphx/json-patch), e.g. `replace operation does not apply: doc is missing key: /a: missing value`.

import {
  ApiError,
  badRequest,
  invalidWithMessage,
  requestEntityTooLarge,
} from '../../api/errors.js';
import { depthOf, MAX_JSON_DEPTH } from '../json-scan.js';
import { deepCopy, isJsonObject, jsonEqual, type JsonObject } from '../../api/json.js';

/** kube-apiserver refuses longer patches. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * How many bytes (as JSON) the `copy` operations of one patch may add in total: kube-apiserver
 * sets evanphx/json-patch's AccumulatedCopySizeLimit to its JSONPatchMaxCopyBytes, 3 MiB.
 * Without it, each copy of a document into itself doubles it.
 */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

/**
 * How many array elements the operations of one patch may shift in total. Inserting at the
 * front of a long array moves every element; ten thousand such operations on an array of a
 * million would hold the server's single thread for seconds. A real patch shifts a few.
 */
export const MAX_JSON_PATCH_SHIFTED_ELEMENTS = 100_000_000;

interface Budget {
  copiedBytes: number;
  shiftedElements: number;
}

/** Counts the elements a splice at `index` moves; refuses the patch past the limit. */
function shift(budget: Budget, array: unknown[], index: number): void {
  budget.shiftedElements += array.length - index;
  if (budget.shiftedElements > MAX_JSON_PATCH_SHIFTED_ELEMENTS)
    throw notApplicable(
      `the patch shifts more than ${MAX_JSON_PATCH_SHIFTED_ELEMENTS} array elements`,
    );
}

/** A patch that does not apply to the document: 422, as kube-apiserver answers. */
const notApplicable = (message: string): ApiError => invalidWithMessage(message);

const MISSING = 'missing value';
const BAD_INDEX = 'invalid index referenced';

/** Splits a JSON pointer into unescaped tokens; `null` when it is not a pointer. */
function parsePointer(path: string): string[] | null {
  if (path === '') return [];
  if (!path.startsWith('/')) return null;
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~')));
}

const isIndex = (t: string): boolean => /^(0|[1-9][0-9]*)$/.test(t);

interface Location {
  parent: JsonObject | unknown[];
  key: string;
}

/** The container holding the pointer's last token, or null when a parent is missing. */
function locate(doc: unknown, tokens: string[]): Location | null {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      if (!isIndex(t) || Number(t) >= cur.length) return null;
      cur = cur[Number(t)];
    } else if (isJsonObject(cur)) {
      if (!Object.hasOwn(cur, t)) return null;
      cur = cur[t];
    } else {
      return null;
    }
  }
  if (!Array.isArray(cur) && !isJsonObject(cur)) return null;
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function get(loc: Location): { found: boolean; value?: unknown } {
  const { parent, key } = loc;
  if (Array.isArray(parent)) {
    if (!isIndex(key) || Number(key) >= parent.length) return { found: false };
    return { found: true, value: parent[Number(key)] };
  }
  return Object.hasOwn(parent, key) ? { found: true, value: parent[key] } : { found: false };
}

/** Inserts (arrays) or sets (objects); returns an error text or null. */
function add(loc: Location, value: unknown, budget: Budget): string | null {
  const { parent, key } = loc;
  if (!Array.isArray(parent)) {
    parent[key] = value;
    return null;
  }
  if (key === '-') {
    parent.push(value);
    return null;
  }
  if (!isIndex(key))
    return `value was not a proper array index: '${key}': strconv.Atoi: parsing "${key}": invalid syntax`;
  const i = Number(key);
  if (i > parent.length) return `Unable to access invalid index: ${i}: ${BAD_INDEX}`;
  shift(budget, parent, i);
  parent.splice(i, 0, value);
  return null;
}

function remove(loc: Location, budget: Budget): string | null {
  const { parent, key } = loc;
  if (Array.isArray(parent)) {
    if (!isIndex(key)) return `strconv.Atoi: parsing "${key}": invalid syntax`;
    const i = Number(key);
    if (i >= parent.length) return `Unable to access invalid index: ${i}: ${BAD_INDEX}`;
    shift(budget, parent, i);
    parent.splice(i, 1);
    return null;
  }
  if (!Object.hasOwn(parent, key)) return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
  delete parent[key];
  return null;
}

interface Op {
  op: string;
  path?: string | undefined;
  from?: string | undefined;
  hasValue: boolean;
  value?: unknown;
}

function readOp(raw: unknown): Op {
  if (!isJsonObject(raw)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonKind(raw)} into Go value of type jsonpatch.Operation`,
    );
  }
  const str = (k: string): string | undefined =>
    typeof raw[k] === 'string' ? (raw[k] as string) : undefined;
  return {
    op: str('op') ?? 'unknown',
    ...(str('path') !== undefined ? { path: str('path') } : {}),
    ...(str('from') !== undefined ? { from: str('from') } : {}),
    hasValue: Object.hasOwn(raw, 'value'),
    value: raw.value,
  };
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/**
 * Applies an RFC 6902 patch (add, remove, replace, move, copy, test) and returns the new
 * document. Neither input is modified. Throws 400 for a malformed patch, 422 when an
 * operation does not apply, 413 past 10000 operations.
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`,
    );
  }
  const parsed = ops.map((raw) => readOp(raw));
  if (parsed.length > MAX_JSON_PATCH_OPERATIONS) {
    throw requestEntityTooLarge(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${parsed.length}`,
    );
  }
  // `root` holds the document so a pointer of "" can replace it like any other value.
  const root: JsonObject = { doc: deepCopy(doc) };
  const budget: Budget = { copiedBytes: 0, shiftedElements: 0 };
  for (const op of parsed) applyOne(root, op, budget);
  return root.doc;
}

/** Refuses a value that would nest deeper than a request body may, before it is placed. */
function checkDepth(path: string, value: unknown): void {
  const tokens = parsePointer(path) ?? [];
  if (tokens.length + depthOf(value) > MAX_JSON_DEPTH)
    throw notApplicable(`${path}: the patched document exceeds max depth of ${MAX_JSON_DEPTH}`);
}

/** Resolves a pointer below the root holder; null when a parent is missing. */
function at(root: JsonObject, path: string): Location | null {
  const tokens = parsePointer(path);
  if (tokens === null) return null;
  if (tokens.length === 0) return { parent: root, key: 'doc' };
  return locate(root.doc, tokens);
}

const isPrefix = (from: string, path: string): boolean => path.startsWith(`${from}/`);

function applyOne(root: JsonObject, op: Op, budget: Budget): void {
  switch (op.op) {
    case 'add': {
      if (op.path === undefined)
        throw notApplicable(`add operation failed to decode path: ${MISSING}`);
      const value = requireValue(op);
      const loc = at(root, op.path);
      if (!loc)
        throw notApplicable(
          `add operation does not apply: doc is missing path: "${op.path}": ${MISSING}`,
        );
      checkDepth(op.path, value);
      const err = add(loc, deepCopy(value), budget);
      if (err) throw notApplicable(`error in add for path: '${op.path}': ${err}`);
      return;
    }
    case 'remove': {
      if (op.path === undefined)
        throw notApplicable(`remove operation failed to decode path: ${MISSING}`);
      const loc = op.path === '' ? null : at(root, op.path);
      if (!loc)
        throw notApplicable(
          `remove operation does not apply: doc is missing path: "${op.path}": ${MISSING}`,
        );
      const err = remove(loc, budget);
      if (err) throw notApplicable(`error in remove for path: '${op.path}': ${err}`);
      return;
    }
    case 'replace': {
      if (op.path === undefined) {
        throw notApplicable(
          `replace operation failed to decode path: operation missing path field: ${MISSING}`,
        );
      }
      const value = requireValue(op);
      const loc = at(root, op.path);
      if (!loc)
        throw notApplicable(
          `replace operation does not apply: doc is missing path: ${op.path}: ${MISSING}`,
        );
      if (!get(loc).found) {
        throw notApplicable(
          `replace operation does not apply: doc is missing key: ${op.path}: ${MISSING}`,
        );
      }
      checkDepth(op.path, value);
      if (Array.isArray(loc.parent)) loc.parent[Number(loc.key)] = deepCopy(value);
      else loc.parent[loc.key] = deepCopy(value);
      return;
    }
    case 'move':
    case 'copy': {
      const verb = op.op;
      if (op.from === undefined) {
        throw notApplicable(
          `${verb} operation failed to decode from: operation, missing from field: ${MISSING}`,
        );
      }
      const src = at(root, op.from);
      const got = src ? get(src) : { found: false };
      if (!src || !got.found) {
        throw notApplicable(
          `${verb} operation does not apply: doc is missing from path: ${op.from}: ${MISSING}`,
        );
      }
      if (op.path === undefined)
        throw notApplicable(`${verb} operation failed to decode path: ${MISSING}`);
      if (verb === 'move') {
        if (op.path === op.from) return;
        if (isPrefix(op.from, op.path)) {
          throw notApplicable(
            `move operation does not apply: from path ${op.from} is a prefix of path ${op.path}`,
          );
        }
        const err = remove(src, budget);
        if (err) throw notApplicable(`error in move for path: '${src.key}': ${err}`);
      }
      checkDepth(op.path, got.value);
      if (verb === 'copy') {
        // Counted (and refused) before the copy is made, as evanphx/json-patch does.
        budget.copiedBytes += Buffer.byteLength(JSON.stringify(got.value) ?? '');
        if (budget.copiedBytes > MAX_JSON_PATCH_COPY_BYTES)
          throw notApplicable(
            `Unable to complete the copy, the accumulated size increase of copy is ${budget.copiedBytes}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`,
          );
      }
      const dst = at(root, op.path);
      if (!dst) {
        throw notApplicable(
          `${verb} operation does not apply: doc is missing destination path: ${op.path}: ${MISSING}`,
        );
      }
      const err = add(dst, deepCopy(got.value), budget);
      if (err) {
        throw notApplicable(
          verb === 'move'
            ? `error in move for path: '${op.path}': ${err}`
            : `error while adding value during copy: ${err}`,
        );
      }
      return;
    }
    case 'test': {
      if (op.path === undefined) {
        throw notApplicable(
          `test operation failed to decode path: operation missing path field: ${MISSING}`,
        );
      }
      const loc = at(root, op.path);
      if (!loc)
        throw notApplicable(
          `test operation does not apply: is missing path: ${op.path}: ${MISSING}`,
        );
      const got = get(loc);
      const expected = op.hasValue ? op.value : undefined;
      const equal = got.found
        ? jsonEqual(got.value, expected)
        : expected === undefined || expected === null;
      if (!equal) throw notApplicable(`testing value ${op.path} failed: test failed`);
      return;
    }
    default:
      throw notApplicable(`Unexpected kind: ${op.op}`);
  }
}

function requireValue(op: Op): unknown {
  if (!op.hasValue) {
    throw notApplicable(
      `${op.op} operation failed to decode value: operation, missing value field: ${MISSING}`,
    );
  }
  return op.value;
}
