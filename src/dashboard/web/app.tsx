// The frame of every page: the header (namespace selector, sign-out), the side navigation,
// and the page the hash names. Without a token the login page shows instead.

import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { onUnauthorized } from './api/client.js';
import { RESOURCES } from './api/resources.js';
import {
  adoptTokenFromFragment,
  currentToken,
  endSession,
  sessionEndReason,
  setToken,
} from './api/session.js';
import { useWatched } from './components/data.js';
import { NamespaceProvider, useNamespace } from './namespace.js';
import { Login } from './pages/login.js';
import { NAV_SECTIONS, ROUTES } from './routes.js';

export function App() {
  const [signedIn, setSignedIn] = useState(() => {
    adoptTokenFromFragment();
    return Boolean(currentToken());
  });
  // A session that ended while the tab was open says so after a reload too.
  const [reason, setReason] = useState<string | undefined>(() =>
    currentToken() ? undefined : sessionEndReason(),
  );
  useEffect(
    () =>
      onUnauthorized(() => {
        const why = 'Your session has ended: the token was refused (401). Sign in again.';
        endSession(why);
        setReason(why);
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn) return <Login reason={reason} onSignedIn={() => setSignedIn(true)} />;
  return (
    <Router hook={useHashLocation}>
      <NamespaceProvider>
        <Shell onSignOut={() => (setToken(undefined), setReason(undefined), setSignedIn(false))} />
      </NamespaceProvider>
    </Router>
  );
}

function Shell({ onSignOut }: { onSignOut(): void }) {
  return (
    <div class="shell">
      <header>
        <Link href="/" class="brand">
          Skiff
        </Link>
        <NamespaceSelector />
        {/* The seed's CREATE button, top right: the deploy wizard (and from it, upload). */}
        <Link href="/deploy" class="button primary" aria-label="Create">
          + Create
        </Link>
        <button class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav aria-label="Sections">
        {NAV_SECTIONS.map((section) => {
          const pages = ROUTES.filter((r) => r.nav?.section === section);
          if (!pages.length) return null;
          return (
            <div key={section}>
              <h3>{section}</h3>
              <ul>
                {pages.map((r) => (
                  <li key={r.path}>
                    <NavLink href={r.path} title={r.nav!.title} />
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </nav>
      <main>
        <Switch>
          {ROUTES.map((r) => (
            <Route key={r.path} path={r.path} component={r.component} />
          ))}
          <Route>
            <p class="notice error">There is no such page.</p>
          </Route>
        </Switch>
      </main>
    </div>
  );
}

function NavLink({ href, title }: { href: string; title: string }) {
  const [location] = useLocation();
  return (
    <Link href={href} class={location === href ? 'active' : ''}>
      {title}
    </Link>
  );
}

/** Every namespace the user may list, plus "All namespaces"; a user who may not list them types one. */
function NamespaceSelector() {
  const { namespace, setNamespace } = useNamespace();
  // Under the shared watch budget (components/streams.ts), like every list of the pages.
  const list = useWatched(RESOURCES.namespaces);
  const names = list.items.map((n) => n.metadata.name).sort();
  if (list.error?.forbidden)
    return (
      <label class="namespace">
        Namespace{' '}
        <input
          name="namespace"
          value={namespace}
          onChange={(e) => setNamespace((e.target as HTMLInputElement).value.trim())}
        />
      </label>
    );
  return (
    <label class="namespace">
      Namespace{' '}
      <select
        name="namespace"
        value={namespace}
        onChange={(e) => setNamespace((e.target as HTMLSelectElement).value)}
      >
        <option value="">All namespaces</option>
        {(names.includes(namespace) || !namespace ? names : [namespace, ...names]).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
