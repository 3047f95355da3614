// Node lifecycle: a node whose Lease stops being renewed becomes Ready=Unknown and gets the
// unreachable taints; a node reporting Ready=False gets the not-ready taints; pods on an
// unhealthy node are marked not ready (so they leave endpoints), and NoExecute taints evict
// pods once their toleration runs out (pkg/controller/nodelifecycle and the taint manager).
// A cordoned node (spec.unschedulable) gets the unschedulable NoSchedule taint, and loses it
// when uncordoned.

import type { KubeObject } from '../../api/types.js';
import { createWorkQueue, isNotFound, resources } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { formatTime } from '../../api/time.js';

export const NODE_MONITOR_GRACE_SECONDS = 40;
/** kube-controller-manager's --node-startup-grace-period default. */
export const NODE_STARTUP_GRACE_SECONDS = 60;
const MONITOR_PERIOD_MS = 5000;

export interface NodeLifecycleOptions {
  /** How long a node that has reported may stay silent before it is Unknown. */
  monitorGraceSeconds?: number;
  /** How long a node that never posted its status is given before it is Unknown. */
  startupGraceSeconds?: number;
}

interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';
const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
const conditions = (o: KubeObject): Condition[] =>
  ((o['status'] ?? {}) as { conditions?: Condition[] }).conditions ?? [];

// The conditions the kubelet owns; NetworkUnavailable belongs to the network plugin.
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/**
 * The conditions of a node that went silent: each kubelet condition that was reported and is
 * not yet Unknown becomes Unknown (NodeStatusUnknown); each one never reported is added as
 * Unknown (NodeStatusNeverUpdated), as the node lifecycle controller's tryUpdateNodeHealth does.
 */
export function silentNodeConditions(node: KubeObject, now: Date): Condition[] {
  const t = formatTime(now);
  const created = node.metadata.creationTimestamp ?? t;
  const out = conditions(node).map((c) =>
    KUBELET_CONDITIONS.includes(c.type) && c.status !== 'Unknown'
      ? {
          ...c,
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: 'Kubelet stopped posting node status.',
          lastTransitionTime: t,
        }
      : c,
  );
  for (const type of KUBELET_CONDITIONS) {
    if (out.some((c) => c.type === type)) continue;
    out.push({
      type,
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: created,
      lastTransitionTime: t,
    });
  }
  return out;
}

export function createNodeLifecycleController(o: NodeLifecycleOptions = {}): Controller {
  const monitorGraceMs = (o.monitorGraceSeconds ?? NODE_MONITOR_GRACE_SECONDS) * 1000;
  const startupGraceMs = (o.startupGraceSeconds ?? NODE_STARTUP_GRACE_SECONDS) * 1000;
  return {
    name: 'node-lifecycle-controller',
    start(ctx: ControllerContext) {
      const nodes = ctx.informers.for(resources.nodes);
      const leases = ctx.informers.for(resources.leases);
      const pods = ctx.informers.for(resources.pods);
      const recorder = ctx.recorder('node-controller');
      const queue = createWorkQueue({ baseDelayMs: 200 });
      nodes.on({
        add: (n) => queue.add(n.metadata.name ?? ''),
        update: (_o, n) => queue.add(n.metadata.name ?? ''),
      });
      const tick = setInterval(() => {
        for (const n of nodes.list()) queue.add(n.metadata.name ?? '');
      }, MONITOR_PERIOD_MS);
      tick.unref();
      ctx.signal.addEventListener('abort', () => clearInterval(tick), { once: true });

      const sync = async (name: string): Promise<void> => {
        const node = nodes.get('', name);
        if (!node) return;
        const now = ctx.clock.now();
        const lease = leases.get('kube-node-lease', name);
        const renew = (lease?.['spec'] as { renewTime?: string } | undefined)?.renewTime;
        const heard = Math.max(
          renew ? Date.parse(renew) : 0,
          Date.parse(node.metadata.creationTimestamp ?? '') || 0,
        );
        const ready = conditions(node).find((c) => c.type === 'Ready');
        // A node that never reported gets the longer startup grace period.
        const silent = now.getTime() - heard > (ready ? monitorGraceMs : startupGraceMs);
        // A silent node's conditions become Unknown.
        if (silent) {
          const conds = silentNodeConditions(node, now);
          if (JSON.stringify(conds) !== JSON.stringify(conditions(node))) {
            await ctx.client.patch(
              resources.nodes,
              '',
              name,
              'strategic',
              { status: { conditions: conds } },
              { subresource: 'status' },
            );
            if (ready?.status === 'True')
              recorder.event(
                node,
                'Normal',
                'NodeNotReady',
                `Node ${name} status is now: NodeNotReady`,
              );
            return; // the update re-queues the node
          }
        }
        // Within its startup grace period a node that never reported is left alone.
        if (!ready && !silent) return;
        const status = silent ? 'Unknown' : (ready?.status ?? 'Unknown');
        const wantKey =
          status === 'True' ? undefined : status === 'Unknown' ? UNREACHABLE : NOT_READY;
        const nodeSpec = (node['spec'] ?? {}) as { taints?: Taint[]; unschedulable?: boolean };
        const taints = nodeSpec.taints ?? [];
        const managed = (t: Taint): boolean =>
          t.key === UNREACHABLE ||
          t.key === NOT_READY ||
          (t.key === UNSCHEDULABLE && t.effect === 'NoSchedule');
        const others = taints.filter((t) => !managed(t));
        const current = taints.filter(managed);
        const wanted: Taint[] = wantKey
          ? ['NoSchedule', 'NoExecute'].map(
              (effect) =>
                current.find((t) => t.key === wantKey && t.effect === effect) ?? {
                  key: wantKey,
                  effect,
                  ...(effect === 'NoExecute' ? { timeAdded: formatTime(now) } : {}),
                },
            )
          : [];
        // A cordoned node (spec.unschedulable) carries the unschedulable NoSchedule taint.
        const cordoned = nodeSpec.unschedulable
          ? [
              current.find((t) => t.key === UNSCHEDULABLE) ?? {
                key: UNSCHEDULABLE,
                effect: 'NoSchedule',
                timeAdded: formatTime(now),
              },
            ]
          : [];
        const desired = [...wanted, ...cordoned];
        if (JSON.stringify(current) !== JSON.stringify(desired)) {
          const next = [...others, ...desired];
          await ctx.client.patch(resources.nodes, '', name, 'merge', {
            spec: { taints: next.length ? next : null },
          });
        }
        if (status !== 'True')
          await markPodsNotReady(
            ctx,
            pods.list().filter((p) => (p['spec'] as { nodeName?: string }).nodeName === name),
            now,
          );
        // NoExecute eviction: pods whose toleration of the taint has run out.
        const noExec = wanted.find((t) => t.effect === 'NoExecute');
        if (noExec) {
          const since = Date.parse(noExec.timeAdded ?? formatTime(now));
          for (const p of pods.list()) {
            if (
              (p['spec'] as { nodeName?: string }).nodeName !== name ||
              p.metadata.deletionTimestamp
            )
              continue;
            const tol = (
              (
                p['spec'] as {
                  tolerations?: {
                    key?: string;
                    operator?: string;
                    effect?: string;
                    tolerationSeconds?: number;
                  }[];
                }
              ).tolerations ?? []
            ).find(
              (t) =>
                (t.key === noExec.key || (t.operator === 'Exists' && !t.key)) &&
                (!t.effect || t.effect === 'NoExecute'),
            );
            if (tol && tol.tolerationSeconds === undefined) continue;
            const allowed = (tol?.tolerationSeconds ?? 0) * 1000;
            if (now.getTime() - since >= allowed) {
              recorder.event(
                p,
                'Normal',
                'TaintManagerEviction',
                `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`,
              );
              try {
                await ctx.client.delete(
                  resources.pods,
                  p.metadata.namespace ?? '',
                  p.metadata.name ?? '',
                );
              } catch (e) {
                if (!isNotFound(e)) throw e;
              }
            } else queue.addAfter(name, allowed - (now.getTime() - since));
          }
        }
      };
      void queue.run(1, sync, ctx.signal, (key, err) =>
        ctx.logger.warn('node lifecycle sync failed', { node: key, err }),
      );
    },
  };
}

export const nodeLifecycleController: Controller = createNodeLifecycleController();

async function markPodsNotReady(
  ctx: ControllerContext,
  pods: KubeObject[],
  now: Date,
): Promise<void> {
  for (const p of pods) {
    const conds = conditions(p);
    const ready = conds.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'False') continue;
    const t = formatTime(now);
    try {
      await ctx.client.patch(
        resources.pods,
        p.metadata.namespace ?? '',
        p.metadata.name ?? '',
        'strategic',
        {
          status: {
            conditions: [
              { type: 'Ready', status: 'False', lastTransitionTime: t, lastProbeTime: null },
              ...(conds.some((c) => c.type === 'ContainersReady')
                ? [
                    {
                      type: 'ContainersReady',
                      status: 'False',
                      lastTransitionTime: t,
                      lastProbeTime: null,
                    },
                  ]
                : []),
            ],
          },
        },
        { subresource: 'status' },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
