// autoscaling/v1 HorizontalPodAutoscaler, served from the autoscaling/v2 storage with kube's
// conversion (pkg/apis/autoscaling/v1/conversion.go): v1 holds one CPU utilization target
// and its current value; everything else travels in annotations — the other metrics
// (`autoscaling.alpha.kubernetes.io/metrics`), the behavior (`…/behavior`, written with the
// internal type's Go field names, as kube does), every current metric (`…/current-metrics`)
// and the conditions (`…/conditions`) — which are read back and dropped on the way in.

import { badRequest } from '../../errors.js';
import type { KubeObject } from '../../types.js';
import { asArr, asObj, asStr, type Obj } from '../kindutil.js';
import { defaultCpuMetric } from './defaults.js';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const ROUND_TRIP_ANNOTATIONS = [
  METRIC_SPECS_ANNOTATION,
  BEHAVIOR_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
  CONDITIONS_ANNOTATION,
];

const isSet = (v: unknown): boolean => v !== undefined && v !== null;
const clone = <T>(v: T): T => structuredClone(v);

/** An object of the given entries, leaving out the unset ones (Go's omitempty pointers). */
function compact(entries: [string, unknown][]): Obj {
  const out: Obj = {};
  for (const [k, v] of entries) if (isSet(v)) out[k] = clone(v);
  return out;
}

// ---- metric sources and statuses, v2 ↔ v1 ----

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const object = asObj(m.object);
  const pods = asObj(m.pods);
  const resource = asObj(m.resource);
  const container = asObj(m.containerResource);
  const external = asObj(m.external);
  if (object) {
    const metric = asObj(object.metric) ?? {};
    const t = asObj(object.target) ?? {};
    out.object = compact([
      ['target', object.describedObject ?? {}],
      ['metricName', asStr(metric.name)],
      ['targetValue', t.value ?? '0'],
      ['selector', metric.selector],
      ['averageValue', t.averageValue],
    ]);
  }
  if (pods) {
    const metric = asObj(pods.metric) ?? {};
    const t = asObj(pods.target) ?? {};
    out.pods = compact([
      ['metricName', asStr(metric.name)],
      ['targetAverageValue', t.averageValue ?? '0'],
      ['selector', metric.selector],
    ]);
  }
  for (const [key, src] of [
    ['resource', resource],
    ['containerResource', container],
  ] as const) {
    if (!src) continue;
    const t = asObj(src.target) ?? {};
    out[key] = compact([
      ['name', asStr(src.name)],
      ['targetAverageUtilization', t.averageUtilization],
      ['targetAverageValue', t.averageValue],
      ...(key === 'containerResource'
        ? [['container', asStr(src.container)] as [string, unknown]]
        : []),
    ]);
  }
  if (external) {
    const metric = asObj(external.metric) ?? {};
    const t = asObj(external.target) ?? {};
    out.external = compact([
      ['metricName', asStr(metric.name)],
      ['metricSelector', metric.selector],
      ['targetValue', t.value],
      ['targetAverageValue', t.averageValue],
    ]);
  }
  return out;
}

function metricSpecFromV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const object = asObj(m.object);
  const pods = asObj(m.pods);
  const resource = asObj(m.resource);
  const container = asObj(m.containerResource);
  const external = asObj(m.external);
  const identifier = (name: unknown, selector: unknown): Obj =>
    compact([
      ['name', asStr(name)],
      ['selector', selector],
    ]);
  if (object)
    out.object = {
      describedObject: clone(object.target ?? {}),
      target: compact([
        ['type', isSet(object.averageValue) ? 'AverageValue' : 'Value'],
        ['value', object.targetValue ?? '0'],
        ['averageValue', object.averageValue],
      ]),
      metric: identifier(object.metricName, object.selector),
    };
  if (pods)
    out.pods = {
      metric: identifier(pods.metricName, pods.selector),
      target: { type: 'AverageValue', averageValue: clone(pods.targetAverageValue ?? '0') },
    };
  for (const [key, src] of [
    ['resource', resource],
    ['containerResource', container],
  ] as const) {
    if (!src) continue;
    const utilization = src.targetAverageUtilization;
    out[key] = compact([
      ['name', asStr(src.name)],
      [
        'target',
        compact([
          ['type', isSet(utilization) ? 'Utilization' : 'AverageValue'],
          ['averageValue', src.targetAverageValue],
          ['averageUtilization', utilization],
        ]),
      ],
      ...(key === 'containerResource'
        ? [['container', asStr(src.container)] as [string, unknown]]
        : []),
    ]);
  }
  if (external)
    out.external = {
      metric: identifier(external.metricName, external.metricSelector),
      target: compact([
        ['type', isSet(external.targetAverageValue) ? 'AverageValue' : 'Value'],
        ['value', external.targetValue],
        ['averageValue', external.targetAverageValue],
      ]),
    };
  return out;
}

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const object = asObj(m.object);
  const pods = asObj(m.pods);
  const resource = asObj(m.resource);
  const container = asObj(m.containerResource);
  const external = asObj(m.external);
  if (object) {
    const metric = asObj(object.metric) ?? {};
    const c = asObj(object.current) ?? {};
    out.object = compact([
      ['target', object.describedObject ?? {}],
      ['metricName', asStr(metric.name)],
      ['currentValue', c.value ?? '0'],
      ['selector', metric.selector],
      ['averageValue', c.averageValue],
    ]);
  }
  if (pods) {
    const metric = asObj(pods.metric) ?? {};
    out.pods = compact([
      ['metricName', asStr(metric.name)],
      ['currentAverageValue', asObj(pods.current)?.averageValue ?? '0'],
      ['selector', metric.selector],
    ]);
  }
  for (const [key, src] of [
    ['resource', resource],
    ['containerResource', container],
  ] as const) {
    if (!src) continue;
    const c = asObj(src.current) ?? {};
    out[key] = compact([
      ['name', asStr(src.name)],
      ['currentAverageUtilization', c.averageUtilization],
      ['currentAverageValue', c.averageValue ?? '0'],
      ...(key === 'containerResource'
        ? [['container', asStr(src.container)] as [string, unknown]]
        : []),
    ]);
  }
  if (external) {
    const metric = asObj(external.metric) ?? {};
    const c = asObj(external.current) ?? {};
    out.external = compact([
      ['metricName', asStr(metric.name)],
      ['metricSelector', metric.selector],
      ['currentValue', c.value ?? '0'],
      ['currentAverageValue', c.averageValue],
    ]);
  }
  return out;
}

function metricStatusFromV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const object = asObj(m.object);
  const pods = asObj(m.pods);
  const resource = asObj(m.resource);
  const container = asObj(m.containerResource);
  const external = asObj(m.external);
  const identifier = (name: unknown, selector: unknown): Obj =>
    compact([
      ['name', asStr(name)],
      ['selector', selector],
    ]);
  if (object)
    out.object = {
      metric: identifier(object.metricName, object.selector),
      current: compact([
        ['value', object.currentValue ?? '0'],
        ['averageValue', object.averageValue],
      ]),
      describedObject: clone(object.target ?? {}),
    };
  if (pods)
    out.pods = {
      metric: identifier(pods.metricName, pods.selector),
      current: { averageValue: clone(pods.currentAverageValue ?? '0') },
    };
  for (const [key, src] of [
    ['resource', resource],
    ['containerResource', container],
  ] as const) {
    if (!src) continue;
    out[key] = compact([
      ['name', asStr(src.name)],
      [
        'current',
        compact([
          ['averageValue', src.currentAverageValue ?? '0'],
          ['averageUtilization', src.currentAverageUtilization],
        ]),
      ],
      ...(key === 'containerResource'
        ? [['container', asStr(src.container)] as [string, unknown]]
        : []),
    ]);
  }
  if (external)
    out.external = {
      metric: identifier(external.metricName, external.metricSelector),
      current: compact([
        ['value', external.currentValue ?? '0'],
        ['averageValue', external.currentAverageValue],
      ]),
    };
  return out;
}

// ---- behavior, as Go marshals the internal type (field names, no omitempty) ----

function rulesToGo(r: unknown): unknown {
  const rules = asObj(r);
  if (!rules) return null;
  return {
    StabilizationWindowSeconds: rules.stabilizationWindowSeconds ?? null,
    SelectPolicy: rules.selectPolicy ?? null,
    Policies: Array.isArray(rules.policies)
      ? rules.policies.map((p) => {
          const policy = asObj(p) ?? {};
          return {
            Type: policy.type ?? '',
            Value: policy.value ?? 0,
            PeriodSeconds: policy.periodSeconds ?? 0,
          };
        })
      : null,
    Tolerance: rules.tolerance ?? null,
  };
}

function rulesFromGo(r: unknown): Obj | undefined {
  const rules = asObj(r);
  if (!rules) return undefined;
  return compact([
    ['stabilizationWindowSeconds', rules.StabilizationWindowSeconds],
    ['selectPolicy', rules.SelectPolicy],
    [
      'policies',
      Array.isArray(rules.Policies)
        ? rules.Policies.map((p) => {
            const policy = asObj(p) ?? {};
            return { type: policy.Type, value: policy.Value, periodSeconds: policy.PeriodSeconds };
          })
        : undefined,
    ],
    ['tolerance', rules.Tolerance],
  ]);
}

const behaviorToGo = (b: Obj): string =>
  JSON.stringify({ ScaleUp: rulesToGo(b.scaleUp), ScaleDown: rulesToGo(b.scaleDown) });

function behaviorFromGo(text: string): Obj | undefined {
  const parsed = parseJson(text);
  const up = rulesFromGo(parsed?.ScaleUp);
  const down = rulesFromGo(parsed?.ScaleDown);
  // Only well-formed, non-empty behaviors move from the annotation to the field.
  if (!up && !down) return undefined;
  return compact([
    ['scaleUp', up],
    ['scaleDown', down],
  ]);
}

function parseJson(text: string): Obj | undefined {
  try {
    return asObj(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** What Go's json.Unmarshal says of a JSON value that is not the list it wanted. */
function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/** Go's json syntax error for text JSON.parse refused (its usual first words). */
function goSyntaxError(text: string): string {
  const t = text.trim();
  if (t === '') return 'unexpected end of JSON input';
  const first = t[0] ?? '';
  if (!/[{["tfn0-9-]/.test(first))
    return `invalid character '${first}' looking for beginning of value`;
  for (const literal of ['null', 'true', 'false'])
    if (first === literal[0]) {
      const at = [...literal].findIndex((ch, i) => t[i] !== ch);
      if (at > 0 && at < t.length)
        return `invalid character '${t[at]}' in literal ${literal} (expecting '${literal[at]}')`;
    }
  return 'unexpected end of JSON input';
}

/**
 * A round-trip annotation's list, as the v1 conversion unmarshals it: absent → undefined;
 * anything but a JSON list (or null) fails the request as kube's decoder does.
 */
function parseList(text: string | undefined, goType: string): Obj[] | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw undecodable(goSyntaxError(text));
  }
  if (v === null) return undefined;
  if (!Array.isArray(v))
    throw undecodable(`json: cannot unmarshal ${goTypeName(v)} into Go value of type ${goType}`);
  return v.map((x) => asObj(x) ?? {});
}

const undecodable = (why: string): Error =>
  badRequest(
    `HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: ${why}`,
  );

const isCpuResource = (m: Obj): boolean =>
  m.type === 'Resource' && asObj(m.resource)?.name === 'cpu';

const conditionsCopy = (v: unknown): Obj[] => asArr(v).map((c) => clone(asObj(c) ?? {}));

/** A copy of `o` whose entries are replaced by `entries` where named, in `o`'s order. */
function withEntries(o: KubeObject, entries: Obj): KubeObject {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) out[k] = k in entries ? entries[k] : clone(v);
  for (const [k, v] of Object.entries(entries)) if (!(k in out)) out[k] = v;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as KubeObject;
}

/** autoscaling/v2 → autoscaling/v1. */
export function hpaToV1(hpa: KubeObject): KubeObject {
  const spec = asObj(hpa.spec) ?? {};
  const status = asObj(hpa.status);
  const metrics = asArr(spec.metrics).map((m) => asObj(m) ?? {});
  const others = metrics.filter(
    (m) => !(isCpuResource(m) && isSet(asObj(asObj(m.resource)?.target)?.averageUtilization)),
  );
  const cpuTarget = asObj(asObj(metrics.find(isCpuResource)?.resource)?.target)?.averageUtilization;
  const currentMetrics = asArr(status?.currentMetrics).map((m) => asObj(m) ?? {});
  const conditions = conditionsCopy(status?.conditions);

  const annotations: Record<string, string> = { ...(hpa.metadata.annotations ?? {}) };
  for (const k of ROUND_TRIP_ANNOTATIONS) delete annotations[k];
  if (others.length)
    annotations[METRIC_SPECS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  const behavior = asObj(spec.behavior);
  if (behavior) annotations[BEHAVIOR_ANNOTATION] = behaviorToGo(behavior);
  if (currentMetrics.length)
    annotations[METRIC_STATUSES_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (conditions.length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);

  const metadata = clone(hpa.metadata);
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;

  const v1Spec = compact([
    ['scaleTargetRef', spec.scaleTargetRef],
    ['minReplicas', spec.minReplicas],
    ['maxReplicas', spec.maxReplicas ?? 0],
    ['targetCPUUtilizationPercentage', cpuTarget],
  ]);
  const cpuCurrent = currentMetrics
    .filter(isCpuResource)
    .map((m) => asObj(asObj(m.resource)?.current)?.averageUtilization)
    .filter(isSet)
    .pop();
  const v1Status =
    status &&
    compact([
      ['observedGeneration', status.observedGeneration],
      ['lastScaleTime', status.lastScaleTime],
      ['currentReplicas', status.currentReplicas ?? 0],
      ['desiredReplicas', status.desiredReplicas ?? 0],
      ['currentCPUUtilizationPercentage', cpuCurrent],
    ]);
  return withEntries(hpa, {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    ...(hpa.spec !== undefined ? { spec: v1Spec } : {}),
    ...(hpa.status !== undefined ? { status: v1Status } : {}),
  });
}

/** autoscaling/v1 → autoscaling/v2. */
export function hpaFromV1(hpa: KubeObject): KubeObject {
  const spec = asObj(hpa.spec) ?? {};
  const status = asObj(hpa.status);
  const annotations = { ...(hpa.metadata.annotations ?? {}) };

  const metrics: Obj[] = [];
  for (const m of parseList(annotations[METRIC_SPECS_ANNOTATION], '[]v1.MetricSpec') ?? [])
    metrics.push(metricSpecFromV1(m));
  if (isSet(spec.targetCPUUtilizationPercentage))
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  // v1's implicit default, made explicit now that every metric is known.
  if (metrics.length === 0) metrics.push(defaultCpuMetric());
  const behaviorText = annotations[BEHAVIOR_ANNOTATION];
  const behavior = behaviorText === undefined ? undefined : behaviorFromGo(behaviorText);

  let currentMetrics: Obj[] | undefined;
  const statusAnnotation = parseList(annotations[METRIC_STATUSES_ANNOTATION], '[]v1.MetricStatus');
  if (statusAnnotation) currentMetrics = statusAnnotation.map(metricStatusFromV1);
  else if (isSet(status?.currentCPUUtilizationPercentage))
    currentMetrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          current: { averageUtilization: status?.currentCPUUtilizationPercentage },
        },
      },
    ];
  const conditions = parseList(
    annotations[CONDITIONS_ANNOTATION],
    '[]v1.HorizontalPodAutoscalerCondition',
  );
  for (const k of ROUND_TRIP_ANNOTATIONS) delete annotations[k];

  const metadata = clone(hpa.metadata);
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;

  const v2Spec = compact([
    ['scaleTargetRef', spec.scaleTargetRef],
    ['minReplicas', spec.minReplicas],
    ['maxReplicas', spec.maxReplicas ?? 0],
    ['metrics', metrics],
    ['behavior', behavior],
  ]);
  const v2Status = compact([
    ['observedGeneration', status?.observedGeneration],
    ['lastScaleTime', status?.lastScaleTime],
    ['currentReplicas', status?.currentReplicas || undefined],
    ['desiredReplicas', status?.desiredReplicas ?? 0],
  ]);
  // No omitempty on v2's currentMetrics: none is written as null.
  v2Status.currentMetrics = currentMetrics ?? null;
  if (conditions?.length) v2Status.conditions = conditions;
  return withEntries(hpa, {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: v2Spec,
    ...(hpa.status !== undefined || currentMetrics || conditions ? { status: v2Status } : {}),
  });
}
