// The YAML editor proper (its own chunk: CodeMirror 6): YAML highlighting, problems from
// editor/yaml-check.ts as lint marks and as a list below, and key completion from the kind's
// OpenAPI schema. The `value` prop replaces the text when it changes from outside.

import {
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from '@codemirror/autocomplete';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { YamlEditorProps } from '../components/yaml-editor.js';
import { kindSchema } from './openapi.js';
import { checkYaml, kindAt, type TextProblem } from './yaml-check.js';
import { objectPathAt } from './yaml-path.js';

async function completeKeys(ctx: CompletionContext): Promise<CompletionResult | null> {
  const line = ctx.state.doc.lineAt(ctx.pos);
  const before = line.text.slice(0, ctx.pos - line.from);
  // only where a key is being typed: indentation, list markers, then the key so far
  const typed = /^\s*(?:-\s+)*([\w./-]*)$/.exec(before);
  if (!typed) return null;
  if (!typed[1] && !ctx.explicit) return null;
  const text = ctx.state.doc.toString();
  const { apiVersion, kind } = kindAt(text, ctx.pos);
  if (!apiVersion || !kind) return null;
  const schema = await kindSchema(apiVersion, kind);
  if (!schema) return null;
  const { path, siblings } = objectPathAt(text, line.number - 1, ctx.pos - line.from);
  const options: Completion[] = schema
    .fields(path)
    .filter((f) => !siblings.includes(f.name))
    .map((f) => ({
      label: f.name,
      type: 'property',
      detail: f.type,
      info: f.description,
      apply: `${f.name}: `,
    }));
  return { from: ctx.pos - typed[1]!.length, options, validFor: /^[\w./-]*$/ };
}

export function CodeMirrorYaml(p: YamlEditorProps) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>();
  const props = useRef(p);
  props.current = p;
  const [problems, setProblems] = useState<TextProblem[]>([]);

  useEffect(() => {
    const lint = linter(
      async (v): Promise<Diagnostic[]> => {
        const text = v.state.doc.toString();
        const found = await checkYaml(text, (a, k) =>
          props.current.schema === false ? Promise.resolve(undefined) : kindSchema(a, k),
        );
        // the text may have changed while the schema loaded: positions must still fit
        const length = v.state.doc.length;
        const fitted = found.map((x) => ({
          ...x,
          from: Math.min(x.from, length),
          to: Math.min(x.to, length),
        }));
        setProblems(fitted);
        props.current.onProblems?.(fitted);
        return fitted;
      },
      { delay: 300 },
    );
    view.current = new EditorView({
      parent: box.current!,
      state: EditorState.create({
        doc: p.value,
        extensions: [
          basicSetup,
          yaml(),
          lint,
          lintGutter(),
          autocompletion({ override: [completeKeys] }),
          EditorState.readOnly.of(Boolean(p.readOnly)),
          EditorView.contentAttributes.of({ 'aria-label': p.label ?? 'YAML' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) props.current.onChange?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.current?.destroy();
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== p.value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: p.value } });
  }, [p.value]);

  const lineOf = (offset: number) => view.current?.state.doc.lineAt(offset).number ?? 0;
  return (
    <div class="yaml-editor">
      <div class="yaml-editor-text" ref={box} />
      {problems.length > 0 && (
        <ul class="yaml-problems" aria-label="Problems">
          {problems.map((x, i) => (
            <li key={i} class={x.severity}>
              <button
                class="link"
                onClick={() => {
                  view.current?.dispatch({ selection: { anchor: x.from }, scrollIntoView: true });
                  view.current?.focus();
                }}
              >
                Line {lineOf(x.from)}
              </button>
              : {x.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
