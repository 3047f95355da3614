// A single pass over JSON text before it is parsed: nesting depth is bounded (so no later
// recursion over the value can run out of stack) and duplicate object keys are found, with
// their paths, for fieldValidation (kube-apiserver's strict decoder reports them as
// `duplicate field "metadata.labels.a"`). The scan never recurses.

/**
 * The deepest nesting a request body may have. Go's JSON decoder (kube-apiserver's) stops at
 * 10000; our engines recurse over values (validation, merging, managed fields), so we stop
 * where every one of them stays well inside Node's stack, still far beyond any real object.
 */
export const MAX_JSON_DEPTH = 512;

/** Go's encoding/json text for a body nested too deep (the opening character is quoted). */
export const exceededMaxDepth = (c: string): string =>
  `invalid character '${c}' exceeded max depth`;

export class JsonDepthError extends Error {}

interface Frame {
  array: boolean;
  /** Object: keys seen so far; the key being read or just read. */
  keys?: Set<string>;
  key: string;
  expectKey: boolean;
  /** Array: index of the current element. */
  index: number;
}

/** The path of the current position as kube-apiserver prints it: `spec.containers[0].name`. */
function pathOf(stack: Frame[]): string {
  let out = '';
  for (const f of stack) {
    if (f.array) out += `[${f.index}]`;
    else out += out ? `.${f.key}` : f.key;
  }
  return out;
}

/**
 * Scans JSON text: throws JsonDepthError past MAX_JSON_DEPTH, returns the paths of duplicate
 * keys. Malformed text is not reported here (JSON.parse reports it).
 */
export function scanJson(text: string, maxDepth = MAX_JSON_DEPTH): string[] {
  const duplicates: string[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x7b /* { */:
      case 0x5b /* [ */: {
        if (stack.length >= maxDepth) throw new JsonDepthError(exceededMaxDepth(text[i] as string));
        const array = c === 0x5b;
        stack.push({
          array,
          key: '',
          expectKey: !array,
          index: 0,
          ...(array ? {} : { keys: new Set<string>() }),
        });
        break;
      }
      case 0x7d /* } */:
      case 0x5d /* ] */:
        stack.pop();
        break;
      case 0x2c /* , */: {
        const top = stack[stack.length - 1];
        if (top?.array) top.index++;
        else if (top) top.expectKey = true;
        break;
      }
      case 0x3a /* : */: {
        const top = stack[stack.length - 1];
        if (top) top.expectKey = false;
        break;
      }
      case 0x22 /* " */: {
        const start = i;
        let escaped = false;
        for (i++; i < n; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c /* \ */) {
            escaped = true;
            i++;
          } else if (d === 0x22) break;
        }
        const top = stack[stack.length - 1];
        if (top && !top.array && top.expectKey) {
          let key = text.slice(start + 1, i);
          if (escaped) {
            try {
              key = JSON.parse(text.slice(start, i + 1)) as string;
            } catch {
              return duplicates; // malformed: JSON.parse will say why
            }
          }
          top.key = key;
          if (top.keys?.has(key)) duplicates.push(pathOf(stack));
          else top.keys?.add(key);
          top.expectKey = false;
        }
        break;
      }
      default:
        break;
    }
  }
  return duplicates;
}

/** True when a parsed value nests deeper than `maxDepth` (checked without recursion). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length) {
    const [v, d] = pending.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') pending.push([child, d + 1]);
    }
  }
  return false;
}

/** Nesting depth of a value (0 for a scalar), computed without recursion. */
export function depthOf(value: unknown): number {
  let max = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length) {
    const [v, d] = pending.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') pending.push([child, d + 1]);
    }
  }
  return max;
}

/** The longest piece of client input an error message quotes. */
export const MAX_QUOTED_INPUT = 1024;

/** Input quoted in an error message, cut so that an error never echoes a whole document. */
export function truncateForMessage(text: string, max = MAX_QUOTED_INPUT): string {
  return text.length <= max ? text : `${text.slice(0, max)}...(truncated)`;
}
