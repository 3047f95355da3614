// The JSONPath subset printer columns use (`.spec.replicas`, `.items[0].name`,
// `.status.conditions[?(@.type=="Ready")].status`), and kubectl's JSONPath text for a value.

import { isJsonObject } from '../../json.js';

type Step = { key: string } | { index: number } | { filter: { field: string; value: string } };

function parse(path: string): Step[] | undefined {
  const steps: Step[] = [];
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (p.startsWith('$')) p = p.slice(1);
  const re =
    /\.([^.[\]]+)|\[(\d+)\]|\[\?\(@\.([^=!<>]+?)\s*==\s*["']([^"']*)["']\)\]|\[["']([^"']+)["']\]/y;
  while (p.length && re.lastIndex < p.length) {
    const m = re.exec(p);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { field: m[3], value: m[4] ?? '' } });
    else if (m[5] !== undefined) steps.push({ key: m[5] });
  }
  return steps;
}

/** The values `path` finds in `obj` (none when missing). */
export function evalJsonPath(obj: unknown, path: string): unknown[] {
  const steps = parse(path);
  if (!steps) return [];
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('key' in s) {
        if (isJsonObject(v) && v[s.key] !== undefined) next.push(v[s.key]);
      } else if ('index' in s) {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if (Array.isArray(v)) {
        for (const item of v)
          if (isJsonObject(item) && String(item[s.filter.field]) === s.filter.value)
            next.push(item);
      }
    }
    cur = next;
  }
  return cur;
}

/** A value as the JSONPath text printer writes it: Go's fmt.Print of the decoded JSON. */
export function formatJsonPathValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(formatJsonPathValue).join(' ')}]`;
  if (isJsonObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${formatJsonPathValue(v[k])}`)
      .join(' ')}]`;
  return String(v);
}
