// A kind's view: what its list shows and what its detail page adds. The list and detail
// pages (../list.tsx, ../detail.tsx) are generic; a kind is one of these.

import type { ComponentChildren, ComponentType } from 'preact';
import type { KObject } from '../../api/reducer.js';
import type { ResourceName } from '../../api/resources.js';
import type { DataColumn } from '../../components/data-table.js';
import type { NavSection } from '../../routes.js';

export interface ListContext {
  /** The namespace shown ('' = all). */
  namespace: string;
  /** The memory column's text for a row ("—" when the metrics API is absent or forbidden). */
  memory(o: KObject): string;
  /** A node's CPU and memory use against its capacity ("—" without NodeMetrics). */
  nodeUse(o: KObject): { cpu: string; memory: string };
}

export type Action = 'scale' | 'restart' | 'edit' | 'delete';

export interface KindView {
  /** The key in RESOURCES, and the first segment of the page's address (`#/deployments`). */
  resource: ResourceName;
  title: string;
  /** Plural words for the rows, as the page says them ("replica sets"). */
  noun: string;
  section: NavSection;
  /** Columns after Name (and Namespace when all namespaces are shown), before Age. */
  columns(ctx: ListContext): DataColumn<KObject>[];
  /**
   * Memory use: 'pod' from the pod's own PodMetrics, 'owner' summed over the pods below it
   * (through the replica sets or jobs in `via`), 'node' from NodeMetrics.
   */
  memory?: 'pod' | 'owner' | 'node';
  via?: ResourceName;
  actions: Action[];
  /** Key/value lines of the detail page's summary. */
  summary?(o: KObject): [string, ComponentChildren][];
  /** Extra sections of the detail page. */
  sections?: ComponentType<{ object: KObject }>[];
  /** Kinds it owns directly, listed on its detail page (a deployment's replica sets). */
  owns?: ResourceName[];
  /** Whether its detail page lists the pods under it (and the HPAs that target it). */
  runsPods?: boolean;
  /** Hide from the side navigation (still reachable by address). */
  hidden?: boolean;
}
