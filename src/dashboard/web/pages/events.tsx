// `#/events`: the namespace's events, newest first, warnings marked — and the events table
// the detail pages show for one object.

import { useMemo } from 'preact/hooks';
import type { Watched } from '../api/hooks.js';
import type { KObject } from '../api/reducer.js';
import { RESOURCES } from '../api/resources.js';
import { Age } from '../components/age.js';
import { RefLink } from '../components/cells.js';
import { DataTable } from '../components/data-table.js';
import { useWatched } from '../components/data.js';
import { eventTime, isWarning, newestFirst } from '../kinds/events.js';
import { useNamespace } from '../namespace.js';

export function EventsTable({
  events,
  showObject,
  showNamespace = false,
}: {
  events: Watched<KObject>;
  showObject: boolean;
  showNamespace?: boolean;
}) {
  const rows = useMemo(() => newestFirst(events.items), [events.items]);
  return (
    <DataTable
      noun="events"
      rows={rows}
      loaded={events.loaded}
      error={events.error}
      rowKey={(e) => `${e.metadata.namespace ?? ''}/${e.metadata.name}`}
      columns={[
        {
          title: 'Type',
          cell: (e) =>
            isWarning(e) ? (
              <span class="status bad" title="Warning">
                ⚠ Warning
              </span>
            ) : (
              <span class="status muted">{e.type ?? 'Normal'}</span>
            ),
        },
        { title: 'Reason', cell: (e) => e.reason ?? '' },
        ...(showNamespace
          ? [{ title: 'Namespace', cell: (e: KObject) => e.metadata.namespace }]
          : []),
        ...(showObject
          ? [
              {
                title: 'Object',
                cell: (e: KObject) => {
                  const o = e.involvedObject ?? {};
                  return (
                    <RefLink
                      apiVersion={o.apiVersion}
                      kind={o.kind ?? ''}
                      namespace={o.namespace}
                      name={o.name ?? ''}
                    />
                  );
                },
              },
            ]
          : []),
        {
          title: 'Message',
          cell: (e) => <span title={e.message}>{e.message ?? e.note ?? ''}</span>,
        },
        { title: 'Count', cell: (e) => e.count ?? e.series?.count ?? 1 },
        { title: 'Last seen', cell: (e) => <Age since={eventTime(e)} /> },
        { title: 'From', cell: (e) => e.source?.component ?? e.reportingComponent ?? '' },
      ]}
    />
  );
}

export function EventsPage() {
  const { namespace } = useNamespace();
  const events = useWatched(RESOURCES.events, { namespace });
  const warnings = events.items.filter(isWarning).length;
  return (
    <section>
      <div class="page-head">
        <h2>Events</h2>
        <span class="hint">
          {namespace ? `in namespace ${namespace}` : 'in all namespaces'}
          {warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}
        </span>
      </div>
      <EventsTable events={events} showObject showNamespace={!namespace} />
    </section>
  );
}
