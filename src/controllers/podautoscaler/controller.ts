// The horizontal pod autoscaler (kube-controller-manager's pkg/controller/podautoscaler,
// horizontal.go): every HPA is reconciled once per sync period — the target's scale read
// through its `scale` subresource, each Resource/ContainerResource metric turned into a
// replica proposal from the pods' metrics.k8s.io usage and requests, the highest proposal
// stabilized and limited (min/max, behavior policies), the scale written when it changes,
// and the status (current/desired replicas, current metrics, conditions) updated.

import { formatQuantity, milliValue, parseQuantity } from '../../api/quantity.js';
import { matchesLabels, parseLabelSelector } from '../../api/labels.js';
import { formatTime } from '../../api/time.js';
import { createWorkQueue, isNotFound, keyOf, splitKey } from '../../client/index.js';
import type { ResourceRef } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { setCondition } from './conditions.js';
import { resourceMetrics } from './metrics.js';
import {
  AutoscalerHistory,
  SCALE_DOWN_STABILIZED,
  SCALE_UP_STABILIZED,
  limitWithBehavior,
  limitWithRules,
} from './normalize.js';
import { rawResourceReplicas, resourceReplicas, type CalculatorOptions } from './replicas.js';
import { getScale, parseGroupVersion, scaleMappings, updateScale } from './scale.js';
import {
  DEFAULTS,
  type Condition,
  type Hpa,
  type HpaStatus,
  type MetricSpec,
  type MetricStatus,
  type Pod,
  type PodAutoscalerOptions,
  type Scale,
} from './types.js';

export const COMPONENT = 'horizontal-pod-autoscaler';

const HPAS: ResourceRef = {
  group: 'autoscaling',
  version: 'v2',
  plural: 'horizontalpodautoscalers',
  namespaced: true,
};
const PODS: ResourceRef = { group: '', version: 'v1', plural: 'pods', namespaced: true };

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** NewMilliQuantity(v, DecimalSI).String(). */
const milliQuantity = (v: bigint): string => formatQuantity({ n: v, exp: -3, format: 'DecimalSI' });

/** A metric's failure: the ScalingActive condition it proposes, and its error. */
class MetricError extends Error {
  readonly reason: string;
  readonly conditionMessage: string;
  constructor(reason: string, conditionMessage: string, message: string) {
    super(message);
    this.reason = reason;
    this.conditionMessage = conditionMessage;
  }
}

interface Proposal {
  replicas: number;
  name: string;
  status: MetricStatus;
}

export function horizontalPodAutoscalerController(o: PodAutoscalerOptions = {}): Controller {
  const opts = { ...DEFAULTS, ...o };
  return { name: COMPONENT, start: (ctx) => start(ctx, opts) };
}

function start(ctx: ControllerContext, opts: Required<PodAutoscalerOptions>): void {
  const hpas = ctx.informers.for<Hpa>(HPAS);
  const pods = ctx.informers.for<Pod>(PODS);
  const recorder = ctx.recorder(COMPONENT);
  const queue = createWorkQueue();
  const histories = new Map<string, AutoscalerHistory>();
  // Keys waiting out their sync period: a later add for one is dropped, as kube's
  // fixed-interval rate limiter does.
  const waiting = new Set<string>();
  const schedule = (key: string): void => {
    if (waiting.has(key)) return;
    waiting.add(key);
    queue.addAfter(key, opts.syncPeriodMs);
  };
  hpas.on({
    add: (h) => schedule(keyOf(h)),
    update: (_old, h) => schedule(keyOf(h)),
  });

  const nowMs = (): number => ctx.clock.now().getTime();
  const now = (): string => formatTime(ctx.clock.now());
  const typed = (h: Hpa): Hpa => ({
    ...h,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
  });

  async function writeStatus(
    hpa: Hpa,
    status: HpaStatus,
    original: HpaStatus | undefined,
  ): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(original ?? {})) return;
    try {
      await ctx.client.update(HPAS, { ...typed(hpa), status }, 'status');
    } catch (e) {
      recorder.event(typed(hpa), 'Warning', 'FailedUpdateStatus', errorText(e));
      throw new Error(`failed to update status for ${hpa.metadata.name ?? ''}: ${errorText(e)}`);
    }
  }

  /** computeStatusForResourceMetric and its ContainerResource twin. */
  function resourceProposal(
    hpa: Hpa,
    spec: MetricSpec,
    current: number,
    selector: string,
    matching: Pod[],
    container: boolean,
  ): Promise<Proposal> {
    const src = (container ? spec.containerResource : spec.resource) ?? {};
    const name = src.name ?? '';
    const containerName = container ? (spec.containerResource?.container ?? '') : '';
    const kind = container ? 'ContainerResource' : 'Resource';
    const reason = container ? 'FailedGetContainerResourceMetric' : 'FailedGetResourceMetric';
    const what = container ? `${name} container resource` : `${name} resource`;
    const target = src.target ?? {};
    const calc: CalculatorOptions = {
      tolerance: opts.tolerance,
      cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs,
      initialReadinessDelayMs: opts.initialReadinessDelayMs,
      nowMs: nowMs(),
    };
    // computeStatusForResourceMetricGeneric words the failure by the target's kind
    // (utilization or usage); computeReplicasForMetric adds which metric failed.
    const measure = target.averageValue !== undefined ? 'usage' : 'utilization';
    const outer = container
      ? `failed to get ${containerName} container metric value`
      : `failed to get ${name} resource metric value`;
    const fail = (e: unknown, wrap: boolean): MetricError => {
      const text = wrap ? `failed to get ${name} ${measure}: ${errorText(e)}` : errorText(e);
      recorder.event(typed(hpa), 'Warning', reason, text);
      return new MetricError(
        reason,
        `the HPA was unable to compute the replica count: ${text}`,
        `${outer}: ${text}`,
      );
    };
    const statusOf = (currentValue: Record<string, unknown>): MetricStatus => ({
      type: kind,
      [container ? 'containerResource' : 'resource']: {
        name,
        current: currentValue,
        ...(container ? { container: containerName } : {}),
      },
    });
    return (async () => {
      let metrics;
      try {
        metrics = (
          await resourceMetrics(
            ctx.client,
            hpa.metadata.namespace ?? '',
            selector,
            name,
            containerName,
          )
        ).metrics;
      } catch (e) {
        throw fail(new Error(`unable to get metrics for resource ${name}: ${errorText(e)}`), true);
      }
      if (target.averageValue !== undefined) {
        const parsed = parseQuantity(target.averageValue);
        const q = parsed ? milliValue(parsed) : 0n;
        try {
          const p = rawResourceReplicas(current, q, name, matching, metrics, calc);
          return {
            replicas: p.replicas,
            name: what,
            status: statusOf({ averageValue: milliQuantity(p.rawAverage) }),
          };
        } catch (e) {
          throw fail(e, true);
        }
      }
      if (target.averageUtilization === undefined)
        throw fail(
          new Error(
            'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set',
          ),
          false,
        );
      try {
        const p = resourceReplicas(
          current,
          target.averageUtilization,
          name,
          containerName,
          matching,
          metrics,
          calc,
        );
        return {
          replicas: p.replicas,
          name: `${what} utilization (percentage of request)`,
          status: statusOf({
            averageValue: milliQuantity(p.rawAverage),
            averageUtilization: p.utilization,
          }),
        };
      } catch (e) {
        throw fail(e, true);
      }
    })();
  }

  /** Metrics Skiff has no API for: custom.metrics.k8s.io and external.metrics.k8s.io. */
  function unservedProposal(hpa: Hpa, spec: MetricSpec): MetricError {
    const [reason, prefix, api, metric] =
      spec.type === 'Pods'
        ? [
            'FailedGetPodsMetric',
            'failed to get pods metric value',
            'custom',
            spec.pods?.metric?.name,
          ]
        : spec.type === 'Object'
          ? [
              'FailedGetObjectMetric',
              'failed to get object metric value',
              'custom',
              spec.object?.metric?.name,
            ]
          : spec.type === 'External'
            ? [
                'FailedGetExternalMetric',
                `failed to get ${spec.external?.metric?.name ?? ''} external metric value: failed to get ${spec.external?.metric?.name ?? ''} external metric`,
                'external',
                spec.external?.metric?.name,
              ]
            : ['InvalidMetricSourceType', '', '', ''];
    const text = api
      ? `unable to get metric ${metric ?? ''}: unable to fetch metrics from ${api} metrics API: no ${api} metrics API (${api}.metrics.k8s.io) registered`
      : `unknown metric source type "${spec.type ?? ''}"`;
    recorder.event(typed(hpa), 'Warning', reason, text);
    return new MetricError(
      reason,
      `the HPA was unable to compute the replica count: ${text}`,
      prefix ? `${prefix}: ${text}` : text,
    );
  }

  async function reconcile(key: string, hpaShared: Hpa): Promise<void> {
    const hpa = structuredClone(hpaShared);
    const ns = hpa.metadata.namespace ?? '';
    const spec = hpa.spec ?? {};
    const ref = spec.scaleTargetRef ?? {};
    const original = hpa.status;
    let conditions: Condition[] = structuredClone(original?.conditions ?? []);
    const cond = (
      type: string,
      status: 'True' | 'False',
      reason: string,
      message: string,
    ): void => {
      conditions = setCondition(conditions, type, status, reason, message, now());
    };
    const reference = `${ref.kind ?? ''}/${ns}/${ref.name ?? ''}`;
    const history = histories.get(key) ?? new AutoscalerHistory();
    histories.set(key, history);
    /** setStatus, in Go's field order (omitempty where v2 has it). */
    const statusWith = (s: Partial<HpaStatus>): HpaStatus => {
      const last = s.lastScaleTime ?? original?.lastScaleTime;
      return {
        ...(last ? { lastScaleTime: last } : {}),
        ...(s.currentReplicas ? { currentReplicas: s.currentReplicas } : {}),
        desiredReplicas: s.desiredReplicas ?? 0,
        currentMetrics: s.currentMetrics ?? null,
        ...(conditions.length ? { conditions } : {}),
      };
    };
    /** setCurrentReplicasInStatus: the rest of the status as it was. */
    const keepingStatus = (current: number): HpaStatus =>
      statusWith({
        currentReplicas: current,
        desiredReplicas: original?.desiredReplicas ?? 0,
        currentMetrics: original?.currentMetrics ?? null,
      });
    const failedGetScale = async (e: unknown, wrap: string): Promise<never> => {
      recorder.event(typed(hpa), 'Warning', 'FailedGetScale', errorText(e));
      cond(
        'AbleToScale',
        'False',
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${errorText(e)}`,
      );
      await writeStatus(
        hpa,
        statusWith({
          currentReplicas: original?.currentReplicas ?? 0,
          desiredReplicas: original?.desiredReplicas ?? 0,
          currentMetrics: original?.currentMetrics ?? null,
        }),
        original,
      ).catch(() => undefined);
      throw new Error(`${wrap}: ${errorText(e)}`);
    };

    let group: string;
    try {
      group = parseGroupVersion(ref.apiVersion ?? '').group;
    } catch (e) {
      return failedGetScale(e, 'invalid API version in scale target reference');
    }
    let target: Awaited<ReturnType<typeof getScale>>;
    try {
      const mappings = await scaleMappings(ctx.client, group, ref.kind ?? '');
      try {
        target = await getScale(ctx.client, mappings, ns, ref.name ?? '');
      } catch (e) {
        return failedGetScale(e, `failed to query scale subresource for ${reference}`);
      }
    } catch (e) {
      return failedGetScale(e, 'unable to determine resource for scale target reference');
    }
    const { scale, mapping } = target;
    cond(
      'AbleToScale',
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
    );
    const current = scale.spec.replicas ?? 0;
    history.initialize(current, nowMs());
    const min = spec.minReplicas ?? 1;
    const max = spec.maxReplicas ?? 0;

    let desired = 0;
    let reason = '';
    let rescale = true;
    let metricStatuses: MetricStatus[] | null = null;
    if (current === 0 && min !== 0) {
      rescale = false;
      cond(
        'ScalingActive',
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
    } else if (current > max) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = max;
    } else if (current < min) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      let computed: { replicas: number; name: string; statuses: MetricStatus[] };
      try {
        computed = await computeReplicasForMetrics(hpa, scale, current, cond);
      } catch (e) {
        await writeStatus(hpa, keepingStatus(current), original).catch((err: unknown) =>
          ctx.logger.info('status not written', { key, err: errorText(err) }),
        );
        recorder.event(typed(hpa), 'Warning', 'FailedComputeMetricsReplicas', errorText(e));
        throw new Error(
          `failed to compute desired number of replicas based on listed metrics for ${reference}: ${errorText(e)}`,
        );
      }
      metricStatuses = computed.statuses;
      desired = computed.replicas;
      if (desired > current) reason = `${computed.name} above target`;
      if (desired < current) reason = 'All metrics below target';
      desired = normalize(hpa, history, current, desired, min, max, cond);
      rescale = desired !== current;
    }

    let lastScaleTime: string | undefined;
    if (rescale) {
      try {
        await updateScale(ctx.client, mapping, ns, ref.name ?? '', scale, desired);
      } catch (e) {
        recorder.event(
          typed(hpa),
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${reason}; error: ${errorText(e)}`,
        );
        cond(
          'AbleToScale',
          'False',
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${errorText(e)}`,
        );
        await writeStatus(hpa, keepingStatus(current), original).catch(() => undefined);
        throw new Error(`failed to rescale ${reference}: ${errorText(e)}`);
      }
      cond(
        'AbleToScale',
        'True',
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      recorder.event(
        typed(hpa),
        'Normal',
        'SuccessfulRescale',
        `New size: ${desired}; reason: ${reason}`,
      );
      history.storeScaleEvent(spec.behavior, current, desired, nowMs());
      lastScaleTime = now();
    } else desired = current;
    await writeStatus(
      hpa,
      statusWith({
        currentReplicas: current,
        desiredReplicas: desired,
        currentMetrics: metricStatuses,
        ...(lastScaleTime ? { lastScaleTime } : {}),
      }),
      original,
    );
  }

  /** computeReplicasForMetrics: the highest proposal over the metrics that can be computed. */
  async function computeReplicasForMetrics(
    hpa: Hpa,
    scale: Scale,
    current: number,
    cond: (type: string, status: 'True' | 'False', reason: string, message: string) => void,
  ): Promise<{ replicas: number; name: string; statuses: MetricStatus[] }> {
    const selectorText = scale.status?.selector ?? '';
    if (!selectorText) {
      recorder.event(typed(hpa), 'Warning', 'SelectorRequired', 'selector is required');
      cond(
        'ScalingActive',
        'False',
        'InvalidSelector',
        "the HPA target's scale is missing a selector",
      );
      throw new Error('selector is required');
    }
    let selector;
    try {
      selector = parseLabelSelector(selectorText);
    } catch (e) {
      const text = `couldn't convert selector into a corresponding internal selector object: ${errorText(e)}`;
      recorder.event(typed(hpa), 'Warning', 'InvalidSelector', text);
      cond('ScalingActive', 'False', 'InvalidSelector', text);
      throw new Error(text);
    }
    const matching = pods
      .list(hpa.metadata.namespace ?? '')
      .filter((p) => matchesLabels(selector, p.metadata.labels ?? {}));
    const specs = hpa.spec?.metrics ?? [];
    const statuses: MetricStatus[] = specs.map(() => ({ type: '' }));
    let best: Proposal | undefined;
    let invalid = 0;
    let firstError: MetricError | undefined;
    for (const [i, spec] of specs.entries()) {
      try {
        const p =
          spec.type === 'Resource' || spec.type === 'ContainerResource'
            ? await resourceProposal(
                hpa,
                spec,
                current,
                selectorText,
                matching,
                spec.type === 'ContainerResource',
              )
            : await Promise.reject(unservedProposal(hpa, spec));
        statuses[i] = p.status;
        if (!best || p.replicas > best.replicas) best = p;
      } catch (e) {
        invalid++;
        firstError ??= e instanceof MetricError ? e : new MetricError('', '', errorText(e));
      }
    }
    if (invalid >= specs.length) {
      if (firstError?.reason)
        cond('ScalingActive', 'False', firstError.reason, firstError.conditionMessage);
      throw new Error(
        `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError?.message ?? ''}`,
      );
    }
    cond(
      'ScalingActive',
      'True',
      'ValidMetricFound',
      `the HPA was able to successfully calculate a replica count from ${best?.name ?? ''}`,
    );
    return { replicas: best?.replicas ?? 0, name: best?.name ?? '', statuses };
  }

  /** normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors. */
  function normalize(
    hpa: Hpa,
    history: AutoscalerHistory,
    current: number,
    proposed: number,
    min: number,
    max: number,
    cond: (type: string, status: 'True' | 'False', reason: string, message: string) => void,
  ): number {
    const behavior = hpa.spec?.behavior;
    const t = nowMs();
    let stabilized: number;
    if (!behavior) stabilized = history.stabilize(proposed, opts.downscaleStabilizationMs, t);
    else {
      const upWindow = behavior.scaleUp?.stabilizationWindowSeconds ?? 0;
      const downWindow =
        behavior.scaleDown?.stabilizationWindowSeconds ??
        Math.trunc(opts.downscaleStabilizationMs / 1000);
      stabilized = history.stabilizeWithBehavior(current, proposed, upWindow, downWindow, t);
    }
    if (stabilized !== proposed) {
      const why = !behavior || proposed < current ? SCALE_DOWN_STABILIZED : SCALE_UP_STABILIZED;
      cond('AbleToScale', 'True', why.reason, why.message);
    } else cond('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
    const limited = behavior
      ? limitWithBehavior(
          history,
          current,
          stabilized,
          min,
          max,
          { scaleUp: behavior.scaleUp ?? {}, scaleDown: behavior.scaleDown ?? {} },
          t,
        )
      : limitWithRules(current, stabilized, min, max);
    cond(
      'ScalingLimited',
      limited.replicas === stabilized ? 'False' : 'True',
      limited.reason,
      limited.message,
    );
    return limited.replicas;
  }

  async function sync(key: string): Promise<void> {
    waiting.delete(key);
    const [ns, name] = splitKey(key);
    const hpa = hpas.get(ns, name);
    if (!hpa) {
      histories.delete(key);
      return;
    }
    try {
      await reconcile(key, hpa);
    } catch (e) {
      if (!isNotFound(e)) ctx.logger.info('reconcile failed', { key, err: errorText(e) });
    } finally {
      // Every HPA comes back once per sync period, failed or not.
      if (hpas.get(ns, name)) schedule(key);
    }
  }

  void (async () => {
    await Promise.all([hpas.synced(), pods.synced()]);
    if (ctx.signal.aborted) return;
    await queue.run(1, sync, ctx.signal);
  })();
}
