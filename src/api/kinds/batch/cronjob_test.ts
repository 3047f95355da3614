import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../../types.js';
import { cronJobResource } from './cronjob.js';
import type { Obj } from '../podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = cronJobResource.strategy;

function create(cj: KubeObject): FieldError[] {
  cj.metadata.namespace ??= 'default';
  s.defaults?.(cj, ctx);
  s.prepareForCreate?.(cj, ctx);
  return s.validate?.(cj, ctx) ?? [];
}

function update(cj: KubeObject, old: KubeObject): FieldError[] {
  s.defaults?.(cj, ctx);
  s.prepareForUpdate?.(cj, old, ctx);
  return [...(s.validate?.(cj, ctx) ?? []), ...(s.validateUpdate?.(cj, old, ctx) ?? [])];
}

const cronJob = (spec: Obj = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'tick', creationTimestamp: new Date(now.getTime() - 300_000).toISOString() },
  spec: {
    schedule: '*/1 * * * *',
    jobTemplate: {
      metadata: { name: 'tick' },
      spec: {
        template: {
          spec: { restartPolicy: 'OnFailure', containers: [{ name: 'tick', image: 'busybox' }] },
        },
      },
    },
    ...spec,
  },
});

const specOf = (o: KubeObject): Obj => o.spec as Obj;
const message = (errs: FieldError[], name = 'tick'): string =>
  invalid('CronJob', 'batch', name, errs).message;

void test('defaults as SetDefaults_CronJob; the job template is not defaulted as a Job', () => {
  const cj = cronJob();
  assert.deepEqual(create(cj), []);
  const spec = specOf(cj);
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  const jobSpec = (spec.jobTemplate as Obj).spec as Obj;
  assert.equal(jobSpec.backoffLimit, undefined);
  assert.equal(jobSpec.completions, undefined);
  assert.equal(((jobSpec.template as Obj).spec as Obj).dnsPolicy, 'ClusterFirst');
  assert.deepEqual(cj.status, {});
  assert.equal(cj.metadata.generation, 1);
});

void test('ValidateCronJob, rule by rule, with kube messages', () => {
  const cases: [Obj, string][] = [
    [{ schedule: '' }, 'spec.schedule: Required value'],
    [
      { schedule: '61 * * * *' },
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    ],
    [
      { schedule: 'TZ=UTC */1 * * * *' },
      'spec.schedule: Invalid value: "TZ=UTC */1 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ],
    [
      { timeZone: '' },
      'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string',
    ],
    [
      { timeZone: 'Mars/Olympus' },
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    ],
    [
      { timeZone: '../passwd' },
      'spec.timeZone: Invalid value: "../passwd": unknown time zone ../passwd',
    ],
    [
      { timeZone: 'Local' },
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ],
    [
      { startingDeadlineSeconds: -1 },
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      { concurrencyPolicy: 'Sometimes' },
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ],
    [
      { successfulJobsHistoryLimit: -1 },
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      { failedJobsHistoryLimit: -1 },
      'spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
  ];
  for (const [spec, want] of cases)
    assert.equal(
      message(create(cronJob(spec))),
      `CronJob.batch "tick" is invalid: ${want}`,
      JSON.stringify(spec),
    );
  assert.deepEqual(create(cronJob({ timeZone: 'Europe/Paris' })), []);
});

void test('the job template: its selector is generated, its spec validated as a Job spec', () => {
  const sel = cronJob();
  const jobSpec = (specOf(sel).jobTemplate as Obj).spec as Obj;
  jobSpec.selector = { matchLabels: { a: 'b' } };
  jobSpec.manualSelector = true;
  jobSpec.backoffLimit = -1;
  ((jobSpec.template as Obj).spec as Obj).restartPolicy = 'Always';
  assert.deepEqual(
    create(sel).map((e) => [e.field, e.type, e.detail]),
    [
      [
        'spec.jobTemplate.spec.backoffLimit',
        'FieldValueInvalid',
        'must be greater than or equal to 0',
      ],
      [
        'spec.jobTemplate.spec.template.spec.restartPolicy',
        'FieldValueRequired',
        'valid values: "OnFailure", "Never"',
      ],
      ['spec.jobTemplate.spec.selector', 'FieldValueInvalid', '`selector` will be auto-generated'],
      ['spec.jobTemplate.spec.manualSelector', 'FieldValueNotSupported', undefined],
    ],
  );
});

void test('names: at most 52 characters on create, longer ones stay editable', () => {
  const long = cronJob();
  long.metadata.name = 'a'.repeat(53);
  assert.equal(
    message(create(long), long.metadata.name),
    `CronJob.batch "${'a'.repeat(53)}" is invalid: metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`,
  );
  const edited = structuredClone(long);
  specOf(edited).suspend = true;
  assert.deepEqual(update(edited, long), []);
  assert.equal(edited.metadata.generation, 2);
});

void test('a schedule with TZ= kept from before may stay, but not beside timeZone', () => {
  const old = cronJob({ schedule: 'TZ=UTC 0 * * * *' });
  old.metadata.namespace = 'default';
  s.defaults?.(old, ctx);
  const same = structuredClone(old);
  specOf(same).suspend = true;
  assert.deepEqual(update(same, old), []);
  const both = structuredClone(old);
  specOf(both).timeZone = 'UTC';
  assert.deepEqual(
    update(both, old).map((e) => e.detail),
    ['cannot use both timeZone field and TZ or CRON_TZ in schedule'],
  );
});

void test('the printer: schedule, time zone, suspend, active, last schedule; wide columns', () => {
  const cj = cronJob();
  create(cj);
  assert.deepEqual(
    s.columns?.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Schedule', 'string', 0],
      ['Timezone', 'string', 0],
      ['Suspend', 'boolean', 0],
      ['Active', 'integer', 0],
      ['Last Schedule', 'string', 0],
      ['Age', 'string', 0],
      ['Containers', 'string', 1],
      ['Images', 'string', 1],
      ['Selector', 'string', 1],
    ],
  );
  assert.deepEqual(s.row?.(cj, now), [
    'tick',
    '*/1 * * * *',
    '<none>',
    'False',
    0,
    '<none>',
    '5m',
    'tick',
    'busybox',
    '',
  ]);
  specOf(cj).timeZone = 'Europe/Paris';
  cj.status = { active: [{ name: 'tick-1' }], lastScheduleTime: '2026-01-10T11:59:00Z' };
  assert.deepEqual(s.row?.(cj, now).slice(2, 6), ['Europe/Paris', 'False', 1, '60s']);
});
