// Config maps, secrets (values hidden until revealed), persistent volume claims and service
// accounts.

import { useState } from 'preact/hooks';
import type { KObject } from '../../api/reducer.js';
import { RefLink, Section } from '../../components/cells.js';
import { decodeSecretValue } from '../../kinds/events.js';
import { accessModes } from './cluster.js';
import type { KindView } from './types.js';

const count = (m: Record<string, unknown> | undefined): number => Object.keys(m ?? {}).length;

export const configmaps: KindView = {
  resource: 'configmaps',
  title: 'Config maps',
  noun: 'config maps',
  section: 'Config and storage',
  columns: () => [{ title: 'Data', cell: (o) => count(o.data) + count(o.binaryData) }],
  actions: ['edit', 'delete'],
  summary: (o) => [['Immutable', String(Boolean(o.immutable))]],
  sections: [ConfigMapData],
};

function ConfigMapData({ object: cm }: { object: KObject }) {
  const entries = Object.entries((cm.data ?? {}) as Record<string, string>);
  const binary = Object.entries((cm.binaryData ?? {}) as Record<string, string>);
  return (
    <Section title="Data">
      {!entries.length && !binary.length && <p class="hint">No data.</p>}
      {entries.map(([k, v]) => (
        <div class="datum" key={k}>
          <h4>{k}</h4>
          <pre aria-label={`Value of ${k}`}>{v}</pre>
        </div>
      ))}
      {binary.map(([k, v]) => (
        <div class="datum" key={k}>
          <h4>{k}</h4>
          <p class="hint">binary, {Math.floor((v.length * 3) / 4)} bytes</p>
        </div>
      ))}
    </Section>
  );
}

export const secrets: KindView = {
  resource: 'secrets',
  title: 'Secrets',
  noun: 'secrets',
  section: 'Config and storage',
  columns: () => [
    { title: 'Type', cell: (o) => o.type ?? 'Opaque' },
    { title: 'Data', cell: (o) => count(o.data) },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Type', o.type ?? 'Opaque'],
    ['Immutable', String(Boolean(o.immutable))],
  ],
  sections: [SecretData],
};

/** Each key with its size; its value (base64-decoded) only after "Reveal", one key at a time. */
function SecretData({ object: secret }: { object: KObject }) {
  const [shown, setShown] = useState<ReadonlySet<string>>(new Set());
  const entries = Object.entries((secret.data ?? {}) as Record<string, string>);
  const toggle = (k: string): void =>
    setShown((s) => {
      const n = new Set(s);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  return (
    <Section title="Data">
      {!entries.length && <p class="hint">No data.</p>}
      {entries.map(([k, v]) => {
        const value = decodeSecretValue(v);
        const open = shown.has(k);
        return (
          <div class="datum" key={k}>
            <h4>
              {k}{' '}
              <button
                type="button"
                aria-label={`${open ? 'Hide' : 'Reveal'} ${k}`}
                onClick={() => toggle(k)}
              >
                {open ? 'Hide' : 'Reveal'}
              </button>
            </h4>
            {open ? (
              <pre aria-label={`Value of ${k}`}>{value}</pre>
            ) : (
              <p class="hint">{new TextEncoder().encode(value).length} bytes, hidden</p>
            )}
          </div>
        );
      })}
    </Section>
  );
}

export const persistentvolumeclaims: KindView = {
  resource: 'persistentvolumeclaims',
  title: 'Persistent volume claims',
  noun: 'persistent volume claims',
  section: 'Config and storage',
  columns: () => [
    {
      title: 'Status',
      cell: (o) => (
        <span class={`status ${o.status?.phase === 'Bound' ? 'ok' : 'warn'}`}>
          {o.status?.phase ?? 'Pending'}
        </span>
      ),
    },
    {
      title: 'Volume',
      cell: (o) =>
        o.spec?.volumeName ? (
          <RefLink kind="PersistentVolume" apiVersion="v1" name={o.spec.volumeName} />
        ) : (
          ''
        ),
    },
    {
      title: 'Capacity',
      cell: (o) => o.status?.capacity?.storage ?? o.spec?.resources?.requests?.storage ?? '',
    },
    {
      title: 'Access modes',
      cell: (o) => accessModes(o.status?.accessModes ?? o.spec?.accessModes),
    },
    { title: 'Storage class', cell: (o) => o.spec?.storageClassName ?? '' },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Status', o.status?.phase ?? 'Pending'],
    [
      'Volume',
      o.spec?.volumeName ? (
        <RefLink kind="PersistentVolume" apiVersion="v1" name={o.spec.volumeName} />
      ) : (
        'not bound'
      ),
    ],
    ['Requested', o.spec?.resources?.requests?.storage ?? ''],
    ['Capacity', o.status?.capacity?.storage ?? '—'],
    ['Access modes', accessModes(o.spec?.accessModes)],
    ['Storage class', o.spec?.storageClassName ?? ''],
    ['Volume mode', o.spec?.volumeMode ?? 'Filesystem'],
  ],
};

export const serviceaccounts: KindView = {
  resource: 'serviceaccounts',
  title: 'Service accounts',
  noun: 'service accounts',
  section: 'Config and storage',
  columns: () => [{ title: 'Secrets', cell: (o) => (o.secrets ?? []).length }],
  actions: ['edit', 'delete'],
  summary: (o) => [
    [
      'Image pull secrets',
      ((o.imagePullSecrets ?? []) as any[]).map((s) => s.name).join(', ') || 'none',
    ],
    ['Mountable secrets', ((o.secrets ?? []) as any[]).map((s) => s.name).join(', ') || 'none'],
    ['Automount token', String(o.automountServiceAccountToken ?? true)],
  ],
};
