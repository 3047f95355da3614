import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invalid } from '../../errors.js';
import type { FieldError, KubeObject, StrategyContext } from '../../types.js';
import { jobResource } from './job.js';
import type { Obj } from '../podspec/index.js';

const now = new Date('2026-01-10T12:00:00Z');
const ctx: StrategyContext = { namespace: 'default', now };
const s = jobResource.strategy;
const UID = '0b6c7a3e-1111-4222-8333-444455556666';

/** What the generic store does on create: uid, defaults, prepareForCreate, validate. */
function create(job: KubeObject): FieldError[] {
  job.metadata.namespace ??= 'default';
  job.metadata.uid ??= UID;
  s.defaults?.(job, ctx);
  s.prepareForCreate?.(job, ctx);
  return s.validate?.(job, ctx) ?? [];
}

function update(job: KubeObject, old: KubeObject): FieldError[] {
  s.defaults?.(job, ctx);
  s.prepareForUpdate?.(job, old, ctx);
  return [...(s.validate?.(job, ctx) ?? []), ...(s.validateUpdate?.(job, old, ctx) ?? [])];
}

const job = (spec: Obj = {}, templateLabels?: Record<string, string>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', creationTimestamp: new Date(now.getTime() - 90_000).toISOString() },
  spec: {
    template: {
      ...(templateLabels ? { metadata: { labels: templateLabels } } : {}),
      spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'busybox' }] },
    },
    ...spec,
  },
});

const specOf = (j: KubeObject): Obj => j.spec as Obj;
const templateOf = (j: KubeObject): Obj => specOf(j).template as Obj;
const message = (errs: FieldError[], name = 'pi'): string =>
  invalid('Job', 'batch', name, errs).message;

void test('defaults as SetDefaults_Job', () => {
  const j = job();
  assert.deepEqual(create(j), []);
  const spec = specOf(j);
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.equal(spec.manualSelector, false);
  assert.equal((templateOf(j).spec as Obj).dnsPolicy, 'ClusterFirst');

  // Parallelism alone leaves completions unset (a work queue); per-index back-off has no limit.
  const queue = job({ parallelism: 3 });
  create(queue);
  assert.equal(specOf(queue).completions, undefined);
  const perIndex = job({ completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1 });
  create(perIndex);
  assert.equal(specOf(perIndex).backoffLimit, 2147483647);
  const withPolicy = job({
    podFailurePolicy: {
      rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }],
    },
  });
  assert.deepEqual(create(withPolicy), []);
  assert.equal(specOf(withPolicy).podReplacementPolicy, 'Failed');
  assert.deepEqual(
    ((specOf(withPolicy).podFailurePolicy as Obj).rules as Obj[])[0]?.onPodConditions,
    [{ type: 'DisruptionTarget', status: 'True' }],
  );
});

void test('the generated selector and labels, as the job strategy writes them', () => {
  const j = job();
  assert.deepEqual(create(j), []);
  assert.deepEqual(specOf(j).selector, {
    matchLabels: { 'batch.kubernetes.io/controller-uid': UID },
  });
  assert.deepEqual((templateOf(j).metadata as Obj).labels, {
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': UID,
    'batch.kubernetes.io/controller-uid': UID,
  });
  assert.equal(j.metadata.labels, undefined);
  assert.deepEqual(j.status, {});
  assert.equal(j.metadata.generation, 1);

  // Template labels become the job's, and (one map in Go) so do the generated ones.
  const labelled = job({}, { app: 'pi' });
  create(labelled);
  assert.deepEqual(labelled.metadata.labels, {
    app: 'pi',
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': UID,
    'batch.kubernetes.io/controller-uid': UID,
  });
});

void test('a hand-written selector is refused unless manualSelector is set', () => {
  const j = job({ selector: { matchLabels: { app: 'x' } } }, { app: 'x' });
  assert.equal(
    message(create(j)),
    'Job.batch "pi" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"0b6c7a3e-1111-4222-8333-444455556666"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated',
  );
  const manual = job(
    { manualSelector: true, selector: { matchLabels: { app: 'x' } } },
    { app: 'x' },
  );
  assert.deepEqual(create(manual), []);
  assert.deepEqual(specOf(manual).selector, { matchLabels: { app: 'x' } });

  const mismatch = job(
    { manualSelector: true, selector: { matchLabels: { app: 'y' } } },
    { app: 'x' },
  );
  assert.deepEqual(
    create(mismatch).map((e) => [e.field, e.detail]),
    [['spec.template.metadata.labels', '`selector` does not match template `labels`']],
  );
  const none = job({ manualSelector: true });
  assert.deepEqual(
    create(none).map((e) => [e.field, e.type]),
    [
      ['spec.selector', 'FieldValueRequired'],
      ['spec.template.metadata.labels', 'FieldValueInvalid'],
    ],
  );
  const wrongUid = job({}, { 'controller-uid': 'other' });
  assert.deepEqual(
    create(wrongUid).map((e) => [e.field, e.detail]),
    [['spec.template.metadata.labels[controller-uid]', `must be '${UID}'`]],
  );
});

void test('ValidateJob, rule by rule, with kube messages', () => {
  const cases: [Obj, string][] = [
    [
      { parallelism: -1 },
      'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      { completions: -2 },
      'spec.completions: Invalid value: -2: must be greater than or equal to 0',
    ],
    [
      { activeDeadlineSeconds: -1 },
      'spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      { backoffLimit: -1 },
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      { ttlSecondsAfterFinished: -5 },
      'spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0',
    ],
    [
      { completionMode: 'Sometimes' },
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    ],
    [
      { completionMode: 'Indexed', completions: null, parallelism: 2 },
      'spec.completions: Required value: when completion mode is Indexed',
    ],
    [
      { completionMode: 'Indexed', completions: 5, parallelism: 100001 },
      'spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed',
    ],
    [
      { backoffLimitPerIndex: 1 },
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    ],
    [
      { completionMode: 'Indexed', completions: 2, maxFailedIndexes: 1 },
      'spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified',
    ],
    [
      { completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1, maxFailedIndexes: 3 },
      'spec.maxFailedIndexes: Invalid value: 3: must be less than or equal to completions',
    ],
    [
      { podReplacementPolicy: 'Sometimes' },
      'spec.podReplacementPolicy: Unsupported value: "Sometimes": supported values: "TerminatingOrFailed", "Failed"',
    ],
  ];
  for (const [spec, want] of cases)
    assert.equal(
      message(create(job(spec))),
      `Job.batch "pi" is invalid: ${want}`,
      JSON.stringify(spec),
    );
});

void test('pods of a job restart OnFailure or Never', () => {
  const always = job();
  (templateOf(always).spec as Obj).restartPolicy = 'Always';
  assert.equal(
    message(create(always)),
    'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  );
  const unset = job();
  delete (templateOf(unset).spec as Obj).restartPolicy;
  assert.equal(message(create(unset)), message(create(always)));
  const odd = job();
  (templateOf(odd).spec as Obj).restartPolicy = 'Sometimes';
  assert.equal(
    message(create(odd)),
    // The pod spec's own rule speaks first, as in kube.
    'Job.batch "pi" is invalid: [spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never", spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"]',
  );
  const onFailure = job({ podFailurePolicy: { rules: [] } });
  (templateOf(onFailure).spec as Obj).restartPolicy = 'OnFailure';
  assert.equal(
    message(create(onFailure)),
    'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
  );
});

void test('validatePodFailurePolicy: actions, exit codes, condition patterns', () => {
  const policy = (rules: unknown[], extra: Obj = {}): KubeObject =>
    job({ podFailurePolicy: { rules }, ...extra });
  const cases: [unknown[], string][] = [
    [
      [{ onExitCodes: { operator: 'In', values: [1] } }],
      'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
    ],
    [
      [{ action: 'Explode', onExitCodes: { operator: 'In', values: [1] } }],
      'spec.podFailurePolicy.rules[0].action: Unsupported value: "Explode": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
    ],
    [
      [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }],
      'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
    ],
    [
      [{ action: 'FailJob', onExitCodes: { values: [1] } }],
      'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]',
    ],
    [
      [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [] } }],
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{}: at least one value is required',
    ],
    [
      [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0] } }],
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    ],
    [
      [{ action: 'FailJob', onExitCodes: { operator: 'NotIn', values: [3, 3] } }],
      'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 3',
    ],
    [
      [{ action: 'FailJob', onExitCodes: { containerName: 'nope', operator: 'In', values: [1] } }],
      'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
    ],
    [
      [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] }],
      'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
    ],
  ];
  for (const [rules, want] of cases)
    assert.equal(
      message(create(policy(rules))),
      `Job.batch "pi" is invalid: ${want}`,
      JSON.stringify(rules),
    );
  assert.equal(
    message(create(policy([{ action: 'Ignore' }]))),
    'Job.batch "pi" is invalid: spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
  );
  const both = create(
    policy([
      {
        action: 'Ignore',
        onExitCodes: { operator: 'In', values: [1] },
        onPodConditions: [{ type: 'DisruptionTarget' }],
      },
    ]),
  );
  assert.deepEqual(
    both.map((e) => [e.field, e.type]),
    [['spec.podFailurePolicy.rules[0]', 'FieldValueInvalid']],
  );
  assert.equal(
    message(both),
    'Job.batch "pi" is invalid: spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
  );
  const unordered = create(
    policy([{ action: 'Count', onExitCodes: { operator: 'NotIn', values: [5, 2] } }]),
  );
  assert.deepEqual(
    unordered.map((e) => [e.field, e.detail]),
    [['spec.podFailurePolicy.rules[0].onExitCodes.values', 'must be ordered']],
  );
  assert.deepEqual(
    create(
      policy([
        {
          action: 'FailJob',
          onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 42] },
        },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
      ]),
    ),
    [],
  );
});

void test('an Indexed job whose last pod hostname is no DNS label is refused', () => {
  const j = job({ completionMode: 'Indexed', completions: 100 });
  j.metadata.name = 'a'.repeat(62);
  assert.deepEqual(
    create(j).map((e) => [e.field, e.detail]),
    [['metadata.name', `will not able to create pod with invalid DNS label: ${'a'.repeat(62)}-99`]],
  );
});

void test('ValidateJobUpdate: selector, completions, completion mode and the template are immutable', () => {
  const old = job();
  create(old);
  const changed = structuredClone(old);
  specOf(changed).completions = 3;
  (templateOf(changed).spec as Obj).containers = [{ name: 'pi', image: 'busybox:2' }];
  const errs = update(changed, old);
  assert.deepEqual(
    errs.map((e) => [e.field, e.detail]),
    [
      ['spec.completions', 'field is immutable'],
      ['spec.template', 'field is immutable'],
    ],
  );
  const mode = structuredClone(old);
  specOf(mode).completionMode = 'Indexed';
  assert.deepEqual(
    update(mode, old).map((e) => [e.field, e.detail]),
    [['spec.completionMode', 'field is immutable']],
  );
  const sel = structuredClone(old);
  specOf(sel).selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': UID, x: 'y' } };
  assert.ok(
    update(sel, old).some((e) => e.field === 'spec.selector' && e.detail === 'field is immutable'),
  );

  // Parallelism, suspend and the deadline may change; the generation follows the spec.
  const scaled = structuredClone(old);
  specOf(scaled).parallelism = 4;
  specOf(scaled).suspend = true;
  assert.deepEqual(update(scaled, old), []);
  assert.equal(scaled.metadata.generation, 2);
});

void test('a suspended job that never started may change its scheduling directives', () => {
  const old = job({ suspend: true });
  create(old);
  const moved = structuredClone(old);
  const podSpec = templateOf(moved).spec as Obj;
  podSpec.nodeSelector = { zone: 'a' };
  podSpec.tolerations = [{ key: 'k', operator: 'Exists' }];
  (templateOf(moved).metadata as Obj).annotations = { a: 'b' };
  assert.deepEqual(update(moved, old), []);

  const started = structuredClone(old);
  started.status = { startTime: now.toISOString() };
  const again = structuredClone(started);
  (templateOf(again).spec as Obj).nodeSelector = { zone: 'a' };
  assert.deepEqual(
    update(again, started).map((e) => e.field),
    ['spec.template'],
  );
  // Images never change, suspended or not.
  const image = structuredClone(old);
  (templateOf(image).spec as Obj).containers = [{ name: 'pi', image: 'other' }];
  assert.deepEqual(
    update(image, old).map((e) => e.field),
    ['spec.template'],
  );
});

void test('an Indexed job changes completions only with parallelism', () => {
  const old = job({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
  create(old);
  const both = structuredClone(old);
  specOf(both).completions = 5;
  specOf(both).parallelism = 5;
  assert.deepEqual(update(both, old), []);
  const alone = structuredClone(old);
  specOf(alone).completions = 5;
  assert.deepEqual(
    update(alone, old).map((e) => [e.field, e.detail]),
    [['spec.completions', 'can only be modified in tandem with spec.parallelism']],
  );
});

void test('status: writes through the status subresource keep the spec; counters are non-negative', () => {
  const old = job();
  create(old);
  const st = jobResource.statusStrategy;
  assert.ok(st);
  const next = structuredClone(old);
  specOf(next).parallelism = 9;
  next.status = { active: -1, succeeded: 1, uncountedTerminatedPods: { failed: ['a', 'a'] } };
  st.prepareForUpdate(next, old);
  assert.equal(specOf(next).parallelism, 1);
  assert.deepEqual(
    st.validateUpdate(next, old).map((e) => [e.field, e.type]),
    [
      ['status.active', 'FieldValueInvalid'],
      ['status.uncountedTerminatedPods.failed[1]', 'FieldValueDuplicate'],
    ],
  );
  // Counters never go down; a terminal condition is never switched off.
  const done = structuredClone(old);
  done.status = { failed: 2, succeeded: 1, conditions: [{ type: 'Failed', status: 'True' }] };
  const back = structuredClone(done);
  back.status = { failed: 1, succeeded: 0, conditions: [{ type: 'Failed', status: 'False' }] };
  assert.equal(
    invalid('Job', 'batch', 'pi', st.validateUpdate(back, done)).message,
    'Job.batch "pi" is invalid: [status.conditions: Invalid value: cannot disable the terminal Failed=True condition, status.failed: Invalid value: 1: cannot decrease the failed counter, status.succeeded: Invalid value: 0: cannot decrease the succeeded counter]',
  );
  const onward = structuredClone(done);
  onward.status = { failed: 3, succeeded: 1, conditions: [{ type: 'Failed', status: 'True' }] };
  assert.deepEqual(st.validateUpdate(onward, done), []);
  // A main-resource update keeps the stored status.
  const user = structuredClone(old);
  user.status = { succeeded: 5 };
  update(user, old);
  assert.deepEqual(user.status, {});
});

void test('the printer: Status, Completions and Duration as printJob writes them, wide columns', () => {
  const j = job();
  create(j);
  const row = (o: KubeObject): unknown[] => s.row?.(o, now) ?? [];
  assert.deepEqual(
    s.columns?.map((c) => [c.name, c.priority]),
    [
      ['Name', 0],
      ['Status', 0],
      ['Completions', 0],
      ['Duration', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ],
  );
  assert.deepEqual(row(j), [
    'pi',
    'Running',
    '0/1',
    '',
    '90s',
    'pi',
    'busybox',
    `batch.kubernetes.io/controller-uid=${UID}`,
  ]);
  j.status = {
    startTime: '2026-01-10T11:59:00Z',
    completionTime: '2026-01-10T11:59:07Z',
    succeeded: 1,
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True' },
      { type: 'Complete', status: 'True' },
    ],
  };
  assert.deepEqual(row(j).slice(1, 4), ['Complete', '1/1', '7s']);
  j.status = {
    startTime: '2026-01-10T11:58:00Z',
    conditions: [{ type: 'Failed', status: 'True' }],
  };
  assert.deepEqual(row(j).slice(1, 4), ['Failed', '0/1', '2m']);
  j.status = { conditions: [{ type: 'Suspended', status: 'True' }] };
  assert.equal(row(j)[1], 'Suspended');
  j.status = { conditions: [{ type: 'FailureTarget', status: 'True' }] };
  assert.equal(row(j)[1], 'FailureTarget');
  j.metadata.deletionTimestamp = now.toISOString();
  assert.equal(row(j)[1], 'Terminating');

  const queue = job({ parallelism: 3 });
  create(queue);
  assert.equal(row(queue)[2], '0/1 of 3');
});
