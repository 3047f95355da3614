// The first page: what the dashboard is for, the way to deploy an application, and (as seed
// 004's welcome view) the system applications running in kube-system.

import { Link } from 'wouter-preact';
import { KindList } from './list.js';
import { deployments, pods } from './views/workloads.js';

export function WelcomePage() {
  return (
    <section class="welcome">
      <h2>Welcome to Skiff</h2>
      <p>
        This dashboard shows what runs in the cluster, live, and lets you deploy and manage
        applications with the rights your token grants.
      </p>
      <p>
        <Link href="/deploy" class="button primary">
          Deploy an application
        </Link>
      </p>
      <section class="panel" aria-label="System applications">
        <h3>System applications (kube-system)</h3>
        <KindList view={deployments} namespace="kube-system" noun="system deployments" />
        <KindList view={pods} namespace="kube-system" noun="system pods" />
      </section>
    </section>
  );
}
