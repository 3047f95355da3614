// The pieces the deploy, upload and namespace forms share: a labelled field with its error
// messages under it, and a help text beside it.

import type { ComponentChildren } from 'preact';

export function Errors({ messages, id }: { messages: readonly string[]; id?: string }) {
  if (!messages.length) return null;
  return (
    <div class="field-errors" id={id}>
      {messages.map((m) => (
        <p key={m} class="field-error">
          {m}
        </p>
      ))}
    </div>
  );
}

/** A text input with its label; `errors` are shown only once `show` says the field was visited. */
export function TextField(p: {
  label: string;
  name: string;
  value: string;
  onInput(v: string): void;
  onBlur?: () => void;
  errors?: readonly string[];
  show?: boolean;
  hint?: ComponentChildren;
  placeholder?: string;
  inputMode?: 'text' | 'numeric' | 'decimal';
  maxLength?: number;
  counter?: number;
  multiline?: boolean;
  required?: boolean;
}) {
  const errors = p.show === false ? [] : (p.errors ?? []);
  const id = `field-${p.name}`;
  const common = {
    id,
    name: p.name,
    value: p.value,
    placeholder: p.placeholder,
    'aria-invalid': errors.length > 0,
    'aria-describedby': errors.length ? `${id}-errors` : undefined,
    'aria-required': p.required,
    onBlur: p.onBlur,
  };
  return (
    <div class={`field${errors.length ? ' invalid' : ''}`}>
      <label for={id}>
        {p.label}
        {p.required ? ' *' : ''}
      </label>
      {p.multiline ? (
        <textarea
          {...common}
          rows={3}
          onInput={(e) => p.onInput((e.target as HTMLTextAreaElement).value)}
        />
      ) : (
        <input
          {...common}
          type="text"
          inputMode={p.inputMode}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        />
      )}
      {p.counter !== undefined && (
        <span class="hint counter">
          {p.value.trim().length} / {p.counter}
        </span>
      )}
      <Errors messages={errors} id={`${id}-errors`} />
      {p.hint && <p class="hint">{p.hint}</p>}
    </div>
  );
}

/** A group of the form with its help text, as the seed's form explains each part. */
export function Section(p: { help: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class="form-section">
      <div class="form-fields">{p.children}</div>
      <p class="hint form-help">{p.help}</p>
    </div>
  );
}
