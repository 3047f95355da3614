// The printer behind `kubectl get jobs` (pkg/printers/internalversion printJob, 1.33):
// Name, Status, Completions, Duration, Age, and wide Containers, Images, Selector.

import type { KubeObject, TableColumn } from '../../types.js';
import { AGE_COLUMN, NAME_COLUMN, age, humanDuration } from '../../printing.js';
import { selectorOf, selectorString } from '../../labels.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  containerCells,
  int,
  obj,
  objs,
  specOf,
  statusOf,
  str,
} from '../podspec/index.js';

const column = (name: string, description: string, priority = 0): TableColumn => ({
  name,
  type: 'string',
  description,
  priority,
});

export const JOB_SELECTOR_DESCRIPTION =
  'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';

export const JOB_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column('Status', 'Status of the job.'),
  column(
    'Completions',
    'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
  ),
  column('Duration', 'Time required to complete the job.'),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  column('Selector', JOB_SELECTOR_DESCRIPTION, 1),
];

/** Whether a condition of this type is True. */
export function hasCondition(job: KubeObject, type: string): boolean {
  return objs(statusOf(job).conditions).some((c) => c.type === type && c.status === 'True');
}

/** The Status column: the first of these that holds, as printJob orders them. */
export function jobStatusText(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsText(job: KubeObject): string {
  const spec = specOf(job);
  const succeeded = int(statusOf(job).succeeded);
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationText(job: KubeObject, now: Date): string {
  const status = statusOf(job);
  const start = str(status.startTime);
  if (!start) return '';
  const end = str(status.completionTime);
  return humanDuration((end ? Date.parse(end) : now.getTime()) - Date.parse(start));
}

/** labels.Selector.String() of a LabelSelector: '' for none or empty. */
export function selectorText(sel: unknown): string {
  const s = obj(sel) ? selectorOf(sel) : [];
  return s ? selectorString(s) : '';
}

export function jobRow(job: KubeObject, now: Date): unknown[] {
  const spec = specOf(job);
  const [containers, images] = containerCells(obj(spec.template)?.spec);
  return [
    job.metadata.name ?? '',
    jobStatusText(job),
    completionsText(job),
    durationText(job, now),
    age(job.metadata.creationTimestamp, now),
    containers,
    images,
    selectorText(spec.selector),
  ];
}
