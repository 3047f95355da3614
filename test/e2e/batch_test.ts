// End-to-end: Jobs and CronJobs as kubectl 1.27, 1.30 and 1.33 use them, on a cluster whose
// node really runs the pods (busybox under runc, in the cluster's own network namespace):
// `kubectl create job` runs to Complete, a failing job stops at its backoffLimit, parallel
// completions, an Indexed job, `kubectl create cronjob` and `create job --from=cronjob/…`,
// and deleting a job deletes its pods. The schedule itself is proven by the CronJob
// controller's test, on a clock of its own: nothing here waits for a minute to pass.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  AGE,
  VERSIONS,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  until,
  type TestCluster,
} from './harness.js';

const versions = VERSIONS.filter(hasKubectl);
const TOOL = versions[versions.length - 1] ?? 33;
const skip = !versions.length ? 'no kubectl is installed' : (nodeSkipReason() ?? false);
const BUSYBOX = IMAGES.busybox;

describe('Jobs and CronJobs', { skip }, () => {
  let c: TestCluster;
  const kubectl = (v: number, args: string[], input?: string) =>
    c.kubectl(v, args, { timeoutMs: 150_000, ...(input === undefined ? {} : { input }) });
  const table = async (v: number, args: string[]): Promise<Record<string, string>[]> =>
    parseTable(ok(await kubectl(v, args)));
  const jsonpath = async (args: string[], path: string): Promise<string> =>
    ok(await kubectl(TOOL, [...args, '-o', `jsonpath=${path}`]));

  before(async () => {
    const images = await ensureTestImages({ images: [BUSYBOX] });
    c = startNodeCluster({ images: [images.archives[BUSYBOX]!] });
  });
  after(() => {
    if (c) spawnSync('chattr', ['-R', '-i', join(c.dataDir, 'pods')], { timeout: 10_000 });
    c?.stop();
  });

  for (const v of versions)
    test(`kubectl 1.${v}: create job runs to Complete; get, get -o wide, logs, describe`, async () => {
      const name = `pi-${v}`;
      ok(
        await kubectl(v, [
          'create',
          'job',
          name,
          `--image=${BUSYBOX}`,
          '--',
          'sh',
          '-c',
          'echo done',
        ]),
      );
      ok(await kubectl(v, ['wait', '--for=condition=complete', `job/${name}`, '--timeout=120s']));
      assert.equal(ok(await kubectl(v, ['logs', `job/${name}`])).trim(), 'done');

      const out = ok(await kubectl(v, ['get', 'job', name]));
      assert.match(out.split('\n')[0] ?? '', /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
      const [row] = parseTable(out);
      assert.equal(row?.['STATUS'], 'Complete');
      assert.equal(row?.['COMPLETIONS'], '1/1');
      assert.match(row?.['DURATION'] ?? '', new RegExp(`^${AGE}$`));
      assert.match(row?.['AGE'] ?? '', new RegExp(`^${AGE}$`));

      const uid = await jsonpath(['get', 'job', name], '{.metadata.uid}');
      const wideOut = ok(await kubectl(v, ['get', 'job', name, '-o', 'wide']));
      assert.match(
        wideOut.split('\n')[0] ?? '',
        /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/,
      );
      const [wide] = parseTable(wideOut);
      assert.deepEqual(
        [wide?.['CONTAINERS'], wide?.['IMAGES'], wide?.['SELECTOR']],
        [name, BUSYBOX, `batch.kubernetes.io/controller-uid=${uid}`],
      );

      // The pod carries the generated labels, and lost its tracking finalizer once counted.
      const pods = await table(v, ['get', 'pods', '-l', `job-name=${name}`]);
      assert.deepEqual(
        pods.map((p) => p['STATUS']),
        ['Completed'],
      );
      assert.match(pods[0]?.['NAME'] ?? '', new RegExp(`^${name}-[a-z0-9]{5}$`));
      assert.equal(
        await jsonpath(
          ['get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`],
          '{.items[0].metadata.finalizers}',
        ),
        '',
      );
      assert.equal(
        await jsonpath(
          ['get', 'job', name],
          '{.status.conditions[*].type} {.status.succeeded} {.status.uncountedTerminatedPods}',
        ),
        'SuccessCriteriaMet Complete 1 {}',
      );

      // Jobs are in the `all` category.
      assert.match(
        ok(await kubectl(v, ['get', 'all'])),
        new RegExp(`^job\\.batch/${name}\\s`, 'm'),
      );

      const described = ok(await kubectl(v, ['describe', 'job', name]));
      assert.match(described, /Completions:\s+1\n/);
      assert.match(described, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
      assert.match(
        described,
        /Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: pi-/,
      );
      assert.match(described, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
    });

  test('a failing job retries after a back-off, then fails with BackoffLimitExceeded', async () => {
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        `apiVersion: batch/v1
kind: Job
metadata:
  name: bad
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: bad
        image: ${BUSYBOX}
        command: ["sh", "-c", "echo failing; exit 3"]
`,
      ),
    );
    ok(await kubectl(TOOL, ['wait', '--for=condition=failed', 'job/bad', '--timeout=120s']));
    const [row] = await table(TOOL, ['get', 'job', 'bad']);
    assert.deepEqual([row?.['STATUS'], row?.['COMPLETIONS']], ['Failed', '0/1']);
    assert.equal(
      await jsonpath(
        ['get', 'job', 'bad'],
        '{range .status.conditions[*]}{.type}={.reason};{end} failed={.status.failed} active={.status.active}',
      ),
      'FailureTarget=BackoffLimitExceeded;Failed=BackoffLimitExceeded; failed=2 active=0',
    );
    const pods = await table(TOOL, ['get', 'pods', '-l', 'job-name=bad']);
    assert.deepEqual(
      pods.map((p) => p['STATUS']),
      ['Error', 'Error'],
    );
    const described = ok(await kubectl(TOOL, ['describe', 'job', 'bad']));
    assert.match(
      described,
      /Warning\s+BackoffLimitExceeded\s+\S+\s+job-controller\s+Job has reached the specified backoff limit/,
    );
  });

  test('parallel completions: three pods, two at a time, 3/3', async () => {
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        `apiVersion: batch/v1
kind: Job
metadata:
  name: wide
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: w
        image: ${BUSYBOX}
        command: ["sh", "-c", "echo part"]
`,
      ),
    );
    ok(await kubectl(TOOL, ['wait', '--for=condition=complete', 'job/wide', '--timeout=120s']));
    const [row] = await table(TOOL, ['get', 'job', 'wide']);
    assert.deepEqual([row?.['STATUS'], row?.['COMPLETIONS']], ['Complete', '3/3']);
    const pods = await table(TOOL, ['get', 'pods', '-l', 'job-name=wide']);
    assert.deepEqual(
      pods.map((p) => p['STATUS']),
      ['Completed', 'Completed', 'Completed'],
    );
  });

  test('a finished job with ttlSecondsAfterFinished goes, with its pods', async () => {
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        `apiVersion: batch/v1
kind: Job
metadata:
  name: brief
spec:
  ttlSecondsAfterFinished: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: b
        image: ${BUSYBOX}
        command: ["sh", "-c", "echo brief"]
`,
      ),
    );
    await until('the job and its pod deleted after the TTL', async () => {
      const job = await kubectl(TOOL, ['get', 'job', 'brief', '-o', 'name']);
      const pods = ok(await kubectl(TOOL, ['get', 'pods', '-l', 'job-name=brief', '-o', 'name']));
      return job.code !== 0 && /NotFound/.test(job.stderr) && pods.trim() === '' ? true : undefined;
    });
  });

  test('an Indexed job: each pod knows its index and host name', async () => {
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        `apiVersion: batch/v1
kind: Job
metadata:
  name: idx
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: i
        image: ${BUSYBOX}
        command: ["sh", "-c", "echo index=$JOB_COMPLETION_INDEX host=$(hostname)"]
`,
      ),
    );
    ok(await kubectl(TOOL, ['wait', '--for=condition=complete', 'job/idx', '--timeout=120s']));
    assert.equal(await jsonpath(['get', 'job', 'idx'], '{.status.completedIndexes}'), '0-2');
    const logs: string[] = [];
    for (const i of [0, 1, 2]) {
      const pod = await jsonpath(
        ['get', 'pods', '-l', `batch.kubernetes.io/job-completion-index=${i},job-name=idx`],
        '{.items[0].metadata.name}',
      );
      assert.match(pod, new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      logs.push(ok(await kubectl(TOOL, ['logs', pod])).trim());
    }
    assert.deepEqual(logs, ['index=0 host=idx-0', 'index=1 host=idx-1', 'index=2 host=idx-2']);
  });

  for (const v of versions)
    test(`kubectl 1.${v}: create cronjob, get cj, and create job --from=cronjob`, async () => {
      const name = `tick-${v}`;
      ok(
        await kubectl(v, [
          'create',
          'cronjob',
          name,
          `--image=${BUSYBOX}`,
          '--schedule=*/1 * * * *',
          '--',
          'sh',
          '-c',
          'echo tick',
        ]),
      );
      const out = ok(await kubectl(v, ['get', 'cj', name]));
      assert.match(
        out.split('\n')[0] ?? '',
        /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/,
      );
      const [row] = parseTable(out);
      assert.deepEqual(
        [row?.['NAME'], row?.['SCHEDULE'], row?.['TIMEZONE'], row?.['SUSPEND'], row?.['ACTIVE']],
        [name, '*/1 * * * *', '<none>', 'False', '0'],
      );
      assert.match(row?.['LAST SCHEDULE'] ?? '', new RegExp(`^(<none>|${AGE})$`));
      const [wide] = await table(v, ['get', 'cronjob', name, '-o', 'wide']);
      assert.deepEqual([wide?.['CONTAINERS'], wide?.['IMAGES']], [name, BUSYBOX]);

      const described = ok(await kubectl(v, ['describe', 'cronjob', name]));
      assert.match(described, /Schedule:\s+\*\/1 \* \* \* \*\n/);
      assert.match(described, /Concurrency Policy:\s+Allow\n/);
      assert.match(described, /Suspend:\s+False\n/);
      assert.match(described, /Successful Job History Limit:\s+3\n/);

      const manual = `${name}-manual`;
      ok(await kubectl(v, ['create', 'job', manual, `--from=cronjob/${name}`]));
      ok(await kubectl(v, ['wait', '--for=condition=complete', `job/${manual}`, '--timeout=120s']));
      assert.equal(ok(await kubectl(v, ['logs', `job/${manual}`])).trim(), 'tick');
      assert.equal(
        await jsonpath(
          ['get', 'job', manual],
          '{.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}',
        ),
        `manual CronJob/${name}`,
      );
      // The schemas are published: explain reads them.
      const explained = ok(await kubectl(v, ['explain', 'cronjob.spec.schedule']));
      assert.match(
        explained,
        /The schedule in Cron format, see https:\/\/en\.wikipedia\.org\/wiki\/Cron\./,
      );
      ok(await kubectl(v, ['delete', 'cronjob', name]));
    });

  test('suspending a job stops its pods; deleting a job deletes its pods', async () => {
    ok(
      await kubectl(
        TOOL,
        ['apply', '-f', '-'],
        `apiVersion: batch/v1
kind: Job
metadata:
  name: long
spec:
  parallelism: 2
  completions: 4
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 5
      containers:
      - name: l
        image: ${BUSYBOX}
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`,
      ),
    );
    await until('two running pods', async () => {
      const pods = await table(TOOL, ['get', 'pods', '-l', 'job-name=long']);
      return pods.filter((p) => p['STATUS'] === 'Running').length === 2 ? pods : undefined;
    });
    const [running] = await table(TOOL, ['get', 'job', 'long']);
    assert.deepEqual([running?.['STATUS'], running?.['COMPLETIONS']], ['Running', '0/4']);

    ok(
      await kubectl(TOOL, [
        'patch',
        'job',
        'long',
        '--type=merge',
        '-p',
        '{"spec":{"suspend":true}}',
      ]),
    );
    await until('the job suspended, its pods gone', async () => {
      const [row] = await table(TOOL, ['get', 'job', 'long']);
      const pods = await table(TOOL, ['get', 'pods', '-l', 'job-name=long']);
      return row?.['STATUS'] === 'Suspended' && pods.every((p) => p['STATUS'] !== 'Running')
        ? true
        : undefined;
    });
    ok(
      await kubectl(TOOL, [
        'patch',
        'job',
        'long',
        '--type=merge',
        '-p',
        '{"spec":{"suspend":false}}',
      ]),
    );
    await until('running again', async () => {
      const pods = await table(TOOL, ['get', 'pods', '-l', 'job-name=long']);
      return pods.filter((p) => p['STATUS'] === 'Running').length === 2 ? true : undefined;
    });

    ok(await kubectl(TOOL, ['delete', 'job', 'long', '--timeout=120s']));
    await until('the pods of the deleted job gone', async () => {
      const out = ok(await kubectl(TOOL, ['get', 'pods', '-l', 'job-name=long', '-o', 'name']));
      return out.trim() === '' ? true : undefined;
    });
  });
});
