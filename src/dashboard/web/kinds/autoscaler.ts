// A horizontal pod autoscaler's targets as `kubectl get hpa` writes them (its TARGETS
// column): `cpu: 12%/80%` for a utilization, `memory: 10Mi/20Mi` for an average value,
// `<unknown>` while the controller has no figure, at most two then `+ N more...`.

import type { KObject } from '../api/reducer.js';

const UNKNOWN = '<unknown>';
const MAX_SHOWN = 2;

type Obj = Record<string, any>;

/** A Resource or ContainerResource metric beside its current figure. */
function resourceText(spec: Obj, status: Obj | undefined): string {
  const target: Obj = spec.target ?? {};
  const current: Obj | undefined = status?.current;
  if (target.averageValue !== undefined)
    return `${spec.name}: ${current?.averageValue ?? UNKNOWN}/${target.averageValue}`;
  const now =
    current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : UNKNOWN;
  const goal = target.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>';
  return `${spec.name}: ${now}/${goal}`;
}

/** A Pods, Object or External metric: current/target value. */
function valueText(spec: Obj, status: Obj | undefined): string {
  const target: Obj = spec.target ?? {};
  const current: Obj | undefined = status?.current;
  if (target.averageValue !== undefined)
    return `${current?.averageValue ?? UNKNOWN}/${target.averageValue}`;
  return `${current?.value ?? UNKNOWN}/${target.value ?? ''}`;
}

export function autoscalerTargets(h: KObject): string {
  const specs: Obj[] = h.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const statuses: Obj[] = h.status?.currentMetrics ?? [];
  const parts = specs.map((spec, i) => {
    const status = statuses[i];
    switch (spec.type) {
      case 'Resource':
        return resourceText(spec.resource ?? {}, status?.resource);
      case 'ContainerResource':
        return resourceText(spec.containerResource ?? {}, status?.containerResource);
      case 'Pods':
        return valueText(spec.pods ?? {}, status?.pods);
      case 'Object':
        return valueText(spec.object ?? {}, status?.object);
      case 'External':
        return valueText(spec.external ?? {}, status?.external);
      default:
        return '<unknown type>';
    }
  });
  if (parts.length <= MAX_SHOWN) return parts.join(', ');
  return `${parts.slice(0, MAX_SHOWN).join(', ')} + ${parts.length - MAX_SHOWN} more...`;
}
