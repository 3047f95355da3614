// The YAML editor any page can embed: CodeMirror with YAML, problems (syntax, and what the
// server's OpenAPI schema of the document's kind refuses) marked in the text and listed below,
// and key completion (Ctrl-Space). Loaded on first use: CodeMirror is not in the first page.

import { lazy } from './lazy.js';

export interface YamlEditorProps {
  value: string;
  onChange?(value: string): void;
  /** The accessible name of the text (default "YAML"). */
  label?: string;
  readOnly?: boolean;
  /** False to check syntax only, without the server's schema. */
  schema?: boolean;
  /** Every problem found after each check (also listed under the editor). */
  onProblems?(problems: { from: number; to: number; severity: string; message: string }[]): void;
}

export const YamlEditor = lazy<YamlEditorProps>(() =>
  import('../editor/codemirror-editor.js').then((m) => m.CodeMirrorYaml),
);
