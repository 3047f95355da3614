// printHorizontalPodAutoscaler (pkg/printers/internalversion): Name, Reference, Targets,
// MinPods, MaxPods, Replicas, Age — Targets as formatHPAMetrics writes them for the
// autoscaling/v2 shape (`cpu: 12%/80%`, `<unknown>/80%`, at most two then `+ N more...`).

import type { KubeObject, TableColumn } from '../../types.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { formatQuantity, parseQuantity } from '../../quantity.js';
import { asArr, asNum, asObj, asStr, specOf, statusOf, type Obj } from '../kindutil.js';

const column = (name: string, description: string): TableColumn => ({
  name,
  type: 'string',
  description,
  priority: 0,
});

export const HPA_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column(
    'Reference',
    'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
  ),
  column(
    'Targets',
    'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.',
  ),
  column(
    'MinPods',
    'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.',
  ),
  column(
    'MaxPods',
    'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.',
  ),
  column(
    'Replicas',
    'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
  ),
  AGE_COLUMN,
];

const UNKNOWN = '<unknown>';
const MAX_SHOWN = 2;

/** (*Quantity).String(): the canonical text (`500m`, `1Gi`), `<nil>` for none. */
function quantityText(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  const q = parseQuantity(v);
  return q ? formatQuantity(q) : '0';
}

const has = (o: Obj | undefined, k: string): boolean =>
  o !== undefined && o[k] !== undefined && o[k] !== null;

/** A Resource or ContainerResource metric: `cpu: 12%/80%` or `memory: 10Mi/20Mi`. */
function resourceTarget(spec: Obj, status: Obj | undefined): string {
  const target = asObj(spec.target) ?? {};
  const current = asObj(status?.current);
  const name = asStr(spec.name);
  if (has(target, 'averageValue')) {
    const cur = status ? quantityText(current?.averageValue) : UNKNOWN;
    return `${name}: ${cur}/${quantityText(target.averageValue)}`;
  }
  const cur = has(current, 'averageUtilization')
    ? `${asNum(current?.averageUtilization)}%`
    : UNKNOWN;
  const goal = has(target, 'averageUtilization')
    ? `${asNum(target.averageUtilization)}%`
    : '<auto>';
  return `${name}: ${cur}/${goal}`;
}

/** A metric of a value or average-value target (External, Object, Pods). */
function valueTarget(spec: Obj, status: Obj | undefined, averageOnly: boolean): string {
  const target = asObj(spec.target) ?? {};
  const current = asObj(status?.current);
  if (averageOnly)
    return `${status ? quantityText(current?.averageValue) : UNKNOWN}/${quantityText(target.averageValue)}`;
  if (has(target, 'averageValue')) {
    const cur = has(current, 'averageValue') ? quantityText(current?.averageValue) : UNKNOWN;
    return `${cur}/${quantityText(target.averageValue)} (avg)`;
  }
  return `${status ? quantityText(current?.value) : UNKNOWN}/${quantityText(target.value)}`;
}

/** formatHPAMetrics. */
export function formatHpaMetrics(specs: unknown, statuses: unknown): string {
  const list = asArr(specs).map((s) => asObj(s) ?? {});
  if (list.length === 0) return '<none>';
  const current = asArr(statuses);
  const parts = list.map((spec, i) => {
    const status = asObj(current[i]);
    const of = (key: string): Obj | undefined => asObj(status?.[key]);
    switch (spec.type) {
      case 'External':
        return valueTarget(asObj(spec.external) ?? {}, of('external'), false);
      case 'Pods':
        return valueTarget(asObj(spec.pods) ?? {}, of('pods'), true);
      case 'Object':
        return valueTarget(asObj(spec.object) ?? {}, of('object'), false);
      case 'Resource':
        return resourceTarget(asObj(spec.resource) ?? {}, of('resource'));
      case 'ContainerResource':
        return resourceTarget(asObj(spec.containerResource) ?? {}, of('containerResource'));
      default:
        return '<unknown type>';
    }
  });
  if (parts.length <= MAX_SHOWN) return parts.join(', ');
  return `${parts.slice(0, MAX_SHOWN).join(', ')} + ${parts.length - MAX_SHOWN} more...`;
}

export function hpaRow(hpa: KubeObject, now: Date): unknown[] {
  const spec = specOf(hpa);
  const ref = asObj(spec.scaleTargetRef) ?? {};
  const min = spec.minReplicas;
  return [
    hpa.metadata.name ?? '',
    `${asStr(ref.kind)}/${asStr(ref.name)}`,
    formatHpaMetrics(spec.metrics, statusOf(hpa).currentMetrics),
    typeof min === 'number' ? String(min) : '<unset>',
    asNum(spec.maxReplicas),
    asNum(statusOf(hpa).currentReplicas),
    age(hpa.metadata.creationTimestamp, now),
  ];
}
