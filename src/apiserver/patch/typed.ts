// Server-side apply's view of an object, after structured-merge-diff: which field paths
// an object sets (its field set), how two versions differ, how an applied configuration
// merges into a live object, and how owned paths are removed. Lists are atomic unless the
// merge metadata makes them sets or keyed (`map`) lists; objects merge field by field
// unless atomic.

import {
  FieldSet,
  fieldElement,
  keyElement,
  pathString,
  valueElement,
  type Path,
  type PathElement,
} from './fieldset.js';
import { fieldOf, isAtomicObject, type FieldMeta } from './merge-keys.js';
import { deepCopy, isJsonObject, jsonEqual, type JsonObject } from '../../api/json.js';

/** Describes the value at one position: a field's metadata, a list item's type, or a root type. */
export type Shape = FieldMeta | undefined;

export const rootShape = (type: string): Shape => ({ type });
const childShape = (shape: Shape, key: string): Shape => fieldOf(shape?.type, key);
const itemShape = (shape: Shape): Shape => (shape?.type ? { type: shape.type } : undefined);
const listType = (shape: Shape): 'atomic' | 'set' | 'map' => shape?.listType ?? 'atomic';

const isGranularObject = (v: unknown, shape: Shape): v is JsonObject =>
  isJsonObject(v) && !isAtomicObject(shape);
const isGranularList = (v: unknown, shape: Shape): v is unknown[] =>
  Array.isArray(v) && listType(shape) !== 'atomic';

/** The path element naming a list item, or an error text (structured-merge-diff's words). */
export function itemElement(item: unknown, shape: Shape): PathElement | { error: string } {
  if (listType(shape) === 'map') {
    if (item === null) return { error: 'associative list with keys may not have a null element' };
    if (!isJsonObject(item))
      return { error: 'associative list with keys may not have non-map elements' };
    const keys = shape?.keys ?? [];
    const fields: Record<string, unknown> = {};
    for (const k of keys) {
      if (Object.hasOwn(item, k)) fields[k] = item[k];
      else if (shape?.keyDefaults?.[k] !== undefined) fields[k] = shape.keyDefaults[k];
    }
    if (keys.length > 0 && Object.keys(fields).length === 0) {
      const quoted = `[${keys.map((k) => JSON.stringify(k)).join(' ')}]`;
      return {
        error: `associative list with keys has an element that omits all key fields ${quoted} (and doesn't have default values for any key fields)`,
      };
    }
    return keyElement(fields);
  }
  if (item === null)
    return { error: "associative list without keys has an element that's an explicit null" };
  if (Array.isArray(item))
    return { error: 'not supported: associative list with lists as elements' };
  if (isJsonObject(item))
    return { error: "associative list without keys has an element that's a map type" };
  return valueElement(item);
}

/** Path elements of a list's items; invalid items get a unique index element. */
function elements(list: unknown[], shape: Shape): PathElement[] {
  return list.map((item, i) => {
    const pe = itemElement(item, shape);
    return typeof pe === 'string' ? pe : `i:${i}`;
  });
}

/** Errors that make an applied configuration unusable: bad or duplicate list keys. */
export function validateApplied(obj: unknown, shape: Shape): string[] {
  const errors: string[] = [];
  const walk = (v: unknown, s: Shape, path: Path): void => {
    if (isGranularObject(v, s)) {
      for (const [k, x] of Object.entries(v)) walk(x, childShape(s, k), [...path, fieldElement(k)]);
    } else if (isGranularList(v, s)) {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const pe = itemElement(item, s);
        if (typeof pe !== 'string') {
          errors.push(`${pathString(path)}: element ${i}: ${pe.error}`);
          return;
        }
        if (seen.has(pe))
          errors.push(`${pathString(path)}: duplicate entries for key ${pathString([pe])}`);
        seen.add(pe);
        walk(item, itemShape(s), [...path, pe]);
      });
    }
  };
  walk(obj, shape, []);
  return errors;
}

/** The paths an object sets: leaves, atomic values, list items and empty objects. */
export function toFieldSet(obj: unknown, shape: Shape): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, s: Shape, path: Path): void => {
    if (isGranularObject(v, s)) {
      const entries = Object.entries(v);
      if (entries.length === 0 && path.length > 0) set.insert(path);
      for (const [k, x] of entries) walk(x, childShape(s, k), [...path, fieldElement(k)]);
    } else if (isGranularList(v, s)) {
      // An empty granular list sets nothing.
      const pes = elements(v, s);
      v.forEach((item, i) => {
        const p = [...path, pes[i] as PathElement];
        set.insert(p);
        if (pes.indexOf(pes[i] as PathElement) === i) walk(item, itemShape(s), p);
      });
    } else if (path.length > 0) {
      set.insert(path);
    }
  };
  walk(obj, shape, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `before` to `after`. A new or deleted object or list item is listed
 * itself as well as its contents; the object fields right under the root (metadata,
 * spec, status) always exist in a typed object, so they are not.
 */
export function compare(before: unknown, after: unknown, shape: Shape): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  const structural = (path: Path): boolean => path.length > 1 || !ALWAYS_PRESENT.has(path[0] ?? '');
  const leaf = (l: unknown, r: unknown, path: Path): void => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!jsonEqual(l, r)) c.modified.insert(path);
  };
  const walk = (l: unknown, r: unknown, s: Shape, path: Path): void => {
    if (l === undefined && r === undefined) return;
    const lObj = l === undefined || isGranularObject(l, s);
    const rObj = r === undefined || isGranularObject(r, s);
    const lList = l === undefined || isGranularList(l, s);
    const rList = r === undefined || isGranularList(r, s);
    if (lObj && rObj) {
      const lo = (l ?? {}) as JsonObject;
      const ro = (r ?? {}) as JsonObject;
      if (Object.keys(lo).length === 0 && Object.keys(ro).length === 0) {
        if (path.length > 0) leaf(l, r, path);
        return;
      }
      if (path.length > 0 && structural(path)) {
        if (l === undefined) c.added.insert(path);
        else if (r === undefined) c.removed.insert(path);
      }
      for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
        walk(lo[k], ro[k], childShape(s, k), [...path, fieldElement(k)]);
      }
      return;
    }
    if (lList && rList) {
      const ll = (l ?? []) as unknown[];
      const rl = (r ?? []) as unknown[];
      if (ll.length === 0 && rl.length === 0) return leaf(l, r, path);
      if (l === undefined) c.added.insert(path);
      else if (r === undefined) c.removed.insert(path);
      compareItems(ll, rl, s, path, walk, c);
      return;
    }
    if (l !== undefined && r !== undefined && (lObj !== rObj || lList !== rList)) {
      // The value changed shape (say, from an object to a string).
      c.modified.insert(path);
      const added = toFieldSet(r, s);
      const removed = toFieldSet(l, s);
      graft(c.added, path, added);
      graft(c.removed, path, removed);
      return;
    }
    leaf(l, r, path);
  };
  walk(before, after, shape, []);
  return c;
}

const ALWAYS_PRESENT = new Set([
  fieldElement('metadata'),
  fieldElement('spec'),
  fieldElement('status'),
]);

function graft(into: FieldSet, at: Path, sub: FieldSet): void {
  for (const p of sub.paths()) into.insert([...at, ...p]);
}

function compareItems(
  l: unknown[],
  r: unknown[],
  s: Shape,
  path: Path,
  walk: (l: unknown, r: unknown, s: Shape, path: Path) => void,
  c: Comparison,
): void {
  const group = (list: unknown[]): Map<PathElement, unknown[]> => {
    const m = new Map<PathElement, unknown[]>();
    elements(list, s).forEach((pe, i) => m.set(pe, [...(m.get(pe) ?? []), list[i]]));
    return m;
  };
  const lm = group(l);
  const rm = group(r);
  const item = itemShape(s);
  for (const pe of new Set([...lm.keys(), ...rm.keys()])) {
    const li = lm.get(pe) ?? [];
    const ri = rm.get(pe) ?? [];
    const p = [...path, pe];
    if (li.length <= 1 && ri.length <= 1) walk(li[0], ri[0], item, p);
    else if (li.length >= 2 && ri.length >= 2) {
      if (!jsonEqual(li, ri)) c.modified.insert(p);
    } else if (li.length >= 2) {
      if (ri.length) walk(undefined, ri[0], item, p);
      c.removed.insert(p);
    } else {
      if (li.length) walk(li[0], undefined, item, p);
      c.added.insert(p);
    }
  }
}

/**
 * Merges an applied configuration into a live object: objects field by field, keyed lists
 * item by item, sets as a union, everything else replaced. `null` in the configuration
 * removes the field. Returns a new value.
 */
export function merge(live: unknown, config: unknown, shape: Shape): unknown {
  const walk = (l: unknown, r: unknown, s: Shape): unknown => {
    if (r === undefined) return l;
    if (r === null) return undefined;
    if (isGranularObject(r, s)) {
      // Merging into an empty object when there is nothing to merge with drops nulls.
      const base: JsonObject = isGranularObject(l, s) ? l : {};
      const out: JsonObject = { ...base };
      for (const [k, x] of Object.entries(r)) {
        const v = walk(base[k], x, childShape(s, k));
        if (v === undefined) delete out[k];
        else out[k] = v;
      }
      return out;
    }
    if (isGranularList(r, s)) return mergeLists(isGranularList(l, s) ? l : [], r, s, walk);
    return deepCopy(r);
  };
  return walk(deepCopy(live), config, shape);
}

/**
 * Keyed-list merge in structured-merge-diff's order: items of the configuration keep their
 * order, live-only items stay where they were relative to them.
 */
function mergeLists(
  l: unknown[],
  r: unknown[],
  s: Shape,
  walk: (l: unknown, r: unknown, s: Shape) => unknown,
): unknown[] {
  const item = itemShape(s);
  const lpe = elements(l, s);
  const rpe = elements(r, s);
  const lByPe = new Map<PathElement, unknown>();
  const duplicated = new Set<PathElement>();
  lpe.forEach((pe, i) => (lByPe.has(pe) ? duplicated.add(pe) : lByPe.set(pe, l[i])));
  const rSet = new Set(rpe);
  const rByPe = new Map(rpe.map((pe, i) => [pe, r[i]] as const));
  const shared = rpe.filter((pe) => lByPe.has(pe));
  let nextShared = shared.shift();
  const merged = new Set<PathElement>();
  const out: unknown[] = [];
  const emit = (pe: PathElement): void => {
    merged.add(pe);
    const lv = duplicated.has(pe) ? undefined : lByPe.get(pe);
    const v = walk(lv, rByPe.get(pe), item);
    if (v !== undefined) out.push(v);
    if (nextShared === pe) nextShared = shared.shift();
  };
  let li = 0;
  let ri = 0;
  while (li < l.length || ri < r.length) {
    if (li < l.length && ri < r.length) {
      const pe = lpe[li] as PathElement;
      if (pe === rpe[ri]) {
        emit(pe);
        li++;
        ri++;
        continue;
      }
      if (rSet.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < l.length) {
      const pe = lpe[li] as PathElement;
      if (!rSet.has(pe)) {
        out.push(l[li]);
        li++;
        continue;
      }
      if (merged.has(pe)) li++;
    }
    if (ri < r.length) {
      emit(rpe[ri] as PathElement);
      ri++;
    }
  }
  return out;
}

/**
 * Removes the paths of `set` from an object: a path in the set removes the field or list
 * item with everything below it. Objects and lists emptied this way are removed too.
 */
export function removePaths(obj: unknown, set: FieldSet, shape: Shape): unknown {
  const walk = (v: unknown, sub: FieldSet, s: Shape): unknown => {
    if (isGranularObject(v, s)) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) {
        const child = sub.children.get(fieldElement(k));
        if (child?.member) continue;
        if (!child) {
          out[k] = x;
          continue;
        }
        const kept = walk(x, child, childShape(s, k));
        if (!isEmptied(x, kept)) out[k] = kept;
      }
      return out;
    }
    if (isGranularList(v, s)) {
      const pes = elements(v, s);
      const out: unknown[] = [];
      v.forEach((item, i) => {
        const child = sub.children.get(pes[i] as PathElement);
        if (child?.member) return;
        out.push(child ? walk(item, child, itemShape(s)) : item);
      });
      return out;
    }
    return v;
  };
  return walk(obj, set, shape);
}

/** A container that had content and lost all of it. */
function isEmptied(before: unknown, after: unknown): boolean {
  if (Array.isArray(before)) return before.length > 0 && Array.isArray(after) && after.length === 0;
  if (isJsonObject(before))
    return Object.keys(before).length > 0 && isJsonObject(after) && Object.keys(after).length === 0;
  return false;
}
