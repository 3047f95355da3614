// CronJobs (batch/v1): SetDefaults_CronJob, the cronjob strategy (status reset, generation on
// spec change), ValidateCronJobCreate/Update (the schedule as robfig/cron parses it, no TZ=
// in new schedules, the time zone from the system database, names of at most 52
// characters, a job template whose selector is generated) and the printer behind
// `kubectl get cronjobs`.

import type { FieldError, KubeObject, ResourceDef, Strategy, TableColumn } from '../../types.js';
import { STANDARD_VERBS } from '../../types.js';
import {
  invalidValue,
  notSupported,
  required,
  validateObjectMeta,
} from '../../validation/common.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../../printing.js';
import { deepCopy, equalIgnoringZeroValues } from '../../json.js';
import {
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  arr,
  child,
  containerCells,
  defaultPodTemplate,
  nonNegative,
  obj,
  specOf,
  statusOf,
  str,
} from '../podspec/index.js';
import type { Obj } from '../podspec/index.js';
import { CronError, parseCron } from './cron.js';
import { knownTimeZone } from './timezone.js';
import { validateJobSpecBody } from './jobspec.js';
import { JOB_SELECTOR_DESCRIPTION, selectorText } from './job-printer.js';

/** The controller appends `-<minutes>` (11 characters) to make a job's name (≤ 63). */
export const MAX_CRONJOB_NAME = 52;
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

function defaultCronJob(cj: KubeObject): void {
  const spec = child(cj as Obj, 'spec');
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (!isSet(spec.suspend)) spec.suspend = false;
  if (!isSet(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (!isSet(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jobTemplate = child(spec, 'jobTemplate');
  // ObjectMeta is a struct with a zero time: Go writes `creationTimestamp: null`.
  const meta = child(jobTemplate, 'metadata');
  if (meta.creationTimestamp === undefined) meta.creationTimestamp = null;
  defaultPodTemplate(child(child(jobTemplate, 'spec'), 'template'));
}

/** validateScheduleFormat. */
function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown): FieldError[] {
  const field = 'spec.schedule';
  const errs: FieldError[] = [];
  try {
    parseCron(schedule, knownTimeZone);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    errs.push(invalidValue(field, schedule, e.message));
  }
  if (allowTZ && schedule.includes('TZ') && isSet(timeZone))
    errs.push(
      invalidValue(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'),
    );
  else if (!allowTZ && schedule.includes('TZ'))
    errs.push(
      invalidValue(
        field,
        schedule,
        'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ),
    );
  return errs;
}

// IANA naming rules (letters, digits, '.', '-', '_', '+'; at most 14 per component).
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone. */
export function validateTimeZone(tz: unknown): FieldError[] {
  const field = 'spec.timeZone';
  if (!isSet(tz)) return [];
  const zone = str(tz);
  if (zone.length === 0)
    return [invalidValue(field, zone, 'timeZone must be nil or non-empty string')];
  for (const part of zone.split('/'))
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part))
      return [invalidValue(field, zone, `unknown time zone ${zone}`)];
  const errs: FieldError[] = [];
  if (zone.toLowerCase() === 'local')
    errs.push(
      invalidValue(
        field,
        zone,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    );
  if (!knownTimeZone(zone)) errs.push(invalidValue(field, zone, `unknown time zone ${zone}`));
  return errs;
}

/** ValidateJobTemplateSpec: the job spec, with no selector of its own. */
function validateJobTemplate(template: Obj): FieldError[] {
  const field = 'spec.jobTemplate.spec';
  const spec = obj(template.spec) ?? {};
  const errs = validateJobSpecBody(spec, field);
  if (isSet(spec.selector))
    errs.push(
      invalidValue(`${field}.selector`, spec.selector, '`selector` will be auto-generated'),
    );
  if (spec.manualSelector === true)
    errs.push(notSupported(`${field}.manualSelector`, true, ['nil', 'false']));
  return errs;
}

/** validateCronJobSpec (oldSpec on update). */
function validateCronJobSpec(spec: Obj, oldSpec: Obj | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(required('spec.schedule'));
  else {
    const allowTZ = oldSpec !== undefined && str(oldSpec.schedule).includes('TZ');
    errs.push(...validateSchedule(schedule, allowTZ, spec.timeZone));
  }
  if (isSet(spec.startingDeadlineSeconds))
    errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (oldSpec === undefined || (oldSpec.timeZone ?? null) !== (spec.timeZone ?? null))
    errs.push(...validateTimeZone(spec.timeZone));
  const policy = spec.concurrencyPolicy;
  if (!policy) errs.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(str(policy)))
    errs.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplate(obj(spec.jobTemplate) ?? {}));
  for (const k of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'])
    if (isSet(spec[k])) errs.push(...nonNegative(spec[k], `spec.${k}`));
  return errs;
}

/** ValidateCronJobCreate. */
function validateCronJob(cj: KubeObject): FieldError[] {
  const errs = [...validateObjectMeta(cj, true), ...validateCronJobSpec(specOf(cj), undefined)];
  const name = cj.metadata.name ?? '';
  if (name.length > MAX_CRONJOB_NAME)
    errs.push(
      invalidValue('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME} characters`),
    );
  return errs;
}

/** ValidateCronJobUpdate: no name limit (older, longer names stay editable). */
function validateCronJobUpdate(cj: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMeta(cj, true), ...validateCronJobSpec(specOf(cj), specOf(old))];
}

/**
 * The stored object an update is measured against, by the object being written: the
 * generic store runs `validate` on updates too, and the create and update rules differ.
 */
const updating = new WeakMap<KubeObject, KubeObject>();

function prepareForUpdate(cj: KubeObject, old: KubeObject): void {
  updating.set(cj, old);
  if (old.status === undefined) delete cj.status;
  else cj.status = deepCopy(old.status);
  const changed = !equalIgnoringZeroValues(cj.spec, old.spec);
  cj.metadata.generation = (old.metadata.generation ?? 1) + (changed ? 1 : 0);
}

const column = (name: string, type: TableColumn['type'], description: string): TableColumn => ({
  name,
  type,
  description,
  priority: 0,
});

export const CRON_JOB_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column(
    'Schedule',
    'string',
    'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.',
  ),
  column(
    'Timezone',
    'string',
    'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
  ),
  column(
    'Suspend',
    'boolean',
    'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.',
  ),
  column('Active', 'integer', 'A list of pointers to currently running jobs.'),
  column(
    'Last Schedule',
    'string',
    'Information when was the last time the job was successfully scheduled.',
  ),
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  { name: 'Selector', type: 'string', description: JOB_SELECTOR_DESCRIPTION, priority: 1 },
];

export function cronJobRow(cj: KubeObject, now: Date): unknown[] {
  const spec = specOf(cj);
  const status = statusOf(cj);
  const jobSpec = obj(obj(spec.jobTemplate)?.spec) ?? {};
  const [containers, images] = containerCells(obj(jobSpec.template)?.spec);
  const last = str(status.lastScheduleTime);
  return [
    cj.metadata.name ?? '',
    str(spec.schedule),
    isSet(spec.timeZone) ? str(spec.timeZone) : '<none>',
    typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : '<unset>',
    arr(status.active).length,
    last ? age(last, now) : '<none>',
    age(cj.metadata.creationTimestamp, now),
    containers,
    images,
    selectorText(jobSpec.selector),
  ];
}

export const cronJobStrategy: Strategy = {
  defaults: (cj) => defaultCronJob(cj),
  prepareForCreate(cj) {
    cj.metadata.generation = 1;
    cj.status = {};
  },
  prepareForUpdate,
  validate(cj) {
    const old = updating.get(cj);
    return old ? validateCronJobUpdate(cj, old) : validateCronJob(cj);
  },
  columns: CRON_JOB_COLUMNS,
  row: cronJobRow,
  tracksGeneration: true,
};

export const cronJobResource: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  listKind: 'CronJobList',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  verbs: [...STANDARD_VERBS],
  subresources: [{ name: 'status', verbs: ['get', 'patch', 'update'] }],
  strategy: cronJobStrategy,
  statusStrategy: {
    prepareForUpdate: (cj, old) => {
      cj.spec = deepCopy(old.spec);
    },
    validateUpdate: () => [],
  },
};
