// Create from YAML or JSON (#/upload): paste a manifest or choose a file; every object in it is
// applied by server-side apply, each with its own line of result. A document that cannot be
// read, or an object the server refuses, is reported on its line and the rest still go in.

import { useState } from 'preact/hooks';
import { applyOne, type ApplyResult } from '../deploy/apply.js';
import { describeObject, parseManifest } from '../deploy/manifest.js';
import { useNamespace } from '../namespace.js';

interface Outcome {
  line: number;
  /** The object ("Deployment web"), or undefined for a document that could not be read. */
  what: string | undefined;
  result: ApplyResult | undefined;
}

export function UploadPage() {
  const { namespace: viewed } = useNamespace();
  const target = viewed || 'default';
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string>();
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string>();

  const chooseFile = async (input: HTMLInputElement): Promise<void> => {
    const file = input.files?.[0];
    if (!file) return;
    setFileName(file.name);
    setText(await file.text());
    setOutcomes([]);
  };

  const upload = async (e: Event): Promise<void> => {
    e.preventDefault();
    const entries = parseManifest(text);
    if (!entries.length) {
      setNotice('There is nothing to apply: the manifest holds no object.');
      setOutcomes([]);
      return;
    }
    setNotice(undefined);
    setBusy(true);
    const out: Outcome[] = entries.map((x) => ({
      line: x.line,
      what: x.object ? describeObject(x.object) : undefined,
      result: x.error ? { ok: false, message: x.error } : undefined,
    }));
    setOutcomes([...out]);
    // In order, one at a time: a Namespace before the objects that live in it.
    for (const [i, entry] of entries.entries()) {
      if (entry.error || !entry.object) continue;
      out[i] = { ...out[i]!, result: await applyOne(entry.object, target) };
      setOutcomes([...out]);
    }
    setBusy(false);
  };

  const failed = outcomes.filter((o) => o.result && !o.result.ok).length;
  const done = outcomes.filter((o) => o.result?.ok).length;
  return (
    <section class="deploy-page">
      <h2>Create from YAML or JSON</h2>
      <p>
        Paste a manifest or choose a file: one or more objects, as YAML documents separated by{' '}
        <code>---</code> or as JSON. Objects without a namespace go to namespace <b>{target}</b>.
        They are applied server-side, so uploading again updates them.
      </p>
      <form aria-label="Create from YAML or JSON" onSubmit={(e) => void upload(e)}>
        <div class="field">
          <label for="upload-file">Choose a YAML or JSON file</label>
          <input
            id="upload-file"
            type="file"
            accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
            onChange={(e) => void chooseFile(e.target as HTMLInputElement)}
          />
          {fileName && <span class="hint"> {fileName}</span>}
        </div>
        <div class="field">
          <label for="upload-text">Manifest</label>
          <textarea
            id="upload-text"
            name="manifest"
            class="manifest"
            rows={18}
            spellcheck={false}
            value={text}
            placeholder={
              'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: example\ndata:\n  key: value\n'
            }
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !text.trim()}>
            {busy ? 'Uploading…' : 'Upload'}
          </button>
        </div>
      </form>
      {notice && (
        <p class="notice warn" role="status">
          {notice}
        </p>
      )}
      {outcomes.length > 0 && (
        <>
          <p role="status" class={`notice ${failed ? 'warn' : 'ok'}`}>
            {busy
              ? `Applying ${outcomes.length} object${outcomes.length === 1 ? '' : 's'}…`
              : `${done} applied, ${failed} failed.`}
          </p>
          <ul class="apply-results" aria-label="Results">
            {outcomes.map((o, i) => (
              <li key={i} class={o.result ? (o.result.ok ? 'ok' : 'error') : 'pending'}>
                {o.what ? (
                  <>
                    <span class="hint">line {o.line}</span> {o.what}:{' '}
                    {o.result ? o.result.message : 'applying…'}
                  </>
                ) : (
                  o.result?.message
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
