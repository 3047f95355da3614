// The first page: what the dashboard is for, and the way to deploy an application.

import { Link } from 'wouter-preact';

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
    </section>
  );
}
