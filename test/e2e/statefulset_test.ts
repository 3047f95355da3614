// End-to-end: a StatefulSet on a real node, as a user drives it with kubectl — the classic
// `web` set behind a headless service, its pods web-0, web-1, web-2 started in order, scaled
// down from the highest ordinal, rolled from the highest ordinal (with a partition holding the
// lower ones), rolled back, and deleted with its pods. The pods run busybox under runc in the
// cluster's own network namespace; kubectl 1.33 drives, 1.27 and 1.30 read the same set.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTestImages, IMAGES } from '../images/index.js';
import {
  AGE,
  VERSIONS,
  hasKubectl,
  nodeSkipReason,
  ok,
  parseTable,
  startNodeCluster,
  type RunResult,
  type TestCluster,
  until,
} from './harness.js';

const KUBECTL = 33;
const skip = !hasKubectl(KUBECTL) ? 'kubectl 1.33 is not installed' : (nodeSkipReason() ?? false);

const WEB = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
  - port: 80
    name: web
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: nginx
        image: ${IMAGES.busybox}
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
        env:
        - name: REV
          value: "1"
`;

/** A set whose pods each get a claim from the default class (volumeClaimTemplates). */
const DATA = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: data
spec:
  serviceName: data
  replicas: 2
  selector:
    matchLabels: {app: data}
  template:
    metadata:
      labels: {app: data}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: main
        image: ${IMAGES.busybox}
        command: ["sleep", "3600"]
        volumeMounts: [{name: www, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

describe('statefulsets on a real node', { skip, timeout: 900_000 }, () => {
  let c: TestCluster;
  const kubectl = (args: string[], input?: string): Promise<RunResult> =>
    c.kubectl(KUBECTL, args, input === undefined ? {} : { input });
  const jsonpath = async (what: string[], path: string): Promise<string> =>
    ok(await kubectl(['get', ...what, '-o', `jsonpath=${path}`]));
  /** name → value of REV in each pod of the set, and whether it is being deleted. */
  const revs = async (): Promise<Record<string, string>> => {
    const out = await jsonpath(
      ['pods', '-l', 'app=nginx'],
      '{range .items[*]}{.metadata.name}={.spec.containers[0].env[0].value}{.metadata.deletionTimestamp}{"\\n"}{end}',
    );
    return Object.fromEntries(
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=') as [string, string]),
    );
  };
  const rolledOut = async (): Promise<string> =>
    ok(await kubectl(['rollout', 'status', 'sts/web', '--timeout=180s']), 'rollout status');
  /** The messages of the set's events with `reason`, oldest first. */
  const events = async (reason: string): Promise<string[]> =>
    (
      await jsonpath(
        [
          'events',
          '--field-selector',
          `involvedObject.kind=StatefulSet,involvedObject.name=web,reason=${reason}`,
        ],
        '{range .items[*]}{.message}{"\\n"}{end}',
      )
    )
      .trim()
      .split('\n')
      .filter(Boolean);
  const withState = (e: unknown): Promise<never> =>
    Promise.all([
      kubectl(['get', 'sts,pods', '-o', 'wide']),
      kubectl(['describe', 'sts', 'web']),
    ]).then(([a, b]) => {
      throw new Error(`${String(e)}\n${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`);
    });

  before(async () => {
    const images = await ensureTestImages({ images: [IMAGES.busybox] });
    c = startNodeCluster({ images: [images.archives[IMAGES.busybox]!] });
  });
  after(() => c?.stop());

  test('web-0, web-1, web-2 start in order, each once the one before is Ready', async () => {
    assert.equal(
      ok(await kubectl(['apply', '-f', '-'], WEB)),
      'service/nginx created\nstatefulset.apps/web created\n',
    );
    const status = await rolledOut().catch(withState);
    assert.match(
      status,
      /^(Waiting for statefulset spec update to be observed\.\.\.\n|Waiting for [123] pods to be ready\.\.\.\n|Waiting for partitioned roll out to finish: [0-2] out of 3 new pods have been updated\.\.\.\n)*partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/,
    );
    // Each pod was created once the one before it was Ready (times are to the second).
    const times = (
      await jsonpath(
        ['pods', '-l', 'app=nginx'],
        '{range .items[*]}{.metadata.name} {.metadata.creationTimestamp} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\\n"}{end}',
      )
    )
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
    assert.deepEqual(
      times.map((t) => t[0]),
      ['web-0', 'web-1', 'web-2'],
    );
    for (let i = 1; i < times.length; i++) {
      const readyBefore = Date.parse(times[i - 1]?.[2] ?? '');
      const created = Date.parse(times[i]?.[1] ?? '');
      assert.ok(readyBefore <= created, `web-${i} created before web-${i - 1} was Ready`);
    }
    assert.deepEqual(await events('SuccessfulCreate'), [
      'create Pod web-0 in StatefulSet web successful',
      'create Pod web-1 in StatefulSet web successful',
      'create Pod web-2 in StatefulSet web successful',
    ]);
    // The stable network identity, inside the container.
    assert.equal(ok(await kubectl(['exec', 'web-0', '--', 'hostname'])), 'web-0\n');
    assert.equal(
      await jsonpath(['pod', 'web-1'], '{.spec.hostname}.{.spec.subdomain}'),
      'web-1.nginx',
    );
    assert.equal(
      await jsonpath(['pod', 'web-2'], '{.metadata.labels.statefulset\\.kubernetes\\.io/pod-name}'),
      'web-2',
    );
  });

  test('kubectl 1.27, 1.30 and 1.33 print the set: get, get -o wide, get all, describe', async () => {
    for (const v of VERSIONS) {
      if (!hasKubectl(v)) continue;
      const k = (...args: string[]): Promise<RunResult> => c.kubectl(v, args);
      const table = ok(await k('get', 'sts'));
      assert.match(
        table,
        new RegExp(`^NAME   READY   AGE\nweb    3/3     ${AGE}\\s*\n$`),
        `1.${v}`,
      );
      const wide = parseTable(ok(await k('get', 'statefulsets', '-o', 'wide')));
      assert.deepEqual(
        Object.entries(wide[0] ?? {}).filter(([key]) => key !== 'AGE'),
        [
          ['NAME', 'web'],
          ['READY', '3/3'],
          ['CONTAINERS', 'nginx'],
          ['IMAGES', IMAGES.busybox],
        ],
        `1.${v}`,
      );
      assert.match(ok(await k('get', 'all')), /statefulset\.apps\/web\s+3\/3\s+\d+s/);
      assert.equal(ok(await k('get', 'sts/web', '-o', 'name')), 'statefulset.apps/web\n');
      assert.equal(
        ok(await k('rollout', 'status', 'sts/web', '--watch=false')),
        'partitioned roll out complete: 3 new pods have been updated...\n',
      );
    }
    assert.match(
      ok(await kubectl(['explain', 'statefulset.spec.updateStrategy.rollingUpdate'])),
      /partition\s+<integer>/,
    );
    assert.match(
      ok(await kubectl(['explain', 'sts.spec.volumeClaimTemplates'])),
      /FIELD: volumeClaimTemplates <\[\]PersistentVolumeClaim>/,
    );
    const described = ok(await kubectl(['describe', 'sts', 'web']));
    for (const line of [
      /^Name:\s+web$/m,
      /^Selector:\s+app=nginx$/m,
      /^Replicas:\s+3 desired \| 3 total$/m,
      /^Update Strategy:\s+RollingUpdate$/m,
      /^\s+Partition:\s+0$/m,
      /^Pods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m,
      /Normal\s+SuccessfulCreate\s+\S+\s+statefulset-controller\s+create Pod web-0 in StatefulSet web successful/,
    ])
      assert.match(described, line);
  });

  test('scale to 1 deletes web-2, then web-1; scale back to 3 brings them again', async () => {
    assert.equal(
      ok(await kubectl(['scale', 'sts', 'web', '--replicas=1'])),
      'statefulset.apps/web scaled\n',
    );
    await until('only web-0 left', async () => {
      const r = await revs();
      return Object.keys(r).join(',') === 'web-0' ? true : undefined;
    }).catch(withState);
    assert.deepEqual(await events('SuccessfulDelete'), [
      'delete Pod web-2 in StatefulSet web successful',
      'delete Pod web-1 in StatefulSet web successful',
    ]);
    assert.match(ok(await kubectl(['get', 'sts', 'web'])), /web {4}1\/1 /);
    ok(await kubectl(['scale', 'sts', 'web', '--replicas=3']));
    await rolledOut().catch(withState);
    assert.deepEqual(await revs(), { 'web-0': '1', 'web-1': '1', 'web-2': '1' });
  });

  test('a template change rolls from the highest ordinal; a partition holds the lower ones', async () => {
    // Every change to the pods as the rollout goes, in order: name, REV, Ready, deleting.
    const watch = c.background(
      KUBECTL,
      [
        'get',
        'pods',
        '-l',
        'app=nginx',
        '--watch',
        '-o',
        'jsonpath={.metadata.name} {.spec.containers[0].env[0].value} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\\n"}',
      ],
      { timeoutMs: 300_000 },
    );
    await watch.waitFor(/^web-2 1 True $/m);
    ok(await kubectl(['set', 'env', 'sts/web', 'REV=2']));
    await watch.waitFor(/^web-0 2 True $/m, 180_000).catch(withState);
    const lines = (await watch.stop()).stdout.split('\n');
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    // web-2 is deleted first; web-1 only once web-2 runs the new template and is Ready; then web-0.
    const deleting = (n: number): number => at(new RegExp(`^web-${n} 1 \\S* \\S+$`));
    const readyAt2 = (n: number): number => at(new RegExp(`^web-${n} 2 True $`));
    assert.ok(deleting(2) >= 0, lines.join('\n'));
    assert.ok(deleting(2) < readyAt2(2), lines.join('\n'));
    assert.ok(readyAt2(2) < deleting(1), lines.join('\n'));
    assert.ok(deleting(1) < readyAt2(1), lines.join('\n'));
    assert.ok(readyAt2(1) < deleting(0), lines.join('\n'));
    assert.ok(deleting(0) < readyAt2(0), lines.join('\n'));
    await rolledOut().catch(withState);

    ok(
      await kubectl([
        'patch',
        'sts',
        'web',
        '-p',
        '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}',
      ]),
    );
    ok(await kubectl(['set', 'env', 'sts/web', 'REV=3']));
    const partitioned = await rolledOut().catch(withState);
    assert.match(
      partitioned,
      /partitioned roll out complete: 1 new pods have been updated\.\.\.\n$/,
    );
    await until('web-2 at REV=3', async () => {
      const r = await revs();
      return r['web-2'] === '3' ? r : undefined;
    });
    assert.deepEqual(await revs(), { 'web-0': '2', 'web-1': '2', 'web-2': '3' });
    const st = JSON.parse(await jsonpath(['sts', 'web'], '{.status}')) as Record<string, unknown>;
    assert.equal(st['updatedReplicas'], 1);
    assert.equal(st['currentReplicas'], 2);
    assert.notEqual(st['currentRevision'], st['updateRevision']);
  });

  test('rollout history and undo, through the ControllerRevisions', async () => {
    assert.equal(
      ok(await kubectl(['rollout', 'history', 'sts/web'])),
      'statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         <none>\n\n',
    );
    assert.match(ok(await kubectl(['rollout', 'history', 'sts/web', '--revision=2'])), /REV:\s+2/);
    const revisions = parseTable(ok(await kubectl(['get', 'controllerrevisions'])));
    assert.deepEqual(revisions.map((r) => [r['CONTROLLER'], r['REVISION']]).sort(), [
      ['statefulset.apps/web', '1'],
      ['statefulset.apps/web', '2'],
      ['statefulset.apps/web', '3'],
    ]);
    ok(
      await kubectl([
        'patch',
        'sts',
        'web',
        '-p',
        '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}',
      ]),
    );
    assert.equal(
      ok(await kubectl(['rollout', 'undo', 'sts/web', '--to-revision=2'])),
      'statefulset.apps/web rolled back\n',
    );
    await rolledOut().catch(withState);
    await until('every pod at REV=2', async () => {
      const r = await revs();
      return Object.values(r).join(',') === '2,2,2' ? r : undefined;
    }).catch(withState);
    assert.match(
      ok(await kubectl(['rollout', 'history', 'sts/web'])),
      /^1 +<none>\n3 +<none>\n4 +<none>\n/m,
    );
  });

  test('a deleted pod comes back under its name; deleting the set deletes its pods', async () => {
    const uid = await jsonpath(['pod', 'web-1'], '{.metadata.uid}');
    ok(await kubectl(['delete', 'pod', 'web-1']));
    await until('web-1 back and Ready', async () => {
      const r = await kubectl([
        'get',
        'pod',
        'web-1',
        '-o',
        'jsonpath={.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}',
      ]);
      const [now, ready] = r.stdout.split(' ');
      return r.code === 0 && now !== uid && ready === 'True' ? true : undefined;
    }).catch(withState);
    assert.equal(ok(await kubectl(['exec', 'web-1', '--', 'hostname'])), 'web-1\n');

    assert.equal(ok(await kubectl(['delete', 'sts', 'web'])), 'statefulset.apps "web" deleted\n');
    await until('pods gone', async () => {
      const out = ok(await kubectl(['get', 'pods', '-l', 'app=nginx', '-o', 'name']));
      return out.trim() === '' ? true : undefined;
    }).catch(withState);
    assert.equal(ok(await kubectl(['get', 'controllerrevisions', '-o', 'name'])).trim(), '');
  });

  test('volume claim templates: each pod has its own bound claim, kept across a restart', async () => {
    ok(await kubectl(['apply', '-f', '-'], DATA));
    ok(await kubectl(['rollout', 'status', 'sts/data', '--timeout=180s']), 'rollout status');
    const claims = parseTable(
      ok(await kubectl(['get', 'pvc', '-l', 'app=data', '--sort-by=.metadata.name'])),
    );
    assert.deepEqual(
      claims.map((r) => [
        r['NAME'],
        r['STATUS'],
        r['CAPACITY'],
        r['ACCESS MODES'],
        r['STORAGECLASS'],
      ]),
      [
        ['www-data-0', 'Bound', '1Gi', 'RWO', 'local-path'],
        ['www-data-1', 'Bound', '1Gi', 'RWO', 'local-path'],
      ],
    );
    // Each ordinal writes its own volume; a recreated data-0 finds what the first one wrote.
    ok(await kubectl(['exec', 'data-0', '--', 'sh', '-c', 'echo zero > /data/who']));
    ok(await kubectl(['exec', 'data-1', '--', 'sh', '-c', 'echo one > /data/who']));
    const uid = await jsonpath(['pod', 'data-0'], '{.metadata.uid}');
    ok(await kubectl(['delete', 'pod', 'data-0']));
    await until('data-0 back and Ready', async () => {
      const r = await kubectl([
        'get',
        'pod',
        'data-0',
        '-o',
        'jsonpath={.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}',
      ]);
      const [now, ready] = r.stdout.split(' ');
      return r.code === 0 && now !== uid && ready === 'True' ? true : undefined;
    });
    assert.equal(ok(await kubectl(['exec', 'data-0', '--', 'cat', '/data/who'])), 'zero\n');
    assert.equal(ok(await kubectl(['exec', 'data-1', '--', 'cat', '/data/who'])), 'one\n');
    // Retain (the default policy): the claims outlive the set.
    ok(await kubectl(['delete', 'sts', 'data']));
    await until('the pods of the set gone', async () =>
      ok(await kubectl(['get', 'pods', '-l', 'app=data', '-o', 'name'])).trim() === ''
        ? true
        : undefined,
    );
    assert.equal(
      ok(await kubectl(['get', 'pvc', '-l', 'app=data', '-o', 'name'])),
      'persistentvolumeclaim/www-data-0\npersistentvolumeclaim/www-data-1\n',
    );
  });
});
