// Every problem of a YAML text the editor marks: syntax errors, then, for each document that
// names its apiVersion and kind, what the kind's schema refuses. Positions are text offsets.

import { parseAllDocuments } from 'yaml';
import type { KindSchema } from './schema.js';
import { rangeOf } from './yaml-path.js';

export interface TextProblem {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  message: string;
}

export async function checkYaml(
  text: string,
  schemaOf: (apiVersion: string, kind: string) => Promise<KindSchema | undefined>,
): Promise<TextProblem[]> {
  const out: TextProblem[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (!('errors' in doc)) continue; // an empty stream's end marker
    if (doc.errors.length) {
      for (const e of doc.errors)
        out.push({
          from: e.pos[0],
          to: Math.max(e.pos[1], e.pos[0] + 1),
          severity: 'error',
          // the first line, without the position (the editor shows where)
          message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
        });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      // an alias to no anchor, or too many aliases (a "billion laughs" document)
      const at = doc.range[0];
      out.push({ from: at, to: at + 1, severity: 'error', message: (e as Error).message });
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
    const schema = await schemaOf(apiVersion, kind);
    if (!schema) continue;
    for (const p of schema.problems(value)) {
      const at = rangeOf(doc, p.path, p.onKey) ?? {
        from: doc.range[0],
        to: doc.range[0] + 1,
      };
      out.push({ ...at, severity: p.severity ?? 'error', message: p.message });
    }
  }
  return out.map((p) => ({
    ...p,
    from: Math.min(p.from, text.length),
    to: Math.min(p.to, text.length),
  }));
}

/** The apiVersion and kind of the document of a stream that holds `offset` (read by line). */
export function kindAt(text: string, offset: number): { apiVersion?: string; kind?: string } {
  const lines = text.split('\n');
  let start = 0;
  let end = lines.length;
  let at = 0;
  let cursorLine = 0;
  for (let i = 0; i < lines.length; i++) {
    if (at <= offset) cursorLine = i;
    at += lines[i]!.length + 1;
  }
  for (let i = cursorLine; i >= 0; i--)
    if (/^---(\s|$)/.test(lines[i]!) && i !== cursorLine) {
      start = i + 1;
      break;
    }
  for (let i = cursorLine + 1; i < lines.length; i++)
    if (/^---(\s|$)/.test(lines[i]!)) {
      end = i;
      break;
    }
  const out: { apiVersion?: string; kind?: string } = {};
  for (const line of lines.slice(start, end)) {
    const m = /^(apiVersion|kind):\s*["']?([^\s"'#]+)/.exec(line);
    if (m) out[m[1] as 'apiVersion' | 'kind'] = m[2]!;
  }
  return out;
}
