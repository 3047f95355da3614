// The scheduler: binds each pending pod to a Ready node that fits (nodeName, nodeSelector,
// required node affinity, taints and tolerations, resource requests against allocatable,
// pod count), as kube-scheduler's default filters do, preferring the least loaded node.
// A pod that fits nowhere gets PodScheduled=False and a FailedScheduling event saying why.
// Pods waiting are taken by priority, higher first (PrioritySort); there is no preemption.

import type { KubeObject } from '../api/types.js';
import {
  createWorkQueue,
  isConflict,
  isNotFound,
  keyOf,
  resources,
  splitKey,
} from '../client/index.js';
import type { Controller, ControllerContext } from '../controllers/index.js';
import { insufficient, matchesNodeSelector, podRequests, untoleratedTaint } from './predicates.js';
import { formatTime } from '../api/time.js';
import {
  CLAIMS,
  SELECTED_NODE,
  STORAGE_CLASSES,
  VOLUMES,
  VOLUME_NODE_CONFLICT,
  podVolumes,
  volumesFit,
} from './volumes.js';

export const SCHEDULER_NAME = 'default-scheduler';

type Spec = Record<string, unknown>;
const spec = (o: KubeObject): Spec => (o['spec'] ?? {}) as Spec;
const phase = (p: KubeObject): string => ((p['status'] ?? {}) as { phase?: string }).phase ?? '';

const needsScheduling = (p: KubeObject): boolean =>
  !spec(p)['nodeName'] &&
  !p.metadata.deletionTimestamp &&
  ((spec(p)['schedulerName'] as string | undefined) ?? SCHEDULER_NAME) === SCHEDULER_NAME &&
  phase(p) !== 'Succeeded' &&
  phase(p) !== 'Failed';

/**
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match …`, or, when a
 * check failed for every node at once (a PreFilter), that one reason without counts.
 */
export function unschedulableMessage(
  total: number,
  reasons: Map<string, number>,
  preFilter?: string,
): string {
  if (total === 0) return 'no nodes available to schedule pods';
  const parts = [...reasons.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${n} ${r}`);
  return `0/${total} nodes are available: ${preFilter ?? parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

export const scheduler: Controller = {
  name: SCHEDULER_NAME,
  start(ctx: ControllerContext) {
    const pods = ctx.informers.for(resources.pods);
    const nodes = ctx.informers.for(resources.nodes);
    const claims = ctx.informers.for(CLAIMS);
    const volumes = ctx.informers.for(VOLUMES);
    const classes = ctx.informers.for(STORAGE_CLASSES);
    const recorder = ctx.recorder(SCHEDULER_NAME);
    // PrioritySort: the pod of higher spec.priority first, then the one queued first.
    const priorityOf = (key: string): number => {
      const [ns, name] = splitKey(key);
      const p = pods.get(ns, name);
      const v = p ? spec(p)['priority'] : undefined;
      return typeof v === 'number' ? v : 0;
    };
    const queue = createWorkQueue({
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      precedes: (a, b) => priorityOf(a) - priorityOf(b),
    });
    // Pods placed but not yet seen bound in the cache: counted against their node.
    const assumed = new Map<string, string>();
    const enqueue = (p: KubeObject): void => {
      if (needsScheduling(p)) queue.add(keyOf(p));
      else assumed.delete(keyOf(p));
    };
    pods.on({
      add: enqueue,
      update: (_o, n) => enqueue(n),
      delete: (p) => assumed.delete(keyOf(p)),
    });
    const retryAll = (): void => {
      for (const p of pods.list()) if (needsScheduling(p)) queue.add(keyOf(p));
    };
    nodes.on({ add: retryAll, update: retryAll });
    // A claim bound (or created) may let waiting pods go.
    claims.on({ add: retryAll, update: retryAll });
    volumes.on({ add: retryAll, update: retryAll });

    const sync = async (key: string): Promise<void> => {
      const [ns, name] = splitKey(key);
      const pod = pods.get(ns, name);
      if (!pod || !needsScheduling(pod) || assumed.has(key)) return;
      const all = nodes.list();
      const reasons = new Map<string, number>();
      const note = (r: string): void => void reasons.set(r, (reasons.get(r) ?? 0) + 1);
      const running = pods.list().filter((p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed');
      const onNode = (n: string): KubeObject[] =>
        running.filter((p) => spec(p)['nodeName'] === n || assumed.get(keyOf(p)) === n);
      const fits: { node: KubeObject; load: number }[] = [];
      const vols = podVolumes(pod, claims, volumes, classes);
      // Its claims are being bound on the node chosen before; their update brings it back.
      if ('waiting' in vols) return;
      const preFilter = 'unresolvable' in vols ? vols.unresolvable : undefined;
      for (const node of preFilter ? [] : all) {
        const nodeName = node.metadata.name ?? '';
        if (
          spec(node)['unschedulable'] &&
          !untoleratedTaintFor(pod, 'node.kubernetes.io/unschedulable')
        ) {
          note('node(s) were unschedulable');
          continue;
        }
        if (!matchesNodeSelector(pod, node)) {
          note("node(s) didn't match Pod's node affinity/selector");
          continue;
        }
        if ('terms' in vols && !volumesFit(vols.terms, node)) {
          note(VOLUME_NODE_CONFLICT);
          continue;
        }
        const taint = untoleratedTaint(pod, node);
        if (taint) {
          note(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
          continue;
        }
        const here = onNode(nodeName);
        const short = insufficient(pod, node, here);
        if (short.length) {
          for (const s of short) note(s);
          continue;
        }
        const cpu = here.reduce((s, p) => s + (podRequests(p)['cpu'] ?? 0), 0);
        fits.push({ node, load: here.length + cpu });
      }
      if (!fits.length) {
        const message = unschedulableMessage(all.length, reasons, preFilter);
        const conds = (((pod['status'] ?? {}) as Spec)['conditions'] ?? []) as {
          type: string;
          status: string;
          message?: string;
        }[];
        const prev = conds.find((c) => c.type === 'PodScheduled');
        if (prev?.status !== 'False' || prev.message !== message) {
          recorder.event(pod, 'Warning', 'FailedScheduling', message);
          try {
            await ctx.client.patch(
              resources.pods,
              ns,
              name,
              'strategic',
              {
                status: {
                  conditions: [
                    {
                      type: 'PodScheduled',
                      status: 'False',
                      reason: 'Unschedulable',
                      message,
                      lastProbeTime: null,
                      lastTransitionTime: formatTime(ctx.clock.now()),
                    },
                  ],
                },
              },
              { subresource: 'status' },
            );
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
        // Node changes re-queue it; try again later anyway, with back-off.
        throw new Error(message);
      }
      fits.sort(
        (a, b) =>
          a.load - b.load || (a.node.metadata.name ?? '').localeCompare(b.node.metadata.name ?? ''),
      );
      const target = fits[0]?.node.metadata.name ?? '';
      // Claims of WaitForFirstConsumer classes are bound for the chosen node first (the
      // binder provisions there); the pod is bound once they are (VolumeBinding's PreBind).
      if ('delayed' in vols && vols.delayed.length) {
        for (const claim of vols.delayed)
          await ctx.client.patch(CLAIMS, ns, claim.metadata.name ?? '', 'merge', {
            metadata: { annotations: { [SELECTED_NODE]: target } },
          });
        return;
      }
      assumed.set(key, target);
      try {
        await ctx.client.createSubresource(resources.pods, ns, name, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns, uid: pod.metadata.uid ?? '' },
          target: { apiVersion: 'v1', kind: 'Node', name: target },
        });
        recorder.event(
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${ns}/${name} to ${target}`,
        );
      } catch (e) {
        assumed.delete(key);
        if (isNotFound(e) || isConflict(e)) return;
        throw e;
      }
    };
    function untoleratedTaintFor(pod: KubeObject, key: string): boolean {
      const tol = (spec(pod)['tolerations'] ?? []) as {
        key?: string;
        operator?: string;
        effect?: string;
      }[];
      return tol.some(
        (t) =>
          (t.key === key || (t.operator === 'Exists' && !t.key)) &&
          (!t.effect || t.effect === 'NoSchedule'),
      );
    }
    void queue.run(2, sync, ctx.signal, (key, err) =>
      ctx.logger.debug('scheduling failed', { pod: key, err }),
    );
  },
};
