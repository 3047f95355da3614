// Any object as YAML (without managedFields), saved with PUT. The object is watched while it
// is open: a change on the server replaces the text when the user has not touched it, and
// otherwise is announced at once (the save would be refused); a conflict (409) offers to
// reload the current version; other refusals show the server's message.

import { useEffect, useState } from 'preact/hooks';
import { parse, stringify } from 'yaml';
import { ApiError, api } from '../api/client.js';
import type { KObject } from '../api/reducer.js';
import { RESOURCES, resourcePath, type Resource } from '../api/resources.js';
import { useWatched } from '../components/data.js';
import { YamlEditor } from '../components/yaml-editor.js';

type Notice = { kind: 'ok' | 'error' | 'conflict'; text: string } | undefined;

/** The object as the editor shows it: managedFields are the server's bookkeeping. */
export function editableYaml(o: KObject): string {
  const copy = structuredClone(o);
  delete copy.metadata.managedFields;
  return stringify(copy, { lineWidth: 0 });
}

/**
 * Whether resourceVersion `a` comes after `b`. Skiff's (as etcd's) are the store's revision
 * numbers, comparable as such (kube 1.34 makes that a documented property); anything else is
 * taken as later when it differs.
 */
export function laterVersion(a: string | undefined, b: string): boolean {
  if (a === undefined || a === b) return false;
  return /^[1-9][0-9]*$/.test(a) && /^[1-9][0-9]*$/.test(b) ? BigInt(a) > BigInt(b) : true;
}

export function EditPage({ params }: { params: { resource: string; ns: string; name: string } }) {
  const res = (RESOURCES as Record<string, Resource>)[params.resource];
  if (!res)
    return (
      <p class="notice error" role="alert">
        There is no resource “{params.resource}” to edit.
      </p>
    );
  return <Editor res={res} ns={params.ns === '_' ? undefined : params.ns} name={params.name} />;
}

function Editor({ res, ns, name }: { res: Resource; ns: string | undefined; name: string }) {
  const path = resourcePath(res, ns, name);
  const [text, setText] = useState<string>();
  const [loadError, setLoadError] = useState<ApiError>();
  const [notice, setNotice] = useState<Notice>();
  const [saving, setSaving] = useState(false);
  const [loads, setLoads] = useState(0);
  /** The version the text started from, and that text: the user has edited when they differ. */
  const [base, setBase] = useState<{ text: string; rv: string }>();
  // Under the page's watch budget (a list polled when no watch is free), by name.
  const live = useWatched(res, { namespace: ns, fieldSelector: `metadata.name=${name}` });

  const start = (o: KObject) => {
    const yaml = editableYaml(o);
    setText(yaml);
    setBase({ text: yaml, rv: o.metadata.resourceVersion ?? '' });
  };

  useEffect(() => {
    setLoadError(undefined);
    api<KObject>(path).then(start, (e: ApiError) => setLoadError(e));
  }, [path, loads]);

  // The server's newer version takes the place of an untouched text. Only a later one: the
  // shared list may still hold what it last saw (kept from an earlier page, or behind a save).
  const current = live.items[0];
  const newer =
    !!current && !!base && laterVersion(current.metadata.resourceVersion, base.rv) && !saving;
  const untouched = text === base?.text;
  useEffect(() => {
    if (newer && untouched && current) start(current);
  }, [newer, untouched, current]);
  const deleted = live.loaded && !live.error && !current && !!base;

  const reload = () => {
    setNotice(undefined);
    setLoads((n) => n + 1);
  };

  const save = async () => {
    let body: unknown;
    try {
      body = parse(text ?? '');
    } catch (e) {
      setNotice({ kind: 'error', text: `The YAML does not parse: ${(e as Error).message}` });
      return;
    }
    setSaving(true);
    try {
      const saved = await api<KObject>(path, { method: 'PUT', body });
      start(saved);
      setNotice({
        kind: 'ok',
        text: `Saved (resourceVersion ${saved.metadata.resourceVersion ?? '?'}).`,
      });
    } catch (e) {
      const err = e as ApiError;
      setNotice(
        err.code === 409 && err.status?.reason === 'Conflict'
          ? { kind: 'conflict', text: err.message }
          : { kind: 'error', text: err.message },
      );
    } finally {
      setSaving(false);
    }
  };

  const title = `${res.kind} ${ns ? `${ns}/` : ''}${name}`;
  return (
    <section class="edit-page">
      <h2>Edit {title}</h2>
      {loadError && (
        <p class={`notice ${loadError.forbidden ? 'forbidden' : 'error'}`} role="alert">
          {loadError.message}
        </p>
      )}
      {notice?.kind === 'ok' && (
        <p class="notice" role="status" aria-label="Save state">
          {notice.text}
        </p>
      )}
      {notice?.kind === 'error' && (
        <p class="notice error" role="alert">
          {notice.text}
        </p>
      )}
      {deleted && (
        <p class="notice warn" role="status" aria-label="Server changes">
          This object was deleted on the server; saving would not bring it back.
        </p>
      )}
      {newer && !untouched && !deleted && notice?.kind !== 'conflict' && (
        <div class="notice warn" role="status" aria-label="Server changes">
          <p>
            Someone changed this object since it was loaded (now resourceVersion{' '}
            {current?.metadata.resourceVersion}): saving these edits will be refused.{' '}
            <button onClick={reload}>Reload (discard my changes)</button>
          </p>
        </div>
      )}
      {notice?.kind === 'conflict' && (
        <div class="notice warn" role="alert">
          <p>{notice.text}</p>
          <p>
            Someone changed this object since it was loaded.{' '}
            <button onClick={reload}>Reload (discard my changes)</button>
          </p>
        </div>
      )}
      {text !== undefined && (
        <>
          <div class="toolbar">
            <button class="primary" onClick={save} disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            <button onClick={reload} disabled={saving}>
              Reload
            </button>
          </div>
          <YamlEditor value={text} onChange={setText} label={`YAML of ${title}`} />
        </>
      )}
      {text === undefined && !loadError && <p class="notice">Loading…</p>}
    </section>
  );
}
