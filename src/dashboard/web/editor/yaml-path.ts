// Between YAML text and value paths: where a path's key or value sits in the text (to mark a
// schema problem), and which object the cursor is in while a key is being typed (to complete
// it). The latter reads indentation, since half-typed YAML often does not parse.

import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ValuePath } from './schema.js';

/** The text range of a path's value, or of its key when `onKey`; undefined when absent. */
export function rangeOf(
  doc: Document,
  path: ValuePath,
  onKey: boolean,
): { from: number; to: number } | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step),
      );
      if (!pair) return undefined;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      keyNode = undefined;
      node = node.items[step];
    } else return undefined;
  }
  const target = (onKey ? keyNode : node) ?? keyNode;
  const range = (target as Node | undefined)?.range;
  if (!range) return undefined;
  return { from: range[0], to: Math.max(range[1], range[0] + 1) };
}

interface LineShape {
  /** Column of the key (or value) after any `- ` markers. */
  keyCol: number;
  /** Columns of the `- ` markers on the line. */
  dashes: number[];
  /** The key when the line is `key:` or `key: value`. */
  key: string | undefined;
}

/** `---` or `...`: the end of one YAML document in a stream. */
const isDocumentMarker = (line: string): boolean => /^(---|\.\.\.)(\s|$)/.test(line);

function shape(line: string): LineShape | undefined {
  const m = /^(\s*)((?:-\s+)*)(.*)$/.exec(line)!;
  const rest = m[3]!;
  if (!rest.trim() && !m[2]) return undefined;
  if (rest.startsWith('#')) return undefined;
  const dashes: number[] = [];
  let col = m[1]!.length;
  for (const d of m[2]!.matchAll(/-\s+/g)) {
    dashes.push(col);
    col += d[0].length;
  }
  const key = /^("[^"]*"|'[^']*'|[^\s#:][^:#]*?)\s*:(\s|$)/
    .exec(rest)?.[1]
    ?.replace(/^["']|["']$/g, '');
  return { keyCol: col, dashes, key };
}

/**
 * The path of the object whose key is being typed at `column` on line `lineIndex` (0-based),
 * read from indentation: `spec:\n  containers:\n  - name: a\n    im|` → spec.containers[0].
 * List indexes are 0 (the schema is the same for every item). Also the keys already there.
 */
export function objectPathAt(
  text: string,
  lineIndex: number,
  column: number,
): { path: ValuePath; siblings: string[] } {
  const lines = text.split('\n');
  const current = lines[lineIndex] ?? '';
  const here = shape(current.slice(0, column));
  const path: ValuePath = [];
  // the column our key starts at, and whether we look for the parent of a list item at `col`
  let col = here ? here.keyCol : column;
  let inList = false;
  if (here?.dashes.length) {
    // `- na|`: a key of a new list item
    for (let i = 1; i < here.dashes.length; i++) path.unshift(0);
    path.unshift(0);
    col = here.dashes[0]!;
    inList = true;
  }
  const siblingStart = col;
  const siblings = new Set<string>();
  let collecting = !inList;
  for (let i = lineIndex - 1; i >= 0; i--) {
    if (isDocumentMarker(lines[i]!)) break;
    const s = shape(lines[i]!);
    if (!s) continue;
    if (!inList) {
      if (s.keyCol > col) continue;
      if (s.keyCol === col) {
        if (collecting && s.key) siblings.add(s.key);
        if (s.dashes.length && s.dashes.at(-1)! < col) {
          // `- name: a` opening the item our key belongs to
          collecting = false;
          path.unshift(0);
          col = s.dashes[0]!;
          for (let k = 1; k < s.dashes.length; k++) path.unshift(0);
          inList = true;
        }
        continue;
      }
      // a line left of us: our parent key
      collecting = false;
      if (!s.key) break;
      path.unshift(s.key);
      col = s.keyCol;
      if (s.dashes.length) {
        for (let k = 0; k < s.dashes.length; k++) path.unshift(0);
        col = s.dashes[0]!;
        inList = true;
      }
    } else {
      // looking for the key that holds the list whose items start at `col`
      if (s.keyCol > col && !s.dashes.length) continue;
      if (s.dashes.length && s.dashes[0]! >= col) continue; // an earlier item
      if (s.keyCol > col) continue;
      if (!s.key) break;
      path.unshift(s.key);
      col = s.keyCol;
      inList = false;
      if (s.dashes.length) {
        for (let k = 0; k < s.dashes.length; k++) path.unshift(0);
        col = s.dashes[0]!;
        inList = true;
      }
    }
  }
  // keys after the cursor at the same level belong to the same object too
  if (!here?.dashes.length) {
    for (let i = lineIndex + 1; i < lines.length; i++) {
      if (isDocumentMarker(lines[i]!)) break;
      const s = shape(lines[i]!);
      if (!s) continue;
      if (s.keyCol < siblingStart || (s.dashes.length && s.dashes[0]! < siblingStart)) break;
      if (s.keyCol === siblingStart && s.key) siblings.add(s.key);
    }
  }
  return { path, siblings: [...siblings] };
}
