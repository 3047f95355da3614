// Invalid Jobs and CronJobs against a real server: each refusal is a 422 Invalid with
// kube-apiserver's message and causes, and nothing stored changes. Then seeded fuzz loops:
// generated Jobs and CronJobs created, and specs written over an existing Job, answered only
// with 201/200, 422 or the decoder's 400, a refused write leaving everything as it was.
// Every Job here is suspended and every CronJob too, so the controllers start nothing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prng } from '../support/prng.js';
import { eventually } from '../support/eventually.js';
import { assertStatus, startAbuseServer, type AbuseServer, type RawResponse } from './support.js';

const NS = 'batch-abuse';
const BATCH = `/apis/batch/v1/namespaces/${NS}`;
const JOBS = `${BATCH}/jobs`;
const CRON_JOBS = `${BATCH}/cronjobs`;
const LISTS = [JOBS, CRON_JOBS, `/api/v1/namespaces/${NS}/pods`];

let server: AbuseServer;

const podTemplate = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }], ...extra },
});

const job = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: { suspend: true, template: podTemplate(), ...spec },
});

const cronJob = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name },
  spec: {
    schedule: '*/1 * * * *',
    suspend: true,
    jobTemplate: { spec: { template: podTemplate() } },
    ...spec,
  },
});

const send = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  server.sendJson(method, path, body);

/** Runs `attempt` and checks that nothing stored changed. */
const unchanged = (attempt: () => Promise<void>): Promise<void> => server.unchanged(LISTS, attempt);

async function refused(method: string, path: string, body: unknown, message: string | RegExp) {
  await unchanged(async () => {
    const res = await send(method, path, body);
    assertStatus(res, 422, 'Invalid');
    if (typeof message === 'string') assert.equal(res.json.message, message);
    else assert.match(res.json.message, message);
  });
}

before(async () => {
  server = startAbuseServer();
  const ns = await send('POST', '/api/v1/namespaces', { metadata: { name: NS } });
  assert.equal(ns.status, 201, ns.text);
  const target = await send('POST', JOBS, job('target', { parallelism: 2, completions: 4 }));
  assert.equal(target.status, 201, target.text);
  // The Job controller marks it Suspended once; after that it leaves it alone.
  await eventually(async () => {
    const res = await send('GET', `${JOBS}/target`);
    return (res.json.status?.conditions ?? []).some((c: { type: string }) => c.type === 'Suspended')
      ? true
      : undefined;
  }, 'the target job marked Suspended');
  const cj = await send('POST', CRON_JOBS, cronJob('every'));
  assert.equal(cj.status, 201, cj.text);
});
after(() => server?.stop());

describe('jobs', () => {
  it('refuses pods that restart Always, with the cause kube gives', async () => {
    await unchanged(async () => {
      const res = await send(
        'POST',
        JOBS,
        job('x', { template: podTemplate({ restartPolicy: 'Always' }) }),
      );
      assertStatus(res, 422, 'Invalid');
      assert.equal(
        res.json.message,
        'Job.batch "x" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      );
      assert.deepEqual(res.json.details, {
        name: 'x',
        group: 'batch',
        kind: 'Job',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: valid values: "OnFailure", "Never"',
            field: 'spec.template.spec.restartPolicy',
          },
        ],
      });
    });
  });

  it('refuses negative counts and limits', async () => {
    for (const field of [
      'parallelism',
      'completions',
      'backoffLimit',
      'activeDeadlineSeconds',
      'ttlSecondsAfterFinished',
    ])
      await refused(
        'POST',
        JOBS,
        job('x', { [field]: -1 }),
        `Job.batch "x" is invalid: spec.${field}: Invalid value: -1: must be greater than or equal to 0`,
      );
  });

  it('refuses a selector of its own unless manualSelector is set', () =>
    refused(
      'POST',
      JOBS,
      job('x', {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, ...podTemplate() },
      }),
      /^Job\.batch "x" is invalid: spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"x", "batch\.kubernetes\.io\/controller-uid":"[0-9a-f-]{36}"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: `selector` not auto-generated$/,
    ));

  it('refuses an Indexed job without completions, and per-index back-off without Indexed', async () => {
    await refused(
      'POST',
      JOBS,
      job('x', { completionMode: 'Indexed', parallelism: 2 }),
      'Job.batch "x" is invalid: spec.completions: Required value: when completion mode is Indexed',
    );
    await refused(
      'POST',
      JOBS,
      job('x', { backoffLimitPerIndex: 1 }),
      'Job.batch "x" is invalid: spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    );
    await refused(
      'POST',
      JOBS,
      job('x', { completionMode: 'Sometimes' }),
      'Job.batch "x" is invalid: spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    );
  });

  it('refuses an Indexed job whose pods could not be named', () =>
    refused(
      'POST',
      JOBS,
      {
        ...job('x', { completionMode: 'Indexed', completions: 10 }),
        metadata: { name: 'j'.repeat(62) },
      },
      `Job.batch "${'j'.repeat(62)}" is invalid: metadata.name: Invalid value: "${'j'.repeat(62)}": will not able to create pod with invalid DNS label: ${'j'.repeat(62)}-9`,
    ));

  it('keeps the selector, completions, completion mode and (once started) the template', async () => {
    const cur = (await send('GET', `${JOBS}/target`)).json;
    const withSelector = structuredClone(cur);
    withSelector.spec.selector.matchLabels.extra = 'y';
    await refused(
      'PUT',
      `${JOBS}/target`,
      withSelector,
      // A selector of its own is also not the generated one, and no longer matches the labels.
      /^Job\.batch "target" is invalid: \[spec\.selector: .*: `selector` not auto-generated, spec\.template\.metadata\.labels: .*: `selector` does not match template `labels`, spec\.selector: Invalid value: .*: field is immutable\]$/,
    );
    const completions = structuredClone(cur);
    completions.spec.completions = 5;
    await refused(
      'PUT',
      `${JOBS}/target`,
      completions,
      'Job.batch "target" is invalid: spec.completions: Invalid value: 5: field is immutable',
    );
    const mode = structuredClone(cur);
    mode.spec.completionMode = 'Indexed';
    await refused(
      'PUT',
      `${JOBS}/target`,
      mode,
      /spec\.completionMode: Invalid value: "Indexed": field is immutable/,
    );
    // Suspended and never started: the image is still not the scheduling's to change.
    const image = structuredClone(cur);
    image.spec.template.spec.containers[0].image = 'other';
    await refused(
      'PUT',
      `${JOBS}/target`,
      image,
      /^Job\.batch "target" is invalid: spec\.template: Invalid value: .*: field is immutable$/,
    );
  });

  it('refuses negative counters on the status subresource', async () => {
    const cur = (await send('GET', `${JOBS}/target`)).json;
    const body = structuredClone(cur);
    body.status.active = -1;
    await refused(
      'PUT',
      `${JOBS}/target/status`,
      body,
      'Job.batch "target" is invalid: status.active: Invalid value: -1: must be greater than or equal to 0',
    );
  });
});

describe('cronjobs', () => {
  it('refuses schedules robfig/cron refuses, with its words', async () => {
    const cases: [string, string][] = [
      ['61 * * * *', 'end of range (61) above maximum (59): 61'],
      ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ];
    for (const [schedule, why] of cases)
      await refused(
        'POST',
        CRON_JOBS,
        cronJob('x', { schedule }),
        `CronJob.batch "x" is invalid: spec.schedule: Invalid value: "${schedule}": ${why}`,
      );
  });

  it('refuses TZ= in a new schedule and unknown time zones', async () => {
    await refused(
      'POST',
      CRON_JOBS,
      cronJob('x', { schedule: 'TZ=UTC 0 * * * *' }),
      'CronJob.batch "x" is invalid: spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    );
    await refused(
      'POST',
      CRON_JOBS,
      cronJob('x', { timeZone: 'Mars/Olympus' }),
      'CronJob.batch "x" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    );
    const ok = await send('POST', CRON_JOBS, cronJob('paris', { timeZone: 'Europe/Paris' }));
    assert.equal(ok.status, 201, ok.text);
  });

  it('refuses names longer than 52 characters', () =>
    refused(
      'POST',
      CRON_JOBS,
      { ...cronJob('x'), metadata: { name: 'c'.repeat(53) } },
      `CronJob.batch "${'c'.repeat(53)}" is invalid: metadata.name: Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`,
    ));

  it('refuses a job template with a selector, and an unknown concurrency policy', async () => {
    await refused(
      'POST',
      CRON_JOBS,
      cronJob('x', {
        jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate() } },
      }),
      /^CronJob\.batch "x" is invalid: spec\.jobTemplate\.spec\.selector: Invalid value: .*: `selector` will be auto-generated$/,
    );
    await refused(
      'POST',
      CRON_JOBS,
      cronJob('x', { concurrencyPolicy: 'Sometimes' }),
      'CronJob.batch "x" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    );
  });
});

describe('deleting a job', () => {
  const OWN = 'batch-abuse-delete';
  const OWN_JOBS = `/apis/batch/v1/namespaces/${OWN}/jobs`;
  const OWN_PODS = `/api/v1/namespaces/${OWN}/pods`;
  const WARNING =
    '299 - "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"';
  const podsOf = async (name: string): Promise<any[]> =>
    (await send('GET', `${OWN_PODS}?labelSelector=job-name%3D${name}`)).json.items;

  before(async () => {
    const ns = await send('POST', '/api/v1/namespaces', { metadata: { name: OWN } });
    assert.equal(ns.status, 201, ns.text);
  });

  it('without a propagation policy keeps its pods (batch/v1), and says so', async () => {
    const created = await send('POST', OWN_JOBS, job('kept', { suspend: false }));
    assert.equal(created.status, 201, created.text);
    await eventually(
      async () => ((await podsOf('kept')).length === 1 ? true : undefined),
      'its pod',
    );
    const res = await send('DELETE', `${OWN_JOBS}/kept`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['warning'], WARNING);
    // Orphaned: no owner, no tracking finalizer, still there.
    const [pod] = await eventually(async () => {
      const ps = await podsOf('kept');
      return ps.length === 1 && !ps[0].metadata.ownerReferences && !ps[0].metadata.finalizers
        ? ps
        : undefined;
    }, 'the pod orphaned and let go');
    assert.equal(pod.metadata.deletionTimestamp, undefined);
    assert.equal((await send('GET', `${OWN_JOBS}/kept`)).status, 404);
  });

  it('with propagationPolicy Background takes its pods, without a warning', async () => {
    const created = await send('POST', OWN_JOBS, job('gone', { suspend: false }));
    assert.equal(created.status, 201, created.text);
    await eventually(
      async () => ((await podsOf('gone')).length === 1 ? true : undefined),
      'its pod',
    );
    const res = await send('DELETE', `${OWN_JOBS}/gone`, { propagationPolicy: 'Background' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['warning'], undefined);
    await eventually(
      async () => ((await podsOf('gone')).length === 0 ? true : undefined),
      'the pod gone',
    );
  });
});

describe('generated jobs and cronjobs (seeded)', () => {
  const random = prng(20261207);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const COUNTS = [undefined, null, 0, 1, 3, -1, 100001, 1.5, '2', true];
  const MODES = [undefined, 'NonIndexed', 'Indexed', 'indexed', '', 7];
  const POLICIES = [undefined, 'Always', 'OnFailure', 'Never', 'never'];
  const REPLACEMENT = [undefined, 'TerminatingOrFailed', 'Failed', 'Sometimes'];
  const SCHEDULES = [
    '*/1 * * * *',
    '0 0 * * *',
    '@hourly',
    '@every 90s',
    '60 * * * *',
    '* * *',
    'x y z a b',
    '1-2-3 * * * *',
    '5/0 * * * *',
    '',
    'TZ=UTC * * * * *',
    '* * 31 2 *',
    'MON * * * *',
    '0 0 * JAN-MAR SUN',
  ];
  const ZONES = [
    undefined,
    'UTC',
    'Europe/Paris',
    'Nowhere/Place',
    '',
    'Local',
    '../etc',
    'America/Argentina/Buenos_Aires',
  ];

  /** 422 for invalid values; 400 for values of the wrong JSON type (the decoder's refusal). */
  const refusedAsKube = (res: RawResponse, kind: string): void => {
    if (res.status === 400) {
      assertStatus(res, 400, 'BadRequest');
      assert.match(
        res.json.message,
        new RegExp(`^${kind} in version "v1" cannot be handled as a ${kind}: `),
      );
      return;
    }
    assertStatus(res, 422, 'Invalid');
    assert.ok(res.json.details.causes.length > 0, res.text);
  };

  const jobSpec = (): Record<string, unknown> => {
    const spec: Record<string, unknown> = {};
    for (const k of [
      'parallelism',
      'completions',
      'backoffLimit',
      'activeDeadlineSeconds',
      'backoffLimitPerIndex',
      'maxFailedIndexes',
    ])
      if (random() < 0.35) spec[k] = pick(COUNTS);
    const mode = pick(MODES);
    if (mode !== undefined) spec['completionMode'] = mode;
    const replacement = pick(REPLACEMENT);
    if (replacement !== undefined) spec['podReplacementPolicy'] = replacement;
    const policy = pick(POLICIES);
    spec['template'] = podTemplate(policy === undefined ? {} : { restartPolicy: policy });
    if (policy === undefined)
      delete (spec['template'] as { spec: Record<string, unknown> }).spec['restartPolicy'];
    return spec;
  };

  it('creates or refuses 150 generated jobs, never anything else', async () => {
    for (let i = 0; i < 150; i++) {
      const name = `gen-${i}`;
      const before = await server.snapshot(LISTS);
      const res = await send('POST', JOBS, job(name, jobSpec()));
      if (res.status === 201) {
        assert.equal(res.json.metadata.generation, 1);
        assert.equal(res.json.spec.template.metadata.labels['batch.kubernetes.io/job-name'], name);
        const del = await send('DELETE', `${JOBS}/${name}`, { propagationPolicy: 'Background' });
        assert.equal(del.status, 200, del.text);
        continue;
      }
      refusedAsKube(res, 'Job');
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
  });

  it('updates or refuses 80 generated specs over an existing job', async () => {
    for (let i = 0; i < 80; i++) {
      const cur = (await send('GET', `${JOBS}/target`)).json;
      const body = structuredClone(cur);
      const generated = jobSpec();
      for (const k of [
        'parallelism',
        'completions',
        'backoffLimit',
        'activeDeadlineSeconds',
        'completionMode',
      ])
        if (k in generated) body.spec[k] = generated[k];
      if (random() < 0.3) body.spec.template.spec.restartPolicy = pick(POLICIES) ?? 'Never';
      const before = await server.snapshot(LISTS);
      const res = await send('PUT', `${JOBS}/target`, body);
      if (res.status === 200) {
        assert.ok(res.json.metadata.generation >= cur.metadata.generation);
        continue;
      }
      refusedAsKube(res, 'Job');
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
  });

  it('creates or refuses 150 generated cronjobs, never anything else', async () => {
    for (let i = 0; i < 150; i++) {
      const name = `gen-${i}`;
      const zone = pick(ZONES);
      const spec: Record<string, unknown> = { schedule: pick(SCHEDULES) };
      if (zone !== undefined) spec['timeZone'] = zone;
      if (random() < 0.3) spec['startingDeadlineSeconds'] = pick(COUNTS);
      if (random() < 0.3)
        spec['concurrencyPolicy'] = pick(['Allow', 'Forbid', 'Replace', 'allow', '']);
      if (random() < 0.3) spec['successfulJobsHistoryLimit'] = pick(COUNTS);
      if (random() < 0.3) spec['jobTemplate'] = { spec: jobSpec() };
      const before = await server.snapshot(LISTS);
      const res = await send('POST', CRON_JOBS, cronJob(name, spec));
      if (res.status === 201) {
        const del = await send('DELETE', `${CRON_JOBS}/${name}`);
        assert.equal(del.status, 200, del.text);
        continue;
      }
      refusedAsKube(res, 'CronJob');
      assert.deepEqual(await server.snapshot(LISTS), before, `request ${i}`);
    }
  });
});
