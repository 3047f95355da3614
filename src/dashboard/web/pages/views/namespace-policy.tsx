// A namespace's resource quotas and limit ranges, on its detail page.

import type { KObject } from '../../api/reducer.js';
import { NAMESPACE_POLICY } from '../../api/resources.js';
import { Section } from '../../components/cells.js';
import { DataTable } from '../../components/data-table.js';
import { useWatched } from '../../components/data.js';
import { limitRows, quotaRows } from '../../kinds/namespace-policy.js';

export function NamespaceQuotas({ object: ns }: { object: KObject }) {
  const quotas = useWatched(NAMESPACE_POLICY.resourcequotas, { namespace: ns.metadata.name });
  return (
    <Section title="Resource quotas">
      <DataTable
        noun="resource quotas"
        rows={quotaRows(quotas.items)}
        loaded={quotas.loaded}
        error={quotas.error}
        rowKey={(r) => `${r.quota}/${r.resource}`}
        columns={[
          { title: 'Quota', cell: (r) => r.quota },
          { title: 'Resource', cell: (r) => r.resource },
          {
            title: 'Used',
            cell: (r) => r.used || <span class="hint">not counted yet</span>,
          },
          { title: 'Hard', cell: (r) => r.hard },
        ]}
      />
    </Section>
  );
}

export function NamespaceLimits({ object: ns }: { object: KObject }) {
  const ranges = useWatched(NAMESPACE_POLICY.limitranges, { namespace: ns.metadata.name });
  return (
    <Section title="Resource limits">
      <DataTable
        noun="resource limits"
        rows={limitRows(ranges.items)}
        loaded={ranges.loaded}
        error={ranges.error}
        rowKey={(r) => `${r.limitRange}/${r.type}/${r.resource}`}
        columns={[
          { title: 'Limit range', cell: (r) => r.limitRange },
          { title: 'Type', cell: (r) => r.type },
          { title: 'Resource', cell: (r) => r.resource },
          { title: 'Min', cell: (r) => r.min },
          { title: 'Max', cell: (r) => r.max },
          { title: 'Default request', cell: (r) => r.defaultRequest },
          { title: 'Default limit', cell: (r) => r.defaultLimit },
          { title: 'Max limit/request ratio', cell: (r) => r.maxLimitRequestRatio },
        ]}
      />
    </Section>
  );
}
