// Every page: its hash path, its component, and where it sits in the side navigation.
// A new page is one module under pages/ and one line here.

import type { ComponentType } from 'preact';
import { RESOURCE_ROUTES } from './pages/resource-routes.js';
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

export const ROUTES: PageRoute[] = [{ path: '/', component: WelcomePage }, ...RESOURCE_ROUTES];
