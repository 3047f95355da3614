// HorizontalPodAutoscalers: autoscaling/v2 (stored, preferred) and autoscaling/v1 served
// from it. The strategy is kube's autoscaler strategy: a create starts from an empty status,
// an update keeps the status, a status update keeps the spec; HPAs carry no generation
// (kube 1.33's HPAGeneration gate does not exist yet).

import type { ResourceDef, Strategy } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import { servedVersion } from '../../versions.js';
import { keepSpec, keepStatus } from '../replicas.js';
import { defaultHpa, defaultHpaV1 } from './defaults.js';
import { HPA_COLUMNS, hpaRow } from './printer.js';
import { ROUND_TRIP_ANNOTATIONS, hpaFromV1, hpaToV1 } from './v1.js';
import { validateHpa, validateHpaStatus } from './validation.js';

export { formatHpaMetrics } from './printer.js';
export { hpaFromV1, hpaToV1 } from './v1.js';

export const horizontalPodAutoscalerStrategy: Strategy = {
  defaults(hpa) {
    defaultHpa(hpa);
    // v2 round-trips without them: what only v1 needs is never stored.
    const annotations = hpa.metadata.annotations;
    if (annotations && ROUND_TRIP_ANNOTATIONS.some((k) => k in annotations)) {
      for (const k of ROUND_TRIP_ANNOTATIONS) delete annotations[k];
      if (Object.keys(annotations).length === 0) delete hpa.metadata.annotations;
    }
  },
  prepareForCreate(hpa) {
    // The empty v2 status as Go writes it: neither desiredReplicas nor currentMetrics
    // has omitempty.
    hpa.status = { desiredReplicas: 0, currentMetrics: null };
  },
  prepareForUpdate: (hpa, old) => keepStatus(hpa, old),
  validate: (hpa) => validateHpa(hpa),
  columns: HPA_COLUMNS,
  row: hpaRow,
};

export const horizontalPodAutoscalerResource: ResourceDef = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  listKind: 'HorizontalPodAutoscalerList',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: horizontalPodAutoscalerStrategy,
  statusStrategy: {
    prepareForUpdate: keepSpec,
    validateUpdate: (hpa) => validateHpaStatus(hpa),
  },
};

/** autoscaling/v1, from the v2 definition (listed after it: v2 stays preferred). */
export const horizontalPodAutoscalerV1Resource: ResourceDef = servedVersion(
  horizontalPodAutoscalerResource,
  {
    group: 'autoscaling',
    version: 'v1',
    toStorage: hpaFromV1,
    fromStorage: hpaToV1,
    defaults: defaultHpaV1,
  },
);
