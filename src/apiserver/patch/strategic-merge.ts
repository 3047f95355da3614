// Strategic merge patch, as kube-apiserver applies it to built-in kinds
// (k8s.io/apimachinery/pkg/util/strategicpatch): lists tagged `patchStrategy:"merge"` are
// merged by their merge key, other lists replaced; the directives `$patch`,
// `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` and `$retainKeys` are honoured;
// `null` deletes a key. Error texts are apimachinery's.
//
// The algorithm works on private deep copies, so the caller's values are never modified.

import { ApiError, badRequest, invalidWithMessage } from '../../api/errors.js';
import type { GroupVersionKind, KubeObject } from '../../api/types.js';
import { goFormat, goType } from './json.js';
import { fieldOf, rootType, type FieldMeta } from './merge-keys.js';
import { deepCopy, isJsonObject, type JsonObject } from '../../api/json.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList';

type Kind = 'map' | 'scalar';

const errBadArgType = (expected: unknown, actual: unknown): ApiError =>
  badRequest(`expected a ${goType(expected)}, but received a ${goType(actual)}`);
const errNoMergeKey = (m: unknown, key: string): ApiError =>
  badRequest(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
const errBadPatchType = (t: unknown, m: unknown): ApiError =>
  badRequest(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
// Samples of the expected Go types, for `expected a …, but received a …`.
const A_MAP: JsonObject = {};
const A_LIST: unknown[] = [];

/**
 * Applies a strategic merge patch to an object of the given kind. Kinds without merge
 * metadata get merge-patch list semantics (lists replace). Neither input is modified.
 */
export function applyStrategicMergePatch(
  doc: KubeObject | JsonObject,
  patch: unknown,
  gvk: Pick<GroupVersionKind, 'group' | 'kind'>,
): KubeObject {
  if (!isJsonObject(patch)) throw badRequest('invalid JSON document');
  const original = isJsonObject(doc) ? deepCopy(doc) : {};
  return mergeMap(original, deepCopy(patch), rootType(gvk.group, gvk.kind)) as KubeObject;
}

/** Merges `patch` into `original` (both owned here) for an object of `type`. */
function mergeMap(
  original: JsonObject | null,
  patch: JsonObject,
  type: string | undefined,
): JsonObject {
  if (Object.hasOwn(patch, PATCH)) {
    const directive = patch[PATCH];
    if (directive === 'replace') {
      delete patch[PATCH];
      return cleanAdded(patch) as JsonObject;
    }
    if (directive === 'delete') return {};
    // `merge` is the default behaviour; accept it spelled out.
    if (directive !== 'merge') throw errBadPatchType(directive, patch);
    delete patch[PATCH];
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, type);

  for (const patchKey of Object.keys(patch)) {
    let key = patchKey;
    const patchV = patch[patchKey];
    const isDeleteList = patchKey.startsWith(DELETE_PRIMITIVE);
    if (isDeleteList) key = directiveTarget(patchKey, DELETE_PRIMITIVE);

    if (patchV === null) {
      delete out[key];
      continue;
    }
    if (!Object.hasOwn(out, key) || kindOf(out[key]) !== kindOf(patchV)) {
      // Absent from the original, or of another JSON type: the patch value is taken as is.
      if (!isDeleteList) setCleaned(out, key, patchV);
      continue;
    }
    const meta = fieldOf(type, key);
    const current = out[key];
    if (isJsonObject(current) && isJsonObject(patchV)) {
      out[key] = mergeMap(current, patchV, meta?.type);
    } else if (Array.isArray(current) && Array.isArray(patchV)) {
      out[key] = mergeSliceHandler(current, patchV, meta, isDeleteList);
    } else if (!isDeleteList) {
      out[key] = patchV;
    }
  }
  return out;
}

/** The JSON type as Go's reflect sees it after decoding. */
function kindOf(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'slice';
  return typeof v;
}

function setCleaned(out: JsonObject, key: string, value: unknown): void {
  const cleaned = cleanAdded(value);
  if (cleaned === undefined) delete out[key];
  else out[key] = cleaned;
}

/**
 * A patch value taken without merging: nulls mean nothing there, and directives are
 * dropped (a map carrying `$patch` disappears), as decoding into the API type would do.
 */
function cleanAdded(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(cleanAdded).filter((x) => x !== undefined);
  }
  if (isJsonObject(v)) {
    if (Object.hasOwn(v, PATCH)) return undefined;
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || isDirectiveKey(k)) continue;
      const c = cleanAdded(x);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return v;
}

const isDirectiveKey = (k: string): boolean =>
  k === RETAIN_KEYS || k.startsWith(`${SET_ORDER}/`) || k.startsWith(`${DELETE_PRIMITIVE}/`);

/** `$setElementOrder/containers` → `containers`. */
function directiveTarget(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw badRequest(
      prefix === DELETE_PRIMITIVE
        ? 'invalid patch format of primitive list'
        : 'invalid patch format of setElementOrder list',
    );
  }
  return key.slice(slash + 1);
}

/** `$retainKeys: [a, b]` clears every other key of the original map. */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest('invalid patch format of retainKeys');
  const keep = new Set(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    if (!keep.has(k)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/**
 * `$setElementOrder/<list>`: merges the list (if patched) and orders the result —
 * the directive's order first, then the patch's, then the live object's.
 */
function mergeOrderedLists(
  original: JsonObject,
  patch: JsonObject,
  type: string | undefined,
): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType(A_LIST, order);
    const listKey = directiveTarget(key, SET_ORDER);
    const foundOriginal = Object.hasOwn(original, listKey);
    const foundPatch = Object.hasOwn(patch, listKey);
    const originalList = original[listKey];
    const patchList = patch[listKey];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType(A_LIST, originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType(A_LIST, patchList);
    const meta = fieldOf(type, listKey);
    const mergeKey = meta?.mergeKey ?? '';
    const originalItems = (originalList as unknown[] | undefined) ?? [];
    const patchItems = (patchList as unknown[] | undefined) ?? [];
    validateOrder(patchItems, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && foundPatch)
      merged = mergeSliceHandler(originalItems, patchItems, meta, false);
    else if (foundPatch) merged = cleanAdded(patchItems) as unknown[];
    else if (foundOriginal) merged = originalItems;
    else continue;
    delete patch[listKey];
    if (merged.length === 0) {
      original[listKey] = merged;
      continue;
    }
    const kind = elementKind(originalItems, patchItems);
    const [inOrder, serverOnly] = partition(merged, order, mergeKey, kind);
    original[listKey] = normalizeElementOrder(
      inOrder,
      serverOnly,
      order,
      originalItems,
      mergeKey,
      kind,
    );
  }
}

/** The relative order of patch items must agree with the `$setElementOrder` list. */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => !isDeleteItem(v, true)) : patchList;
  let pi = 0;
  let oi = 0;
  while (pi < items.length && oi < order.length) {
    const item = items[pi];
    if (isJsonObject(item) && Object.hasOwn(item, PATCH)) {
      pi++;
      continue;
    }
    if (mergeKeyEqual(item, order[oi], mergeKey)) pi++;
    oi++;
  }
  if (pi < items.length && oi >= order.length) {
    throw badRequest(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER} list:\n${goFormat(order)}\n`,
    );
  }
}

function mergeKeyEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isJsonObject(left)) throw errBadArgType(A_MAP, left);
  if (!isJsonObject(right)) throw errBadArgType(A_MAP, right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

function isDeleteItem(v: unknown, strict: boolean): boolean {
  if (!isJsonObject(v)) {
    if (strict) throw errBadArgType(A_MAP, v);
    return false;
  }
  return v[PATCH] === 'delete';
}

function mergeSliceHandler(
  original: unknown[],
  patch: unknown[],
  meta: FieldMeta | undefined,
  isDeleteList: boolean,
): unknown[] {
  if (meta?.patch === 'merge' || isDeleteList)
    return mergeSlice(original, patch, meta, isDeleteList);
  return cleanAdded(patch) as unknown[];
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  meta: FieldMeta | undefined,
  isDeleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  const mergeKey = meta?.mergeKey ?? '';
  let merged: unknown[];
  let base = original;
  let items = patch;
  if (kind !== 'map') {
    if (isDeleteList) {
      const doomed = new Set(patch);
      return original.filter((v) => !doomed.has(v));
    }
    merged = dedupe([...original, ...patch]);
  } else {
    if (!mergeKey) throw badRequest(`cannot merge lists without merge key for ${meta?.type ?? ''}`);
    [base, items] = applySpecialElements(original, patch, mergeKey);
    merged = mergeByKey(base, items, mergeKey, meta?.type);
  }
  const [inPatch, serverOnly] = partition(merged, items, mergeKey, kind);
  return normalizeElementOrder(inPatch, serverOnly, items, base, mergeKey, kind);
}

/** All items share one JSON type, which is not a list. */
function elementKind(...lists: unknown[][]): Kind {
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = kindOf(v);
      if (prev === undefined) {
        if (k === 'slice') throw invalidWithMessage('lists of lists are not supported');
        prev = k;
      } else if (prev !== k) {
        throw badRequest(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (prev === undefined) throw badRequest('no elements in any of the given slices');
  return prev === 'object' ? 'map' : 'scalar';
}

/** The first of equal scalars, in order. */
const dedupe = (items: unknown[]): unknown[] => [...new Set(items)];

/** Handles `{$patch: delete|replace}` items; returns the original and the plain patch items. */
function applySpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  const deleted = new Set<unknown>();
  let replace = false;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, PATCH)) {
      plain.push(item);
      continue;
    }
    const directive = item[PATCH];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      deleted.add(item[mergeKey]);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      // An explicit merge is the default: merge the item (if it names one) as usual.
      const { [PATCH]: _, ...rest } = item;
      if (Object.keys(rest).length > 0) plain.push(rest);
    } else {
      throw errBadPatchType(directive, item);
    }
  }
  if (replace) return [cleanAdded(plain) as unknown[], []];
  // One pass for all deletions: a patch of many items must not cost items × list length.
  const base = deleted.size
    ? original.filter(
        (o) => !(isJsonObject(o) && Object.hasOwn(o, mergeKey) && deleted.has(o[mergeKey])),
      )
    : original;
  return [base, plain];
}

function mergeByKey(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  itemType: string | undefined,
): unknown[] {
  const out = [...original];
  const index = keyIndex(out, mergeKey);
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    const at = index ? (index.get(item[mergeKey]) ?? -1) : findByKey(out, mergeKey, item[mergeKey]);
    if (at >= 0) out[at] = mergeMap(out[at] as JsonObject, item, itemType);
    else {
      const cleaned = cleanAdded(item);
      if (cleaned === undefined) continue;
      out.push(cleaned);
      if (index && isJsonObject(cleaned) && Object.hasOwn(cleaned, mergeKey))
        if (!index.has(cleaned[mergeKey])) index.set(cleaned[mergeKey], out.length - 1);
    }
  }
  return out;
}

/**
 * Where each merge-key value first occurs in a list of maps, so that lookups are not linear
 * (a patch of many items would otherwise cost items × list length). Undefined when an item
 * is not a map: the linear search then reports it as the Go code does.
 */
function keyIndex(list: unknown[], key: string): Map<unknown, number> | undefined {
  const index = new Map<unknown, number>();
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isJsonObject(item)) return undefined;
    if (Object.hasOwn(item, key) && !index.has(item[key])) index.set(item[key], i);
  }
  return index;
}

/** First positions of each element's identity (its merge key for maps, itself otherwise). */
function positions(list: unknown[], mergeKey: string, kind: Kind): Map<unknown, number> {
  const at = new Map<unknown, number>();
  list.forEach((x, i) => {
    const k = kind === 'map' ? (isJsonObject(x) ? x[mergeKey] : null) : x;
    if (!at.has(k)) at.set(k, i);
  });
  return at;
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isJsonObject(item)) throw badRequest(`value for key ${i} is not a map`);
    if (Object.hasOwn(item, key) && item[key] === value) return i;
  }
  return -1;
}

/** Splits `items` into those present in `by` and the rest. */
function partition(
  items: unknown[],
  by: unknown[],
  mergeKey: string,
  kind: Kind,
): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const rest: unknown[] = [];
  const index = kind === 'map' ? keyIndex(by, mergeKey) : undefined;
  const members = kind === 'map' ? undefined : new Set(by);
  for (const v of items) {
    if (kind === 'map') {
      if (!isJsonObject(v)) throw errBadArgType(A_MAP, v);
      if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const found = index ? index.has(v[mergeKey]) : findByKey(by, mergeKey, v[mergeKey]) >= 0;
      (found ? present : rest).push(v);
    } else {
      (members?.has(v) ? present : rest).push(v);
    }
  }
  return [present, rest];
}

/**
 * Orders patch items by `patchOrder` and server-only items by `serverOrder`, then
 * interleaves them: a server-only item goes before a patch item when the live list had
 * it earlier.
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  const serverAt = positions(serverOrder, mergeKey, kind);
  const at = (v: unknown): number =>
    serverAt.get(kind === 'map' ? (isJsonObject(v) ? v[mergeKey] : null) : v) ?? -1;
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = at(left[i]);
      const ri = at(right[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  let toSort = items;
  let deletes: unknown[] = [];
  if (kind === 'map') {
    for (const list of [items, order]) {
      for (const v of list) {
        if (!isJsonObject(v)) throw errBadArgType(A_MAP, v);
        if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      }
    }
    toSort = items.filter((v) => !isDeleteItem(v, false));
    deletes = items.filter((v) => isDeleteItem(v, false));
  }
  const orderAt = positions(order, mergeKey, kind);
  const ranked = toSort.map((v, pos) => ({
    v,
    pos,
    at: orderAt.get(kind === 'map' ? (isJsonObject(v) ? v[mergeKey] : null) : v) ?? -1,
  }));
  // Items the order does not mention go first, as the Go sort leaves them.
  const unknown = ranked.filter((r) => r.at < 0).reverse();
  const known = ranked.filter((r) => r.at >= 0).sort((a, b) => a.at - b.at || a.pos - b.pos);
  return [...unknown, ...known].map((r) => r.v).concat(deletes);
}
