// The resource pages' routes: every kind's list `#/RESOURCE` (in the side navigation) and
// detail `#/RESOURCE/NS/NAME`, the workloads page, the overview and the events.

import type { PageRoute } from '../routes.js';
import { detailPage } from './detail.js';
import { EventsPage } from './events.js';
import { listPage } from './list.js';
import { OverviewPage } from './overview.js';
import { VIEWS } from './views/index.js';
import { WorkloadsPage } from './workloads.js';

export const RESOURCE_ROUTES: PageRoute[] = [
  { path: '/overview', component: OverviewPage, nav: { section: 'Cluster', title: 'Overview' } },
  { path: '/events', component: EventsPage, nav: { section: 'Cluster', title: 'Events' } },
  {
    path: '/workloads',
    component: WorkloadsPage,
    nav: { section: 'Workloads', title: 'All workloads' },
  },
  ...VIEWS.flatMap((v): PageRoute[] => [
    {
      path: `/${v.resource}`,
      component: listPage(v),
      ...(v.hidden ? {} : { nav: { section: v.section, title: v.title } }),
    },
    { path: `/${v.resource}/:ns/:name`, component: detailPage(v) },
  ]),
];
