// `#/overview`: the cluster for its administrator — nodes with their CPU and memory use
// against what they can give, namespaces, persistent volumes and storage classes. Each part
// stands alone: a user not allowed to see nodes still sees the rest.

import { Link } from 'wouter-preact';
import { KindList } from './list.js';
import { namespaces, nodes, persistentvolumes, storageclasses } from './views/cluster.js';

export function OverviewPage() {
  return (
    <section>
      <div class="page-head">
        <h2>Cluster overview</h2>
      </div>
      {[nodes, namespaces, persistentvolumes, storageclasses].map((view) => (
        <section class="panel" key={view.resource} aria-label={view.title}>
          <h3>
            <Link href={`/${view.resource}`}>{view.title}</Link>
          </h3>
          <KindList view={view} namespace="" />
        </section>
      ))}
    </section>
  );
}
