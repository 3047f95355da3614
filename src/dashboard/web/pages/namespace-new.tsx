// Create a namespace (#/namespaces/new), with seed 004's name rules; the deploy form embeds
// the same form to create one inline. A created namespace becomes the one in view.

import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api/client.js';
import { RESOURCES, resourcePath } from '../api/resources.js';
import { validateNamespaceName } from '../deploy/validation.js';
import { useNamespace } from '../namespace.js';
import { TextField } from './deploy-fields.js';

export function NamespaceCreateForm(p: {
  onCreated(name: string): void;
  onFailed?: (message: string) => void;
  onCancel?: () => void;
}) {
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const errors = validateNamespaceName(name);
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setTouched(true);
    if (errors.length) return;
    setBusy(true);
    setError(undefined);
    const ns = name.trim();
    try {
      await api(resourcePath(RESOURCES.namespaces), {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      });
      setName('');
      setTouched(false);
      p.onCreated(ns);
    } catch (err) {
      const message = (err as Error).message;
      setError(message);
      p.onFailed?.(message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="namespace-create"
      aria-label="Create a new namespace"
      onSubmit={(e) => void create(e)}
    >
      <TextField
        label="Namespace name"
        name="namespace-name"
        value={name}
        onInput={(v) => (setName(v), setTouched(true))}
        errors={errors}
        show={touched}
        counter={63}
        required
        hint="A namespace with the specified name will be added to the cluster."
      />
      {error && (
        <p class="notice error" role="alert">
          Error creating namespace: {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Create
        </button>
        {p.onCancel && (
          <button type="button" onClick={p.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export function NamespaceNewPage() {
  const { setNamespace } = useNamespace();
  const [created, setCreated] = useState<string>();
  return (
    <section class="deploy-page">
      <h2>Create a new namespace</h2>
      <p>
        Namespaces let you partition resources into logically named groups. A name has at most 63
        lowercase letters, digits and '-', starts and ends with a letter or digit, and is not only
        digits.
      </p>
      {created && (
        <p class="notice ok" role="status">
          Namespace {created} was created and is now selected.{' '}
          <Link href={`/namespaces/_/${created}`}>Open it</Link>
        </p>
      )}
      <NamespaceCreateForm
        onCreated={(ns) => {
          setNamespace(ns);
          setCreated(ns);
        }}
        onFailed={() => setCreated(undefined)}
      />
    </section>
  );
}
