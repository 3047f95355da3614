// The metrics.k8s.io/v1beta1 resources (nodes → NodeMetrics, pods → PodMetrics) served as
// metrics-server serves them behind kube-apiserver: get and list only, nodes and pods taken
// from the API's own objects (label and field selectors apply to them), items without two
// points left out of lists, and NotFound for a get without them.

import {
  methodNotAllowed,
  methodNotSupported,
  notFound,
  notFoundGeneric,
} from '../../api/errors.js';
import { matchesFields, type FieldRequirement } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import { selectorsFrom, type ResourceRequest } from '../handlers/context.js';
import { includeObjectParam, parseAccept } from '../negotiate.js';
import { json } from '../respond.js';
import type { ApiResponse } from '../types.js';
import { GROUP, list, metricsTable, nodeMetrics, podMetrics } from './objects.js';
import type { MetricsStorage } from './storage.js';

export interface MetricsApiOptions {
  storage: MetricsStorage;
  /**
   * Scrapes these nodes' kubelets now (or once a point just taken has aged enough to pair
   * with), for a request whose objects have no second point yet: `kubectl top` right after
   * start answers. Resolves when the fresh points are stored.
   */
  refresh(nodes: string[]): Promise<void>;
  /** Whether a node's kubelet has answered a scrape (its pods absent from it are not running). */
  scraped(node: string): boolean;
}

/** metrics-server's field filter: only the object's name (and namespace) are fields. */
const fieldsMatch = (reqs: FieldRequirement[] | undefined, o: KubeObject): boolean =>
  !reqs ||
  matchesFields(reqs, {
    'metadata.name': o.metadata.name ?? '',
    'metadata.namespace': o.metadata.namespace ?? '',
  });

export function metricsHandler(o: MetricsApiOptions): (r: ResourceRequest) => Promise<ApiResponse> {
  return async (r) => {
    const { info } = r;
    const gr = { group: GROUP, resource: info.resource };
    // metrics-server registers no subresources.
    if (info.subresource) throw notFoundGeneric();
    if (info.verb === 'watch') throw methodNotSupported(gr, 'watch');
    if (info.verb !== 'get' && info.verb !== 'list') throw methodNotAllowed();
    const nodes = info.resource === 'nodes';
    const def = r.parts.table.byGroupResource('', nodes ? 'nodes' : 'pods');
    if (!def) throw new Error('the resource table has no nodes or pods');
    const now = r.ctx.now.getTime();
    const accept = parseAccept(r.ctx.req.headers.accept);
    const respond = (items: KubeObject[], single: boolean): ApiResponse => {
      if (accept.table)
        return json(200, metricsTable(items, includeObjectParam(r.query.get('includeObject'))));
      return json(200, single ? items[0] : list(nodes ? 'NodeMetrics' : 'PodMetrics', items));
    };
    const key = (p: KubeObject) => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;

    /**
     * Refreshes for the objects without two points: once, and once more for those the first
     * refresh gave their first point (a second scrape then pairs with it).
     */
    const ensure = async (objs: KubeObject[]): Promise<void> => {
      const nodeOf = (x: KubeObject): string =>
        nodes
          ? (x.metadata.name ?? '')
          : String((x['spec'] as { nodeName?: string })?.nodeName ?? '');
      const ready = (x: KubeObject) =>
        nodes ? o.storage.hasNode(x.metadata.name ?? '') : o.storage.hasPod(key(x));
      const hasLast = (x: KubeObject) =>
        nodes ? o.storage.hasLastNode(x.metadata.name ?? '') : o.storage.hasLastPod(key(x));
      const needed = (pick: (x: KubeObject) => boolean) => [
        ...new Set(
          objs
            .filter((x) => !ready(x) && pick(x))
            .map(nodeOf)
            .filter((n) => n),
        ),
      ];
      // A pod missing from its node's last answer waits for the next periodic scrape.
      const first = needed((x) => hasLast(x) || !o.scraped(nodeOf(x)));
      if (!first.length) return;
      await o.refresh(first);
      const second = needed(hasLast);
      if (second.length) await o.refresh(second);
    };

    if (info.verb === 'get') {
      const obj = await r.parts.registry.tryGet(def, nodes ? '' : info.namespace, info.name);
      if (!obj) throw notFound({ group: '', resource: nodes ? 'node' : 'pods' }, info.name);
      await ensure([obj]);
      if (nodes) {
        const u = o.storage.nodeUsage(info.name);
        if (!u) throw notFound({ group: GROUP, resource: 'nodemetrics' }, info.name);
        return respond([nodeMetrics(obj, u, now)], true);
      }
      const u = o.storage.podUsage(key(obj));
      if (!u) throw notFound({ group: GROUP, resource: 'podmetrics' }, key(obj));
      return respond([podMetrics(obj, u, now)], true);
    }

    const sel = selectorsFrom(r.query);
    const found = await r.parts.registry.list(def, {
      namespace: nodes ? '' : info.namespace,
      ...(sel.labelSelector ? { labelSelector: sel.labelSelector } : {}),
    });
    const objs = found.items.filter((x) => fieldsMatch(sel.fieldSelector, x));
    await ensure(objs);
    const items: KubeObject[] = [];
    for (const x of objs) {
      if (nodes) {
        const u = o.storage.nodeUsage(x.metadata.name ?? '');
        if (u) items.push(nodeMetrics(x, u, now));
      } else {
        const u = o.storage.podUsage(key(x));
        if (u) items.push(podMetrics(x, u, now));
      }
    }
    const name = (x: KubeObject) => x.metadata.name ?? '';
    items.sort((a, b) => (nodes ? cmp(name(a), name(b)) : cmp(key(a), key(b))));
    return respond(items, false);
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
