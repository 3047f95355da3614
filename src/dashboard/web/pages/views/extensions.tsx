// CustomResourceDefinitions: the list, and on a definition's page the objects of its kind
// (across namespaces) with the columns its served version declares for kubectl.

import type { KObject } from '../../api/reducer.js';
import { Age } from '../../components/age.js';
import { Section } from '../../components/cells.js';
import { DataTable } from '../../components/data-table.js';
import { useWatched } from '../../components/data.js';
import {
  columnCell,
  customResource,
  isEstablished,
  printerColumns,
  servedVersion,
} from '../../kinds/custom-resources.js';
import type { KindView } from './types.js';

const established = (o: KObject) => (
  <span class={`status ${isEstablished(o) ? 'ok' : 'muted'}`}>
    {isEstablished(o) ? 'Established' : 'Not established'}
  </span>
);

export const customresourcedefinitions: KindView = {
  resource: 'customresourcedefinitions',
  title: 'Custom resource definitions',
  noun: 'custom resource definitions',
  section: 'Cluster',
  columns: () => [
    { title: 'Group', cell: (o) => o.spec?.group ?? '' },
    { title: 'Kind', cell: (o) => o.spec?.names?.kind ?? '' },
    { title: 'Version', cell: (o) => servedVersion(o)?.name ?? '' },
    { title: 'Scope', cell: (o) => o.spec?.scope ?? '' },
    { title: 'Status', cell: established },
  ],
  actions: ['edit', 'delete'],
  summary: (o) => [
    ['Group', o.spec?.group ?? ''],
    ['Kind', o.spec?.names?.kind ?? ''],
    ['Plural', o.spec?.names?.plural ?? ''],
    ['Scope', o.spec?.scope ?? ''],
    [
      'Versions',
      ((o.spec?.versions ?? []) as { name: string; served?: boolean; storage?: boolean }[])
        .map(
          (v) =>
            `${v.name}${v.storage ? ' (storage)' : ''}${v.served === false ? ' (not served)' : ''}`,
        )
        .join(', '),
    ],
    ['Short names', (o.spec?.names?.shortNames ?? []).join(', ')],
    ['Status', established(o)],
  ],
  sections: [CustomObjects],
};

function CustomObjects({ object: crd }: { object: KObject }) {
  const res = customResource(crd);
  const objects = useWatched(
    res ?? { group: '', version: 'v1', plural: 'none', kind: '', namespaced: false },
    { enabled: !!res && isEstablished(crd) },
  );
  const columns = printerColumns(crd);
  const rows = [...objects.items].sort((a, b) =>
    `${a.metadata.namespace ?? ''}/${a.metadata.name}` <
    `${b.metadata.namespace ?? ''}/${b.metadata.name}`
      ? -1
      : 1,
  );
  const noun = res?.plural ?? 'objects';
  return (
    <Section title="Objects">
      {!isEstablished(crd) ? (
        <p class="hint">Not served until the definition is established.</p>
      ) : (
        <DataTable
          noun={noun}
          rows={rows}
          loaded={objects.loaded}
          error={objects.error}
          rowKey={(o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`}
          columns={[
            { title: 'Name', cell: (o) => o.metadata.name },
            ...(res?.namespaced
              ? [{ title: 'Namespace', cell: (o: KObject) => o.metadata.namespace ?? '' }]
              : []),
            ...columns.map((c) => ({
              title: c.name,
              cell: (o: KObject) => columnCell(o, c.jsonPath),
            })),
            { title: 'Age', cell: (o) => <Age since={o.metadata.creationTimestamp} /> },
          ]}
        />
      )}
    </Section>
  );
}
