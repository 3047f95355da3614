// One detail page for every kind (`#/RESOURCE/NS/NAME`, NS `_` for cluster-scoped objects):
// actions, a summary, the kind's own sections, conditions, owners and what it owns, the
// pods under it and the autoscalers that target it, labels and annotations, and its events.
// Everything follows watches: a scale done elsewhere shows here at once.

import { useMemo } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { KObject } from '../api/reducer.js';
import { RESOURCES } from '../api/resources.js';
import { Actions } from '../components/actions.js';
import { Age } from '../components/age.js';
import { Chips, KeyValues, RefLink, Section } from '../components/cells.js';
import { DataTable } from '../components/data-table.js';
import { useWatched } from '../components/data.js';
import { ListState } from '../components/table.js';
import { autoscalerTargets } from '../kinds/autoscaler.js';
import { escapeFieldValue, isPathSegmentName, safeDecode } from '../kinds/events.js';
import { indexByUid, ownerChain } from '../kinds/owners.js';
import { EventsTable } from './events.js';
import { KindList } from './list.js';
import { VIEW_BY_RESOURCE } from './views/index.js';
import type { KindView } from './views/types.js';

export interface DetailParams {
  ns: string;
  name: string;
}

export function detailPage(view: KindView) {
  return function DetailPage({ params }: { params: DetailParams }) {
    const res = RESOURCES[view.resource];
    const ns = params.ns === '_' || !res.namespaced ? '' : safeDecode(params.ns);
    const name = safeDecode(params.name);
    // `..` would leave the collection's path: such a name cannot exist, so nothing is asked.
    const valid = isPathSegmentName(name) && (!ns || isPathSegmentName(ns));
    const w = useWatched(res, {
      namespace: ns,
      fieldSelector: `metadata.name=${escapeFieldValue(name)}`,
      enabled: valid,
    });
    const object = w.items[0];
    const singular = res.kind.replace(/([a-z])([A-Z])/g, '$1 $2');
    return (
      <section class="detail">
        <p class="crumbs">
          <Link href={`/${view.resource}`}>{view.title}</Link>
          {ns && <span> · namespace {ns}</span>}
        </p>
        <h2>
          {singular} {name}
        </h2>
        {!valid ? (
          <p class="notice warn" role="status">
            “{name}”{ns ? ` in namespace “${ns}”` : ''} is not a name that can exist.
          </p>
        ) : !object ? (
          w.error?.code === 404 && !w.loaded ? (
            <p class="notice" role="status">
              This cluster does not serve {view.noun}.
            </p>
          ) : w.loaded && !w.error ? (
            <p class="notice warn" role="status">
              {singular} {name} {ns ? `in namespace ${ns} ` : ''}does not exist (or no longer).
            </p>
          ) : (
            <ListState loaded={w.loaded} error={w.error} noun={view.noun} empty={false} />
          )
        ) : (
          <Detail view={view} object={object} />
        )}
      </section>
    );
  };
}

function Detail({ view, object }: { view: KindView; object: KObject }) {
  const m = object.metadata;
  const owners = m.ownerReferences ?? [];
  return (
    <>
      <Actions resource={view.resource} object={object} actions={view.actions} />
      <Section title="Summary">
        <KeyValues
          rows={[
            ['Created', <Age since={m.creationTimestamp} />],
            ...(owners.length
              ? ([
                  [
                    owners.some((o) => o.controller) ? 'Controlled by' : 'Owned by',
                    <span class="refs">
                      {owners.map((o) => (
                        <RefLink
                          key={o.uid}
                          apiVersion={o.apiVersion}
                          kind={o.kind}
                          namespace={m.namespace}
                          name={o.name}
                        />
                      ))}
                    </span>,
                  ],
                ] as [string, preact.ComponentChildren][])
              : []),
            ...(view.summary?.(object) ?? []),
          ]}
        />
      </Section>
      {(view.sections ?? []).map((S, i) => (
        <S key={i} object={object} />
      ))}
      <Conditions object={object} />
      {(view.owns ?? []).map((r) => (
        <Owned key={r} resource={r} owner={object} />
      ))}
      {view.runsPods && <PodsUnder view={view} owner={object} />}
      {view.actions.includes('scale') && (
        <Autoscalers object={object} kind={RESOURCES[view.resource].kind} />
      )}
      <Section title="Labels and annotations">
        <KeyValues
          rows={[
            ['Labels', <Chips map={m.labels} />],
            ['Annotations', <Annotations map={m.annotations} />],
          ]}
        />
      </Section>
      <ObjectEvents object={object} kind={RESOURCES[view.resource].kind} />
    </>
  );
}

function Annotations({ map }: { map: Record<string, string> | undefined }) {
  const entries = Object.entries(map ?? {});
  if (!entries.length) return <span class="hint">none</span>;
  return (
    <dl class="kv annotations">
      {entries.map(([k, v]) => [
        <dt key={`${k}-k`}>{k}</dt>,
        <dd key={`${k}-v`} title={v}>
          {v.length > 300 ? `${v.slice(0, 300)}…` : v}
        </dd>,
      ])}
    </dl>
  );
}

function Conditions({ object }: { object: KObject }) {
  const conditions: any[] = object.status?.conditions ?? [];
  if (!conditions.length) return null;
  return (
    <Section title="Conditions">
      <table class="list compact" aria-label="Conditions">
        <thead>
          <tr>
            <th>Type</th>
            <th>Status</th>
            <th>Reason</th>
            <th>Message</th>
            <th>Changed</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type}>
              <td>{c.type}</td>
              <td>{c.status}</td>
              <td>{c.reason ?? ''}</td>
              <td>{c.message ?? ''}</td>
              <td>
                {(c.lastTransitionTime ?? c.lastHeartbeatTime) ? (
                  <Age since={c.lastTransitionTime ?? c.lastHeartbeatTime} />
                ) : (
                  ''
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

/** Objects of one kind the object owns directly (a deployment's replica sets). */
function Owned({ resource, owner }: { resource: keyof typeof RESOURCES; owner: KObject }) {
  const view = VIEW_BY_RESOURCE.get(resource);
  const uid = owner.metadata.uid ?? '';
  const filter = useMemo(
    () => (o: KObject) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid),
    [uid],
  );
  if (!view) return null;
  return (
    <Section title={view.title}>
      <KindList view={view} namespace={owner.metadata.namespace ?? ''} filter={filter} />
    </Section>
  );
}

/** The pods whose owner chain reaches the object (through its replica sets or jobs). */
function PodsUnder({ view, owner }: { view: KindView; owner: KObject }) {
  const ns = owner.metadata.namespace ?? '';
  const between = useWatched(RESOURCES[view.via ?? 'replicasets'], {
    namespace: ns,
    enabled: Boolean(view.via),
  });
  const uid = owner.metadata.uid ?? '';
  const filter = useMemo(() => {
    const byUid = indexByUid(between.items);
    return (p: KObject) => ownerChain(p, byUid).includes(uid);
  }, [between.items, uid]);
  const pods = VIEW_BY_RESOURCE.get('pods')!;
  return (
    <Section title="Pods">
      <KindList view={pods} namespace={ns} filter={filter} />
    </Section>
  );
}

/** Horizontal pod autoscalers whose target is this object. */
function Autoscalers({ object, kind }: { object: KObject; kind: string }) {
  const hpas = useWatched(RESOURCES.horizontalpodautoscalers, {
    namespace: object.metadata.namespace,
  });
  const rows = hpas.items.filter(
    (h) =>
      h.spec?.scaleTargetRef?.name === object.metadata.name &&
      h.spec?.scaleTargetRef?.kind === kind,
  );
  if (!rows.length && (hpas.error?.code === 404 || (hpas.loaded && !hpas.error))) return null;
  return (
    <Section title="Autoscalers">
      <DataTable
        noun="horizontal pod autoscalers"
        rows={rows}
        loaded={hpas.loaded}
        error={hpas.error}
        rowKey={(h) => h.metadata.name}
        columns={[
          { title: 'Name', cell: (h) => h.metadata.name },
          { title: 'Min', cell: (h) => h.spec?.minReplicas ?? 1 },
          { title: 'Max', cell: (h) => h.spec?.maxReplicas ?? '' },
          { title: 'Current', cell: (h) => h.status?.currentReplicas ?? '' },
          { title: 'Desired', cell: (h) => h.status?.desiredReplicas ?? '' },
          { title: 'Targets', cell: (h) => autoscalerTargets(h) },
        ]}
      />
    </Section>
  );
}

/** The object's events, by its uid (nodes' events name the node, whose uid they may not carry). */
function ObjectEvents({ object, kind }: { object: KObject; kind: string }) {
  const m = object.metadata;
  const fieldSelector =
    kind === 'Node' || !m.uid
      ? `involvedObject.kind=${kind},involvedObject.name=${escapeFieldValue(m.name)}`
      : `involvedObject.uid=${escapeFieldValue(m.uid)}`;
  const events = useWatched(RESOURCES.events, { namespace: m.namespace ?? '', fieldSelector });
  return (
    <Section title="Events">
      <EventsTable events={events} showObject={false} />
    </Section>
  );
}
