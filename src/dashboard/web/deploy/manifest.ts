// A pasted or uploaded manifest, split into the objects it holds: YAML with several documents,
// or JSON (one object, or a List of them). Each object keeps the line it starts on, and a
// document that cannot be read becomes an entry with its error and line instead of failing
// the whole upload, so the other objects can still be applied.

import { LineCounter, parseAllDocuments } from 'yaml';
import { findJsonError } from './jsonpos.js';

export interface ManifestEntry {
  /** 1-based line where the object (or the broken document) starts. */
  line: number;
  object?: Record<string, any>;
  /** Why this entry cannot be applied (syntax, or a missing apiVersion/kind/name). */
  error?: string;
}

export function parseManifest(text: string): ManifestEntry[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    return parseJson(text);
  }
  return parseYaml(text);
}

function parseJson(text: string): ManifestEntry[] {
  const bad = findJsonError(text);
  if (bad) {
    const line = lineAt(text, bad.offset);
    return [{ line, error: `JSON syntax error at line ${line}: ${bad.message}` }];
  }
  const value: unknown = JSON.parse(text);
  const line = lineAt(text, text.length - text.trimStart().length);
  return expand(value).map((v) => entryFor(v, line));
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseYaml(text: string): ManifestEntry[] {
  const lines = new LineCounter();
  const out: ManifestEntry[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const start = (doc.contents as { range?: number[] } | null)?.range?.[0] ?? doc.range[0];
    const line = lines.linePos(start).line;
    const err = doc.errors[0];
    if (err) {
      const errLine = err.linePos?.[0]?.line ?? line;
      out.push({
        line: errLine,
        error: `YAML syntax error at line ${errLine}: ${firstLine(err.message)}`,
      });
      continue;
    }
    let value: unknown;
    try {
      // Aliases are resolved only here: one to a missing anchor, or too many, throws.
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      out.push({
        line,
        error: `YAML error in the document at line ${line}: ${(e as Error).message}`,
      });
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document, or only comments
    for (const v of expand(value)) out.push(entryFor(v, line));
  }
  return out;
}

function firstLine(m: string): string {
  return m.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** A List (kind ending in "List", with items) stands for its items, as kubectl reads it. */
function expand(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(expand);
  const o = value as Record<string, any> | null;
  if (
    o &&
    typeof o === 'object' &&
    typeof o.kind === 'string' &&
    o.kind.endsWith('List') &&
    Array.isArray(o.items)
  )
    return o.items.flatMap(expand);
  return [value];
}

function entryFor(value: unknown, line: number): ManifestEntry {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return {
      line,
      error: 'not an object: a manifest holds objects with apiVersion, kind and metadata',
    };
  const o = value as Record<string, any>;
  const missing = [
    typeof o.apiVersion !== 'string' || !o.apiVersion ? 'apiVersion not set' : '',
    typeof o.kind !== 'string' || !o.kind ? 'kind not set' : '',
    typeof o.metadata?.name !== 'string' || !o.metadata.name ? 'metadata.name not set' : '',
  ].filter(Boolean);
  if (missing.length)
    return { line, object: o, error: `error validating data: [${missing.join(', ')}]` };
  return { line, object: o };
}

/** "Deployment default/web", "Namespace prod": how a result line names its object. */
export function describeObject(o: Record<string, any> | undefined): string {
  if (!o) return 'document';
  const kind = typeof o.kind === 'string' && o.kind ? o.kind : 'object';
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '(no name)';
  const ns = typeof o.metadata?.namespace === 'string' ? `${o.metadata.namespace}/` : '';
  return `${kind} ${ns}${name}`;
}
