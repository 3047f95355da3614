import { isJsonObject, type JsonObject } from '../../api/json.js';
// Sets of field paths, as server-side apply records them in `metadata.managedFields`
// (FieldsV1): a tree whose keys are path elements — `f:<field>`, `k:{<key fields>}` for an
// item of a keyed list, `v:<value>` for an item of a set, `i:<index>` — and where `".": {}`
// marks a node that is itself in the set while also having children.

/** One path element in its FieldsV1 spelling. */
export type PathElement = string;
export type Path = PathElement[];

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (v: unknown): PathElement => `v:${JSON.stringify(v)}`;
/** A keyed-list item; key fields are written in name order, as structured-merge-diff does. */
export function keyElement(fields: Record<string, unknown>): PathElement {
  const names = Object.keys(fields).sort();
  return `k:{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(fields[n])}`).join(',')}}`;
}

export class FieldSet {
  /** This node itself is in the set. */
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    const [first, ...rest] = path;
    if (first === undefined) {
      this.member = true;
      return;
    }
    let next = this.children.get(first);
    if (!next) {
      next = new FieldSet();
      this.children.set(first, next);
    }
    next.insert(rest);
  }

  has(path: Path): boolean {
    const node = this.at(path);
    return node?.member === true;
  }

  /** The subtree below a path, if any. */
  at(path: Path): FieldSet | undefined {
    const [first, ...rest] = path;
    if (first === undefined) return this;
    return this.children.get(first)?.at(rest);
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.addAll(other);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    return this.combine(other, (a, b) => a && !b);
  }

  intersection(other: FieldSet): FieldSet {
    return this.combine(other, (a, b) => a && b);
  }

  /** A copy without the path and everything below it. */
  without(path: Path): FieldSet {
    const out = this.copy();
    const last = path[path.length - 1];
    if (last !== undefined) out.at(path.slice(0, -1))?.children.delete(last);
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.addAll(this);
    return out;
  }

  /** Every path in the set, in FieldsV1 order. */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (node: FieldSet, prefix: Path): void => {
      if (node.member) out.push(prefix);
      for (const pe of sortedElements(node.children.keys())) {
        walk(node.children.get(pe) as FieldSet, [...prefix, pe]);
      }
    };
    walk(this, []);
    return out;
  }

  /**
   * Adds, as members, the object fields on the way to every path (`spec`, `spec.template`…),
   * which a set normally leaves implicit; list items are not added.
   */
  withNamedFieldsAsMembers(): FieldSet {
    const out = this.copy();
    const walk = (node: FieldSet): void => {
      for (const [pe, child] of node.children) {
        if (pe.startsWith('f:')) child.member = true;
        walk(child);
      }
    };
    walk(out);
    return out;
  }

  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const pe of sortedElements(this.children.keys())) {
      out[pe] = (this.children.get(pe) as FieldSet).toFieldsV1();
    }
    return out;
  }

  /** Reads FieldsV1 JSON; throws on anything that is not an object tree. */
  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    const read = (node: FieldSet, obj: unknown): void => {
      if (!isJsonObject(obj)) throw new Error('FieldsV1 must be an object');
      const keys = Object.keys(obj);
      if (keys.length === 0) node.member = true;
      for (const k of keys) {
        if (k === '.') {
          node.member = true;
          continue;
        }
        if (!/^[fkvi]:/.test(k)) throw new Error(`unknown path element ${JSON.stringify(k)}`);
        const child = new FieldSet();
        node.children.set(k, child);
        read(child, obj[k]);
      }
    };
    read(out, v);
    // The root is never itself a member.
    out.member = false;
    return out;
  }

  private addAll(other: FieldSet): void {
    if (other.member) this.member = true;
    for (const [pe, child] of other.children) {
      let mine = this.children.get(pe);
      if (!mine) {
        mine = new FieldSet();
        this.children.set(pe, mine);
      }
      mine.addAll(child);
    }
  }

  private combine(other: FieldSet, keep: (inThis: boolean, inOther: boolean) => boolean): FieldSet {
    const out = new FieldSet();
    out.member = keep(this.member, other.member);
    for (const [pe, child] of this.children) {
      const c = child.combine(other.children.get(pe) ?? EMPTY, keep);
      if (!c.isEmpty()) out.children.set(pe, c);
    }
    return out;
  }
}

const EMPTY = new FieldSet();

// ---- ordering and printing ----

const TYPE_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function sortedElements(pes: Iterable<PathElement>): PathElement[] {
  return [...pes].sort(comparePathElements);
}

export function comparePathElements(a: PathElement, b: PathElement): number {
  const ta = TYPE_RANK[a[0] ?? ''] ?? 9;
  const tb = TYPE_RANK[b[0] ?? ''] ?? 9;
  if (ta !== tb) return ta - tb;
  const ra = a.slice(2);
  const rb = b.slice(2);
  switch (a[0]) {
    case 'f':
      return ra < rb ? -1 : ra > rb ? 1 : 0;
    case 'i':
      return Number(ra) - Number(rb);
    case 'v':
      return compareValues(JSON.parse(ra), JSON.parse(rb));
    default: {
      const ea = Object.entries(JSON.parse(ra) as JsonObject);
      const eb = Object.entries(JSON.parse(rb) as JsonObject);
      for (let i = 0; ; i++) {
        const x = ea[i];
        const y = eb[i];
        if (!x && !y) return 0;
        if (!x) return -1;
        if (!y) return 1;
        if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
        const c = compareValues(x[1], y[1]);
        if (c !== 0) return c;
      }
    }
  }
}

/** structured-merge-diff's total order: numbers, strings, booleans, then the rest. */
function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number =>
    typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : 3;
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

/** A value as structured-merge-diff prints it in a path: strings quoted, the rest bare. */
function valueText(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueText).join(',')}]`;
  if (isJsonObject(v))
    return Object.entries(v)
      .map(([k, x]) => `${k}=${valueText(x)}`)
      .join('');
  return String(v);
}

/** A path as conflict messages print it: `.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      const rest = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${rest}`;
        case 'i':
          return `[${rest}]`;
        case 'v':
          return `[=${valueText(JSON.parse(rest))}]`;
        default: {
          const fields = Object.entries(JSON.parse(rest) as JsonObject);
          return `[${fields.map(([k, v]) => `${k}=${valueText(v)}`).join(',')}]`;
        }
      }
    })
    .join('');
}
