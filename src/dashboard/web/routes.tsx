// Every page: its hash path, its component, and where it sits in the side navigation.
// A new page is one module under pages/ and one line here.

import type { ComponentType } from 'preact';
import { lazy } from './components/lazy.js';
import { NamespaceNewPage } from './pages/namespace-new.js';
import { RESOURCE_ROUTES } from './pages/resource-routes.js';
import { OPTIONAL_QUERY } from './streams/containers.js';
import { WelcomePage } from './pages/welcome.js';

export interface PageRoute {
  path: string;
  component: ComponentType<any>;
  /** Shown in the side navigation under `section` when set. */
  nav?: { section: NavSection; title: string };
}

export type NavSection = 'Cluster' | 'Workloads' | 'Network' | 'Config and storage' | 'Other';
export const NAV_SECTIONS: NavSection[] = [
  'Cluster',
  'Workloads',
  'Network',
  'Config and storage',
  'Other',
];

// The log viewer, the terminal and the YAML editor load on first use (xterm, CodeMirror, YAML).
const LogsPage = lazy(() => import('./pages/logs.js').then((m) => m.LogsPage));
const ExecPage = lazy(() => import('./pages/exec.js').then((m) => m.ExecPage));
const EditPage = lazy(() => import('./pages/edit.js').then((m) => m.EditPage));

export const ROUTES: PageRoute[] = [
  { path: '/', component: WelcomePage },
  ...RESOURCE_ROUTES,
  // The deploy wizard and the upload page bring the YAML library: their own chunks.
  {
    path: '/deploy',
    component: lazy(() => import('./pages/deploy.js').then((m) => m.DeployPage)),
    nav: { section: 'Other', title: 'Deploy an app' },
  },
  {
    path: '/upload',
    component: lazy(() => import('./pages/upload.js').then((m) => m.UploadPage)),
    nav: { section: 'Other', title: 'Create from YAML' },
  },
  {
    path: '/namespaces/new',
    component: NamespaceNewPage,
    nav: { section: 'Cluster', title: 'New namespace' },
  },
  { path: `/pods/:ns/:name/logs${OPTIONAL_QUERY}`, component: LogsPage },
  { path: `/pods/:ns/:name/exec${OPTIONAL_QUERY}`, component: ExecPage },
  { path: '/edit/:resource/:ns/:name', component: EditPage },
];
