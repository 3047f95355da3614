// Pods: readiness, status, restarts, age, node — live.

import { Link } from 'wouter-preact';
import { useList } from '../api/hooks.js';
import type { KObject } from '../api/reducer.js';
import { RESOURCES } from '../api/resources.js';
import { Age } from '../components/age.js';
import { Table } from '../components/table.js';
import { useNamespace } from '../namespace.js';

export function podReady(p: KObject): string {
  const statuses: any[] = p.status?.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? statuses.length;
  return `${statuses.filter((c) => c.ready).length}/${total}`;
}

export function podRestarts(p: KObject): number {
  return (p.status?.containerStatuses ?? []).reduce(
    (n: number, c: any) => n + (c.restartCount ?? 0),
    0,
  );
}

/** The STATUS column as kubectl prints it (reason of a waiting/terminated container first). */
export function podStatus(p: KObject): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const c of (p.status?.containerStatuses ?? []) as any[]) {
    const why = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (why && why !== 'Completed') return why;
  }
  return p.status?.reason ?? p.status?.phase ?? 'Pending';
}

export function PodsPage() {
  const { namespace } = useNamespace();
  const pods = useList(RESOURCES.pods, { namespace });
  const rows = [...pods.items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return (
    <section>
      <h2>Pods</h2>
      <Table
        noun="pods"
        rows={rows}
        loaded={pods.loaded}
        error={pods.error}
        rowKey={(p) => `${p.metadata.namespace}/${p.metadata.name}`}
        columns={[
          {
            title: 'Name',
            cell: (p) => (
              <Link href={`/pods/${p.metadata.namespace}/${p.metadata.name}`}>
                {p.metadata.name}
              </Link>
            ),
          },
          ...(namespace
            ? []
            : [{ title: 'Namespace', cell: (p: KObject) => p.metadata.namespace }]),
          { title: 'Ready', cell: podReady },
          { title: 'Status', cell: podStatus },
          { title: 'Restarts', cell: podRestarts },
          { title: 'Age', cell: (p) => <Age since={p.metadata.creationTimestamp} /> },
          { title: 'Node', cell: (p) => p.spec?.nodeName ?? '' },
        ]}
      />
    </section>
  );
}
