// `#/workloads`: every workload kind on one page (seed 004's workloads view), each section
// live with its ready counts and memory; a kind with nothing in the namespace folds to one line.

import { Link } from 'wouter-preact';
import { useNamespace } from '../namespace.js';
import { KindList } from './list.js';
import { WORKLOADS } from './views/workloads.js';

export function WorkloadsPage() {
  const { namespace } = useNamespace();
  return (
    <section>
      <div class="page-head">
        <h2>Workloads</h2>
        <span class="hint">{namespace ? `in namespace ${namespace}` : 'in all namespaces'}</span>
      </div>
      {WORKLOADS.map((view) => (
        <section class="panel" key={view.resource} aria-label={view.title}>
          <h3>
            <Link href={`/${view.resource}`}>{view.title}</Link>
          </h3>
          <KindList view={view} namespace={namespace} />
        </section>
      ))}
    </section>
  );
}
