// Small pieces the resource pages share: links to an object's page, status words with their
// tone, labels as chips, key/value lists.

import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import type { KObject } from '../api/reducer.js';
import { RESOURCES, type ResourceName } from '../api/resources.js';
import type { StatusWord } from '../kinds/status.js';

/** `/deployments/NS/NAME`; `_` stands for the namespace of a cluster-scoped object. */
export function objectHref(
  resource: ResourceName,
  namespace: string | undefined,
  name: string,
): string {
  return `/${resource}/${encodeURIComponent(namespace || '_')}/${encodeURIComponent(name)}`;
}

/** The RESOURCES key for an apiVersion and kind (an owner reference, an event's object). */
export function resourceNameFor(
  apiVersion: string | undefined,
  kind: string,
): ResourceName | undefined {
  const group = apiVersion?.includes('/') ? apiVersion.split('/')[0] : '';
  return (Object.keys(RESOURCES) as ResourceName[]).find(
    (k) => RESOURCES[k].kind === kind && (apiVersion === undefined || RESOURCES[k].group === group),
  );
}

export function ObjectLink({
  resource,
  object,
  children,
}: {
  resource: ResourceName;
  object: KObject;
  children?: ComponentChildren;
}) {
  return (
    <Link href={objectHref(resource, object.metadata.namespace, object.metadata.name)}>
      {children ?? object.metadata.name}
    </Link>
  );
}

/** A link to what a reference names, or its name as text when the dashboard has no page for it. */
export function RefLink(p: {
  apiVersion?: string | undefined;
  kind: string;
  namespace?: string | undefined;
  name: string;
}) {
  const res = resourceNameFor(p.apiVersion, p.kind);
  if (!res) return <span>{`${p.kind}/${p.name}`}</span>;
  return (
    <Link href={objectHref(res, RESOURCES[res].namespaced ? p.namespace : undefined, p.name)}>
      {`${p.kind}/${p.name}`}
    </Link>
  );
}

export function Status({ word }: { word: StatusWord }) {
  return <span class={`status ${word.tone}`}>{word.text}</span>;
}

export function Chips({ map }: { map: Record<string, string> | undefined }) {
  const entries = Object.entries(map ?? {});
  if (!entries.length) return <span class="hint">none</span>;
  return (
    <span class="chips">
      {entries.map(([k, v]) => (
        <span class="chip" key={k} title={`${k}=${v}`}>
          {v === '' ? k : `${k}=${v}`}
        </span>
      ))}
    </span>
  );
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([k, v]) => [<dt key={`${k}-k`}>{k}</dt>, <dd key={`${k}-v`}>{v}</dd>])}
    </dl>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="panel" aria-label={title}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}
